"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from portrait.demo_data import build_demo_warehouse
from warehouse.db import connect

ROOT = Path(__file__).resolve().parents[1]
# The full suite's slowest parts, left out of the fast tier (`pytest -m "not slow"`):
# test path (a folder or a file) -> why. Every module still has fast tests of its own.
SLOW = {
    "tests/ui/": "a real Panel server driven by headless Chromium, minutes in all",
    "tests/portrait/test_demo_pipeline.py": "runs the whole `portrait demo` in a subprocess",
    "tests/portrait/test_commands_close.py": "every command, each in its own process check",
    "tests/modeling/test_churn_demo.py": "churn models trained on the demo's subscribers",
}
DEMO_EVENTS = 60_000
DEMO_USERS = 3_000
DEMO_SEED = 7


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests in SLOW as slow."""
    for item in items:
        relative = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        if any(relative.startswith(prefix) for prefix in SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory):
    """Path of a small demo warehouse (raw, ref and oracle tables loaded), built once per run.

    Tests must not write to it; copy it first (see `demo_warehouse_copy`).
    """
    path = tmp_path_factory.mktemp("demo") / "portrait.duckdb"
    con = connect(path)
    build_demo_warehouse(con, DEMO_EVENTS, DEMO_USERS, DEMO_SEED)
    con.close()
    return path


@pytest.fixture(scope="session")
def trained_segment(tmp_path_factory, demo_warehouse) -> tuple[Path, str]:
    """(path, run id): a copy of the demo warehouse with one real segment model trained
    and its unlabeled events scored, shared by every test that needs a fitted model.

    Tests must not write to it; copy the file first.
    """
    from modeling.segment import SegmentTrainOptions, score_segment, train_segment

    path = tmp_path_factory.mktemp("segment") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    con = connect(path)
    options = SegmentTrainOptions(holdout_days=7, guard_rows=30_000, shap_rows=300, iterations=60)
    run_id = train_segment(con, options).run_id
    score_segment(con, run_id)
    con.close()
    return path, run_id


@pytest.fixture
def demo_warehouse_copy(demo_warehouse, tmp_path):
    """A private copy of the demo warehouse that a test may change."""
    copy = tmp_path / "portrait.duckdb"
    copy.write_bytes(demo_warehouse.read_bytes())
    return copy


@pytest.fixture
def held_for_writing():
    """`with held_for_writing(path):` another process holds the warehouse for writing."""
    # Imported here so that the shared fixtures above stay as they are.
    import subprocess
    import sys
    import textwrap
    from contextlib import contextmanager

    @contextmanager
    def held(path: Path):
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

    return held
