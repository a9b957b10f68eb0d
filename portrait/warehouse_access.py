"""How every command opens the warehouse, and the guarantee that it closes it again.

DuckDB keeps the file locked while any connection to it lives, so a connection left
open by one command would make the next job wait. Every command opens the warehouse
through one of these context managers:

- `writing(ctx, step)`: waits for the lock, migrates, records the command in
  ops.pipeline_runs when it names a step, and closes the connection.
- `reading(ctx)`: never waits and never writes; while a job holds the warehouse it
  reads the serving snapshot and says so on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import click
import duckdb

from warehouse.db import connect, open_for_reading, pipeline_step


class Job(NamedTuple):
    """A writing connection and its ops.pipeline_runs record (the block may set
    `step["message"]`; an empty dict when the command records no step)."""

    con: duckdb.DuckDBPyConnection
    step: dict


@contextmanager
def writing_to(db: str, step: str | None = None) -> Iterator[Job]:
    """Open the warehouse file `db` for writing, record `step` if given, always close."""
    con = connect(db)
    try:
        if step is None:
            yield Job(con, {})
        else:
            with pipeline_step(con, step) as info:
                yield Job(con, info)
    finally:
        con.close()


@contextmanager
def writing(ctx: click.Context, step: str | None = None) -> Iterator[Job]:
    """Open the command's warehouse (`--db`) for writing; see `writing_to`."""
    with writing_to(ctx.obj["db"], step) as job:
        yield job


@contextmanager
def reading(ctx: click.Context, *, snapshot: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the command's warehouse read-only, or its snapshot while a job writes it.

    With `snapshot=False` a busy warehouse is an error instead: for commands whose
    answer needs tables the snapshot does not carry.
    """
    opened = open_for_reading(ctx.obj["db"], snapshot=snapshot)
    try:
        if opened.is_snapshot:
            click.echo(
                "the warehouse is busy with a job; showing the snapshot published at "
                f"{opened.snapshot_published_at:%Y-%m-%d %H:%M:%S}",
                err=True,
            )
        yield opened.con
    finally:
        opened.con.close()
