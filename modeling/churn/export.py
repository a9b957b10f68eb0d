"""Delivery of the churn vitrine to the marketing platform: a file, or a PostgreSQL table.

The PostgreSQL statements below are the target database's DDL and DML, not warehouse
queries, so they live here; the table name is composed with psycopg's Identifier and
every value travels as a parameter or through COPY.
"""

from __future__ import annotations

import io
import logging
import os
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import psycopg
from psycopg import sql

from queries import runner

log = logging.getLogger(__name__)

DEFAULT_TABLE = "churn_scores"
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
COPY_CHUNK_ROWS = 100_000

POSTGRES_COLUMNS = (
    ("score_date", "date not null"),
    ("user_id", "bigint not null"),
    ("cohort", "text not null"),
    ("churn_probability", "double precision not null"),
    ("risk_band", "text not null"),
    ("factor_1", "text"),
    ("factor_1_shap", "double precision"),
    ("factor_1_text", "text"),
    ("factor_2", "text"),
    ("factor_2_shap", "double precision"),
    ("factor_2_text", "text"),
    ("factor_3", "text"),
    ("factor_3_shap", "double precision"),
    ("factor_3_text", "text"),
    ("recommended_channel", "text"),
    ("recommended_offer", "text"),
    ("run_id", "text not null"),
    ("scored_at", "timestamp not null"),
)


def vitrine_of(con: duckdb.DuckDBPyConnection, day: date) -> pl.DataFrame:
    """The vitrine rows of one date; a clear error when the date was never scored."""
    rows = runner.run(con, "churn_scores_of_date", {"score_date": day})
    if rows.height == 0:
        raise ValueError(f"no churn scores for {day}; run `portrait score churn --date {day}`")
    return rows


def export_file(con: duckdb.DuckDBPyConnection, day: date, path: str | os.PathLike) -> int:
    """Write the vitrine of `day` to a .csv or .parquet file (replaced whole); return rows."""
    target = Path(path)
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"--to must end in .csv or .parquet, got {target.name}")
    rows = vitrine_of(con, day)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a reader never sees half a file.
    partial = target.with_name(f".{target.name}.partial")
    if target.suffix.lower() == ".csv":
        rows.write_csv(partial)
    else:
        rows.write_parquet(partial)
    partial.replace(target)
    log.info("exported %d rows of %s to %s", rows.height, day, target)
    return rows.height


# psycopg's sql.Identifier is PostgreSQL's own quoting for the target database; it stays
# rather than warehouse.sql, which quotes DuckDB names of the warehouse.
def _table_identifier(name: str) -> sql.Composable:
    if not TABLE_NAME.match(name):
        raise ValueError(f"--table must be a plain name or schema.name, got {name!r}")
    return sql.Identifier(*name.split("."))


def export_postgres(
    con: duckdb.DuckDBPyConnection, day: date, url: str, table: str = DEFAULT_TABLE
) -> int:
    """Replace the rows of `day` in a PostgreSQL table (created if missing), in one transaction.

    Deleting the date and copying it back inside one transaction makes the export
    idempotent: a second run leaves the same rows, a failed one leaves the old rows.
    """
    rows = vitrine_of(con, day)
    target = _table_identifier(table)
    columns = [name for name, _ in POSTGRES_COLUMNS]
    create = sql.SQL("create table if not exists {table} ({columns})").format(
        table=target,
        columns=sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
            for name, kind in POSTGRES_COLUMNS
        ),
    )
    copy = sql.SQL("copy {table} ({columns}) from stdin (format csv)").format(
        table=target, columns=sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with psycopg.connect(url, autocommit=True) as pg, pg.transaction(), pg.cursor() as cur:
        if "." in table:
            cur.execute(
                sql.SQL("create schema if not exists {}").format(
                    sql.Identifier(table.split(".")[0])
                )
            )
        cur.execute(create)
        cur.execute(
            sql.SQL("delete from {table} where score_date = %s").format(table=target), [day]
        )
        with cur.copy(copy) as writer:
            for start in range(0, rows.height, COPY_CHUNK_ROWS):
                buffer = io.BytesIO()
                rows.slice(start, COPY_CHUNK_ROWS).select(columns).write_csv(
                    buffer, include_header=False
                )
                writer.write(buffer.getvalue())
    log.info("exported %d rows of %s to PostgreSQL table %s", rows.height, day, table)
    return rows.height
