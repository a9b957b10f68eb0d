"""The serving snapshot, opened read-only, with a query cache and reopening on publish.

The dashboard never opens the main warehouse (a writing job holds it). It reads the
snapshot that `warehouse.publish.publish` replaces atomically, and notices a new one
by its inode and modification time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from queries.runner import sql_text
from warehouse.db import resolve_db_path
from warehouse.publish import SERVING_SUFFIX, serving_path_for

log = logging.getLogger(__name__)

CACHE_ENTRIES = 2048
SERVING_ENV = "PORTRAIT_SERVING"
WHAT_TO_RUN = "portrait demo"


class ServingMissing(RuntimeError):
    """No serving snapshot has been published yet."""


def default_serving_path() -> Path:
    """$PORTRAIT_SERVING, else the snapshot next to the warehouse ($PORTRAIT_DB or default)."""
    if os.environ.get(SERVING_ENV):
        return Path(os.environ[SERVING_ENV]).expanduser().resolve()
    warehouse = resolve_db_path()
    if warehouse.name.endswith(SERVING_SUFFIX):
        return warehouse
    return serving_path_for(warehouse)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


class ServingDB:
    """One serving snapshot file, shared by every browser session of the process."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._cache: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self.opened_at: datetime | None = None
        self.last_error: str = ""
        self._failed: tuple[int, int, int] | None = None

    @property
    def stamp(self) -> tuple[int, int, int] | None:
        return self._stamp

    def _open(self, stamp: tuple[int, int, int]) -> None:
        # An in-memory database that attaches the snapshot: duckdb.connect(path) would hand
        # back the process's cached instance of the *old* file after a publish.
        con = duckdb.connect(":memory:")
        con.execute(sql_text("dashboard_attach_snapshot"), {"path": str(self.path)})
        self._con, self._stamp = con, stamp
        self.opened_at = datetime.now()
        log.info("opened serving snapshot %s", self.path)

    def refresh(self) -> bool:
        """Reopen when a new snapshot was published; True when it changed."""
        current = _stamp(self.path)
        with self._lock:
            if current == self._stamp and (self._con is not None or current is None):
                return False
            if current is None or current == self._failed:
                # The file vanished, or this version already failed to open: keep serving
                # the open snapshot (last good data) without retrying on every query.
                return False
            try:
                self._open(current)
            except duckdb.Error as error:
                # Keep serving the snapshot already open (the last good data) and say why.
                log.warning("could not open serving snapshot %s: %s", self.path, error)
                self.last_error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
                self._failed = current
                return False
            self.last_error = ""
            return True

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the current snapshot; raises ServingMissing when there is none."""
        self.refresh()
        with self._lock:
            if self._con is None:
                raise ServingMissing(
                    f"no serving snapshot at {self.path}; run `{WHAT_TO_RUN}` to build one"
                )
            cursor = self._con.cursor()
        cursor.execute(sql_text("dashboard_use_snapshot"))
        return cursor

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query on its own cursor; results are cached by (snapshot, sql, params)."""
        self.refresh()
        key = (self._stamp, sql, tuple(sorted((params or {}).items())))
        return self._cached(key, lambda cursor: cursor.sql(sql, params=params or None))

    def exists(self, qualified_name: str) -> bool:
        """Whether schema.table exists in the snapshot."""
        schema, _, table = qualified_name.partition(".")
        params = {"schema": schema, "table": table}
        return bool(self.query(sql_text("dashboard_table_exists"), params).item())

    def table(self, qualified_name: str) -> pl.DataFrame:
        """A whole table of the snapshot (cached); ValueError when it does not exist."""
        return self._relation(qualified_name, "table", lambda rel: rel)

    def table_rows(self, qualified_name: str) -> int | None:
        """Rows of a table in the snapshot, or None when it does not exist."""
        if not self.exists(qualified_name):
            return None
        counted = self._relation(qualified_name, "rows", lambda rel: rel.count("*"))
        return int(counted.item())

    def _relation(self, qualified_name: str, what: str, shape) -> pl.DataFrame:
        # The name reaches DuckDB's relation API only once the catalog knows it, so no
        # text from elsewhere becomes part of a statement.
        if not self.exists(qualified_name):
            raise ValueError(f"no table {qualified_name} in the snapshot {self.path}")
        key = (self._stamp, what, qualified_name)
        return self._cached(key, lambda cursor: shape(cursor.table(qualified_name)))

    def _cached(self, key: tuple, relation) -> pl.DataFrame:
        # The cache keeps the CACHE_ENTRIES most recently used frames; the relation runs
        # on a cursor of its own, outside the lock.
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        cursor = self.connection()
        try:
            frame = pl.from_arrow(relation(cursor).to_arrow_table())
        finally:
            cursor.close()
        with self._lock:
            self._cache[key] = frame
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return frame


_OPEN: dict[Path, ServingDB] = {}
_OPEN_LOCK = threading.Lock()


def serving_db(path: str | os.PathLike | None = None) -> ServingDB:
    """The process-wide ServingDB for a snapshot path (default: default_serving_path())."""
    resolved = Path(path).resolve() if path else default_serving_path()
    with _OPEN_LOCK:
        if resolved not in _OPEN:
            _OPEN[resolved] = ServingDB(resolved)
        return _OPEN[resolved]
