"""As-is tables (raw.<name>, for the generic trainer): their columns and their comments."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.contracts import LINEAGE_COLUMNS
from warehouse.sql import ident, literal, qualified


def check_new_columns(columns: list[tuple[str, str]], path: Path) -> None:
    """A new table gets lineage columns, so the file must not have columns of those names."""
    clash = [name for name, _ in columns if name.lower() in LINEAGE_COLUMNS]
    if clash:
        raise ValueError(f"{path}: column {', '.join(clash)} is reserved for lineage; rename it")


def columns_for_append(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], path: Path
) -> list[tuple[str, str]]:
    """The file's columns typed as the existing table has them; a ValueError if names differ."""
    check_new_columns(columns, path)
    described = con.execute(f"describe {qualified(table)}").fetchall()
    table_types = {row[0].lower(): row[1] for row in described if row[0] not in LINEAGE_COLUMNS}
    file_names = {name.lower() for name, _ in columns}
    missing = sorted(set(table_types) - file_names)
    extra = sorted(file_names - set(table_types))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"not in the file: {', '.join(missing)}")
        if extra:
            parts.append(f"not in the table: {', '.join(extra)}")
        raise ValueError(f"{path}: its columns do not match {table}; {'; '.join(parts)}")
    return [(name, table_types[name.lower()]) for name, _ in columns]


def describe(
    con: duckdb.DuckDBPyConnection, table_sql: str, columns: list[str], file_name: str
) -> None:
    """Comments, so that duckdb_columns() documents an as-is table too."""
    note = f"Loaded as is from {file_name} (portrait ingest --table); types inferred by DuckDB."
    con.execute(f"comment on table {table_sql} is {literal(note)}")
    for column in columns:
        text = f"Column {column} of the source file, as exported."
        con.execute(f"comment on column {table_sql}.{ident(column)} is {literal(text)}")
    con.execute(
        f"comment on column {table_sql}.load_id is 'Load that brought the row (ops.loads).'"
    )
    con.execute(
        f"comment on column {table_sql}.source_line is "
        "'Line of the source file (1 = header) or Parquet row number.'"
    )
