"""Run the SQL files in queries/sql: bind parameters, return Polars frames.

One query per file, named for what it returns. Values always travel as bound
parameters (`$name`), never by string formatting.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import duckdb
import polars as pl

from warehouse.db import fetch_frame


@cache
def sql_text(name: str) -> str:
    """The text of queries/sql/<name>.sql."""
    path = resources.files("queries") / "sql" / f"{name}.sql"
    if not path.is_file():
        raise ValueError(f"no query named {name!r} (looked for queries/sql/{name}.sql)")
    return path.read_text(encoding="utf-8")


def run(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run a query file and return its result as a Polars frame."""
    return fetch_frame(con, sql_text(name), params or {})


def execute(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> None:
    """Run a query file for its effect (create or refresh a view, mart or cube)."""
    con.execute(sql_text(name), params or {})
