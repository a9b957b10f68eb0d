"""Run the SQL files in queries/sql: bind parameters, return Polars frames.

One query per file, named for what it returns. Values always travel as bound
parameters (`$name`), never by string formatting. A query whose table or column names
are only known at run time names them as `{slot}`s, filled by
warehouse.sql.with_identifiers with quoted identifiers only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import polars as pl

from warehouse.db import fetch_frame
from warehouse.sql import Identifier, with_identifiers


@cache
def sql_text(name: str) -> str:
    """The text of queries/sql/<name>.sql."""
    path = resources.files("queries") / "sql" / f"{name}.sql"
    if not path.is_file():
        raise ValueError(f"no query named {name!r} (looked for queries/sql/{name}.sql)")
    return path.read_text(encoding="utf-8")


def statement(
    name: str,
    identifiers: Mapping[str, Identifier] | None = None,
    allowed: Collection[str] = (),
) -> str:
    """The text of a query file with its `{slot}`s filled by quoted `identifiers`.

    A file without slots needs no identifiers; see warehouse.sql.with_identifiers.
    """
    text = sql_text(name)
    if identifiers is None and not allowed:
        return text
    return with_identifiers(text, allowed=allowed, **(identifiers or {}))


def run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    identifiers: Mapping[str, Identifier] | None = None,
) -> pl.DataFrame:
    """Run a query file and return its result as a Polars frame."""
    return fetch_frame(con, statement(name, identifiers), params or {})


def execute(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    identifiers: Mapping[str, Identifier] | None = None,
    allowed: Collection[str] = (),
) -> None:
    """Run a query file for its effect (create or refresh a view, mart or cube)."""
    con.execute(statement(name, identifiers, allowed), params or {})
