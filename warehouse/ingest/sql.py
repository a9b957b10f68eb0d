"""Quoting for the SQL that ingestion generates from contracts and file headers.

Column names come from the user's files, so they are always quoted as identifiers;
the few constants that must be inlined (reason texts, paths in table functions that
take no parameters) go through `literal`.
"""

from __future__ import annotations

import re

TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """`value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def qualified(table: str) -> str:
    """'raw.ad_events' -> "raw"."ad_events"."""
    schema, _, name = table.partition(".")
    return f"{ident(schema)}.{ident(name)}"


def struct_of_types(columns: list[tuple[str, str]]) -> str:
    """The `columns={...}` argument of read_csv for (name, type) pairs."""
    return "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in columns) + "}"
