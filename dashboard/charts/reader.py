"""What chart loaders read through: the page's DataStore and the report's readers."""

from __future__ import annotations

from typing import Any, Protocol

import duckdb
import polars as pl

from dashboard.serving import ServingDB
from queries.runner import run, sql_text


class Reader(Protocol):
    """Runs the query files of queries/sql on one snapshot or warehouse."""

    def query(self, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """The result of queries/sql/<name>.sql with bound parameters."""
        ...

    def has_rows(self, *tables: str) -> bool:
        """True when every schema.table exists and holds rows."""
        ...


class SnapshotReader:
    """A Reader on a serving snapshot file (cached queries, read-only)."""

    def __init__(self, serving: ServingDB):
        self.serving = serving

    def query(self, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        return self.serving.query(sql_text(name), params)

    def has_rows(self, *tables: str) -> bool:
        return all((self.serving.table_rows(t) or 0) > 0 for t in tables)


class ConnectionReader:
    """A Reader on an open connection (a job's writing one, or a test's)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def query(self, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        return run(self.con, name, params)

    def has_rows(self, *tables: str) -> bool:
        return all(self._rows(t) > 0 for t in tables)

    def _rows(self, qualified_name: str) -> int:
        schema, _, table = qualified_name.partition(".")
        if not self.query("dashboard_table_exists", {"schema": schema, "table": table}).item():
            return 0
        # The catalog knows the name, so the relation API gets no outside text.
        return int(self.con.table(qualified_name).count("*").fetchall()[0][0])
