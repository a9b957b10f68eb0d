"""Scratch warehouses: rows from outside the warehouse, validated and shaped like real data.

    with scratch_warehouse({"ad_events": frame}) as scratch:
        scratch.quarantine()                  # rejected rows: line, column, reason, raw text
        run(scratch.con, "segment_events")    # the good rows are in raw.ad_events

`scratch_warehouse` ingests through `warehouse.ingest.ingest_file` into a temporary,
fully migrated DuckDB file, so validation and quarantine are exactly those of real
ingestion; nothing touches the main warehouse. `memory_scratch` holds rows that came out
of the warehouse already validated (a snapshot's exported events) without migrations.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from queries.runner import execute, run
from warehouse.contracts import get_contract
from warehouse.db import connect, table_exists
from warehouse.ingest import LoadResult, ingest_file
from warehouse.reference import load_reference

Rows = pl.DataFrame | pd.DataFrame | str | os.PathLike
TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass
class Scratch:
    """An open scratch warehouse: its connection and what ingesting each contract did."""

    con: duckdb.DuckDBPyConnection
    loads: dict[str, LoadResult]

    def quarantine(self) -> pl.DataFrame:
        """Rejected rows: line_number, column_name, reason, raw_text (by line number)."""
        return run(self.con, "scratch_quarantine")


def _checked(name: str) -> str:
    # Table names become identifiers of the relation API, so only plain ones are taken.
    if not TABLE_NAME.match(name):
        raise ValueError(f"reference table name {name!r} must match {TABLE_NAME.pattern}")
    return name


def write_reference(con: duckdb.DuckDBPyConnection, reference: Mapping[str, pl.DataFrame]) -> None:
    """Fill ref.<name> from each frame, creating the tables a new warehouse lacks."""
    for name, frame in reference.items():
        target = f"ref.{_checked(name)}"
        exists = table_exists(con, target)
        con.complete()  # the relation API refuses to start while a result is unread
        if exists:
            columns = con.table(target).columns
            extra = sorted(set(frame.columns) - set(columns))
            if extra:
                raise ValueError(f"{target} has no column(s) {extra}")
            # Inserted by position, so in the table's order: a copy may list its columns
            # in another order than the migration's, and leave some out (null).
            ordered = frame.select(
                pl.col(c) if c in frame.columns else pl.lit(None).alias(c) for c in columns
            )
            con.from_arrow(ordered.to_arrow()).insert_into(target)
        else:
            con.from_arrow(frame.to_arrow()).create(target)


def _as_file(rows: Rows, folder: Path, name: str) -> Path:
    if isinstance(rows, str | os.PathLike):
        return Path(rows)
    frame = pl.from_pandas(rows) if isinstance(rows, pd.DataFrame) else rows
    path = folder / f"{name}.parquet"
    frame.write_parquet(path)
    return path


@contextmanager
def scratch_warehouse(
    rows: Mapping[str, Rows], *, reference: Mapping[str, pl.DataFrame] | None = None
) -> Iterator[Scratch]:
    """A temporary warehouse holding `rows` (contract name -> frame or CSV/Parquet file),
    ingested with the validation and quarantine of real ingestion.

    `reference` (ref table name -> frame) replaces the shipped reference tables, e.g. with
    a serving snapshot's. The connection is closed and the files removed on exit.
    """
    for name in rows:
        get_contract(name)  # an unknown name fails before any work, listing the known ones
    with tempfile.TemporaryDirectory(prefix="portrait-scratch-") as folder:
        con = connect(Path(folder) / "scratch.duckdb")
        try:
            if reference is None:
                load_reference(con)
            else:
                execute(con, "scratch_clear_shipped_reference")
                write_reference(con, reference)
            loads = {
                name: ingest_file(con, _as_file(data, Path(folder), name), contract=name)
                for name, data in rows.items()
            }
            yield Scratch(con, loads)
        finally:
            con.close()


@contextmanager
def memory_scratch(
    raw: Mapping[str, pl.DataFrame], reference: Mapping[str, pl.DataFrame]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse of already validated rows: raw.<table> and ref.<table> only.

    For rows that come out of the warehouse (a snapshot's exported events): they need no
    validation, and running every migration would cost more than explaining one event.
    The feature queries read raw and ref and write to features, nothing else.
    """
    con = duckdb.connect(":memory:")
    try:
        execute(con, "scratch_memory_schemas")
        for name, frame in raw.items():
            con.from_arrow(frame.to_arrow()).create(f"raw.{_checked(name)}")
        write_reference(con, reference)
        yield con
    finally:
        con.close()
