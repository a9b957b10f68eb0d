"""Publish a serving snapshot: the read-only copy of the warehouse that the dashboard reads.

DuckDB allows one writing process per file, and a read-only open fails while a writer
holds the file. So the dashboard never opens the main warehouse: every writing job ends
by copying what the dashboard and report read (marts, ml, ref, ops summaries) into a
new file next to the warehouse, written under a temporary name in the same folder and
moved onto `<name>.serving.duckdb` with os.replace(). The move is atomic: a reader that
has the old snapshot open keeps its inode and never sees a half-written file.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import duckdb

from warehouse.sql import ident, literal, qualified

log = logging.getLogger(__name__)

SERVING_SUFFIX = ".serving.duckdb"
# Whole schemas copied to the snapshot: what people read, the registry (with artifacts,
# so that the Score-a-file page can load a model) and the reference tables.
COPIED_SCHEMAS = ("marts", "ml", "ref")
# Operational tables copied whole; ops.quarantine is capped (see QUARANTINE_ROWS).
COPIED_OPS_TABLES = ("loads", "pipeline_runs", "schema_version")
QUARANTINE_ROWS = 5000


def serving_path_for(db_path: str | os.PathLike) -> Path:
    """data/portrait.duckdb -> data/portrait.serving.duckdb."""
    path = Path(db_path)
    return path.with_name(path.name.removesuffix(".duckdb") + SERVING_SUFFIX)


def database_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind the connection's current database."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if row is None or not row[0]:
        raise ValueError("the connection is not backed by a file; nothing to publish")
    return Path(row[0]).resolve()


def _tables_to_copy(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    rows = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() and not temporary "
        "order by schema_name, table_name"
    ).fetchall()
    wanted = []
    for schema, table, comment in rows:
        if schema in COPIED_SCHEMAS or (schema == "ops" and table in COPIED_OPS_TABLES):
            wanted.append((schema, table, comment))
    return wanted


def publish(con: duckdb.DuckDBPyConnection, target: str | os.PathLike | None = None) -> Path:
    """Copy the serving tables of the warehouse behind `con` into its serving snapshot.

    Returns the snapshot path. `con` must be the writing connection of a job; the copy
    runs inside it, so it sees that job's committed work.
    """
    source = database_path(con)
    final = Path(target) if target else serving_path_for(source)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{uuid4().hex[:8]}.tmp")
    alias = f"publish_{uuid4().hex[:8]}"
    tables = _tables_to_copy(con)
    # ATTACH takes a literal only; quoting keeps an apostrophe in the path harmless.
    con.execute(f"attach {literal(str(temp))} as {ident(alias)}")
    try:
        for schema in (*COPIED_SCHEMAS, "ops"):
            con.execute(f"create schema if not exists {qualified((alias, schema))}")
        for schema, table, comment in tables:
            con.execute(
                f"create table {qualified((alias, schema, table))} "
                f"as select * from {qualified((schema, table))}"
            )
            _copy_comments(con, alias, schema, table, comment)
        _write_quarantine(con, alias)
        copied = [f"{schema}.{table}" for schema, table, _ in tables] + [
            "ops.quarantine",
            "ops.quarantine_summary",
        ]
        _write_published(con, alias, source, copied)
        con.execute(f"detach {ident(alias)}")
    except BaseException:
        con.execute(f"detach database if exists {ident(alias)}")
        temp.unlink(missing_ok=True)
        Path(str(temp) + ".wal").unlink(missing_ok=True)
        raise
    os.replace(temp, final)
    log.info("published %d tables to %s", len(copied), final)
    return final


def _copy_comments(
    con: duckdb.DuckDBPyConnection, alias: str, schema: str, table: str, comment: str | None
) -> None:
    # COMMENT takes a literal only; the texts come from the warehouse's own catalog.
    if comment:
        con.execute(f"comment on table {qualified((alias, schema, table))} is {literal(comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? and comment is not null",
        [schema, table],
    ).fetchall()
    for column, text in columns:
        target = qualified((alias, schema, table, column))
        con.execute(f"comment on column {target} is {literal(text)}")


def _write_quarantine(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    # The dashboard shows reasons and a sample of rejected rows; a bad export can
    # quarantine millions of rows, which the snapshot does not need.
    con.execute(
        f"create table {alias}.ops.quarantine_summary as "
        "select target_table, coalesce(reason_kind, reason) as reason, count(*) as rows, "
        "count(distinct load_id) as loads, any_value(reason) as example "
        "from ops.quarantine group by all order by rows desc"
    )
    con.execute(
        f"create table {alias}.ops.quarantine as "
        "select * from ops.quarantine order by load_id desc, line_number limit ?",
        [QUARANTINE_ROWS],
    )
    for statement in (
        f"comment on table {alias}.ops.quarantine_summary is 'Quarantined rows per target table and reason (whole warehouse).'",
        f"comment on column {alias}.ops.quarantine_summary.target_table is 'Table the rows were meant for.'",
        f"comment on column {alias}.ops.quarantine_summary.reason is 'Why the rows were rejected, without the bad value (ops.quarantine.reason_kind; the full reason for rows quarantined before it existed).'",
        f"comment on column {alias}.ops.quarantine_summary.example is 'One full reason of that kind, with its bad value.'",
        f"comment on column {alias}.ops.quarantine_summary.rows is 'Rows rejected for that reason.'",
        f"comment on column {alias}.ops.quarantine_summary.loads is 'Loads that rejected such rows.'",
        f"comment on table {alias}.ops.quarantine is 'The latest {QUARANTINE_ROWS} quarantined rows of the warehouse (ops.quarantine), newest load first.'",
    ):
        con.execute(statement)


def _write_published(
    con: duckdb.DuckDBPyConnection, alias: str, source: Path, tables: list[str]
) -> None:
    con.execute(
        f"create table {alias}.ops.published (published_at timestamp, source_db varchar, tables json)"
    )
    con.execute(
        f"insert into {alias}.ops.published values (?, ?, ?)",
        [datetime.now(), str(source), json.dumps(tables)],
    )
    for statement in (
        f"comment on table {alias}.ops.published is 'When this serving snapshot was published, from which warehouse, with which tables.'",
        f"comment on column {alias}.ops.published.published_at is 'When the snapshot was written (local time).'",
        f"comment on column {alias}.ops.published.source_db is 'Warehouse file the snapshot was copied from.'",
        f"comment on column {alias}.ops.published.tables is 'Tables copied, as a JSON list of schema.table.'",
    ):
        con.execute(statement)
