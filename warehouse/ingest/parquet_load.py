"""Loading a Parquet file: typed already, no malformed lines, row numbers from the reader."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.ingest import statement_progress as live
from warehouse.ingest.checks import Mapping, row_sql
from warehouse.ingest.quarantine import Quarantine
from warehouse.progress import Progress
from warehouse.sql import ident

READER = "read_parquet(?, file_row_number = true)"
LINE = "(file_row_number + 1)"


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the file's columns."""
    return [
        (row[0], row[1])
        for row in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    ]


def row_count(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return con.execute(
        "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)", [str(path)]
    ).fetchone()[0]


def load_contract(
    con: duckdb.DuckDBPyConnection,
    q: Quarantine,
    table: str,
    mapping: Mapping,
    path: Path,
    source_types: dict[str, str],
    *,
    progress: Progress | None = None,
) -> int:
    """Insert the good rows, quarantine the others; return the rows inserted."""
    rows = row_sql(mapping, source_types, load_id=q.load_id, line_sql=LINE)
    targets = rows.targets + [("load_id", str(q.load_id)), ("source_line", LINE)]
    typed = f"select {rows.typed_select}, file_row_number from {READER}"
    loaded = live.execute(
        con,
        f"""
        insert into {table} ({", ".join(ident(name) for name, _ in targets)})
        select {", ".join(value for _, value in targets)} from ({typed})
        where {rows.check} is null
        """,
        [str(path)],
        message=f"loading {path.name}",
        progress=progress,
    )[0][0]
    if loaded < row_count(con, path):
        q.insert(
            f"""
            select {LINE} as line_number, split_part(c, ':', 1) as column_name,
                {rows.raw_text} as raw_text,
                split_part(c, chr(31), 1) as reason, split_part(c, chr(31), 2) as kind
            from (select *, {rows.check} as c from ({typed}))
            where c is not null
            order by file_row_number
            """,
            [str(path)],
        )
    return loaded


def load_as_is(
    con: duckdb.DuckDBPyConnection,
    q: Quarantine,
    table: str,
    path: Path,
    *,
    create: bool,
    progress: Progress | None = None,
) -> int:
    """Copy every column as Parquet typed it, plus lineage; return the rows inserted."""
    select = (
        f"select * exclude (file_row_number), {q.load_id}::bigint as load_id, "
        f"{LINE}::bigint as source_line from {READER}"
    )
    if create:
        live.execute(
            con,
            f"create table {table} as {select}",
            [str(path)],
            message=f"loading {path.name}",
            progress=progress,
        )
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    sql = f"insert into {table} by name {select}"
    inserted = live.execute(
        con, sql, [str(path)], message=f"loading {path.name}", progress=progress
    )
    return inserted[0][0]
