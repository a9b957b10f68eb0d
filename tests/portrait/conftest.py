"""Fixtures of the command-line tests: a warehouse held by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def _held(path: Path) -> Iterator[None]:
    # A real second process: DuckDB's file lock is per process, so a connection in the
    # test's own process would not stand for a running job.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, time
                con = duckdb.connect({str(path)!r})
                print("held", flush=True)
                time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.fixture
def held_for_writing() -> Callable[[Path], object]:
    """`with held_for_writing(path):` another process holds the warehouse for writing."""
    return _held
