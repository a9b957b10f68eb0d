"""The DuckDB warehouse file: where it is, how to open it, and its migrations.

DuckDB allows one writing process per file. Writers wait for the lock (a
scheduled job should not fail because another one is finishing); readers never
wait and never migrate: while a job holds the file they read the serving snapshot
instead (`open_for_reading`), and the dashboard only ever reads that snapshot (see
`warehouse.publish`).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import NamedTuple
from uuid import uuid4

import duckdb
import polars as pl

from warehouse.publish import serving_path_for

log = logging.getLogger(__name__)

DEFAULT_DB = Path("data") / "portrait.duckdb"
DB_ENV = "PORTRAIT_DB"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class WarehouseLocked(RuntimeError):
    """Another process holds the warehouse for writing for longer than we may wait."""


class WarehouseBusy(WarehouseLocked):
    """Another process holds the warehouse for writing, and a reader does not wait."""


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The warehouse file: `path` if given, else $PORTRAIT_DB, else data/portrait.duckdb."""
    chosen = path or os.environ.get(DB_ENV) or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped in warehouse/migrations, in order."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'ops' and table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return set()
    return {row[0] for row in con.execute("select version from ops.schema_version").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[str]:
    """Apply the migrations this file has not had yet (up to version `up_to`), each atomically."""
    done = applied_versions(con)
    ran = []
    for version, name, sql in migrations():
        if version in done or (up_to is not None and version > up_to):
            continue
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute(
                "insert into ops.schema_version (version, name) values (?, ?)", [version, name]
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        log.info("applied migration %s", name)
        ran.append(name)
    return ran


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 600.0,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; for writing, migrate it first.

    A writer that finds the file locked by another process retries until
    `wait_seconds` have passed, then raises WarehouseLocked. A reader neither waits
    nor migrates: it raises WarehouseBusy at once, and reads the schema as it is.
    """
    db_path = resolve_db_path(path)
    if read_only:
        return _open_read_only(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(db_path))
            break
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{db_path} is locked by another process (waited {wait_seconds:.0f} s)"
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    migrate(con)
    return con


def _open_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(
            f"no warehouse at {db_path}; run `portrait demo` or `portrait ingest`"
        )
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.IOException as error:
        if _is_lock_error(error):
            raise WarehouseBusy(f"{db_path} is busy: another process is writing it") from error
        raise


class ReadConnection(NamedTuple):
    """A read-only connection, and when the snapshot it reads was published (None: the
    warehouse itself)."""

    con: duckdb.DuckDBPyConnection
    snapshot_published_at: datetime | None

    @property
    def is_snapshot(self) -> bool:
        return self.snapshot_published_at is not None


def open_for_reading(
    path: str | os.PathLike | None = None, *, snapshot: bool = True
) -> ReadConnection:
    """Open the warehouse read-only without waiting; while a job writes it, its serving snapshot.

    Raises WarehouseBusy when a job holds the warehouse and there is no snapshot (or
    `snapshot` is False).
    """
    db_path = resolve_db_path(path)
    try:
        return ReadConnection(_open_read_only(db_path), None)
    except WarehouseBusy as busy:
        serving = serving_path_for(db_path)
        if not snapshot or not serving.exists():
            reason = "no serving snapshot to show instead" if snapshot else "try again after it"
            raise WarehouseBusy(f"the warehouse {db_path} is busy with a job; {reason}") from busy
    # A snapshot is replaced by an atomic rename and never held for writing.
    con = duckdb.connect(str(serving), read_only=True)
    published_at = con.execute("select max(published_at) from ops.published").fetchone()[0]
    return ReadConnection(con, published_at or datetime.fromtimestamp(serving.stat().st_mtime))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back if it raises."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def pipeline_step(con: duckdb.DuckDBPyConnection, step: str) -> Iterator[dict]:
    """Record a step in ops.pipeline_runs; the block may set info['message']."""
    run_id = uuid4().hex[:12]
    con.execute(
        "insert into ops.pipeline_runs values (?, ?, ?, null, 'running', null)",
        [run_id, step, datetime.now()],
    )
    info: dict = {"run_id": run_id, "message": None}
    try:
        yield info
    except BaseException as error:
        con.execute(
            "update ops.pipeline_runs set finished_at = ?, status = 'failed', message = ? "
            "where run_id = ?",
            [datetime.now(), f"{type(error).__name__}: {error}"[:2000], run_id],
        )
        raise
    con.execute(
        "update ops.pipeline_runs set finished_at = ?, status = 'succeeded', message = ? "
        "where run_id = ?",
        [datetime.now(), info["message"], run_id],
    )


def table_exists(con: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    schema, _, table = qualified_name.partition(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def fetch_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None
) -> pl.DataFrame:
    """Run a query with bound parameters and return the whole result as a Polars frame."""
    # DuckDB 2 refuses a new relation while an execute() result is unread (a `fetchone()`
    # leaves one); completing it first keeps callers free of that bookkeeping. The relation
    # API hands Arrow to Polars without the extra copy a DB-API result makes.
    con.complete()
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())
