"""Commands that look after the warehouse file itself."""

from __future__ import annotations

import click

from portrait.warehouse_access import reading
from warehouse.db import resolve_db_path


@click.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Print what the warehouse holds: tables and their row counts (never waits for a job)."""
    with reading(ctx) as con:
        click.echo(f"warehouse: {resolve_db_path(ctx.obj['db'])}")
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "order by schema_name, table_name"
        ).fetchall()
        for schema, table, _ in tables:
            rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            click.echo(f"  {schema}.{table:<28} {rows:>12,} rows")
