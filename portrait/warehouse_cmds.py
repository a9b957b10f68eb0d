"""Commands that look after the warehouse file itself."""

from __future__ import annotations

import click

from portrait.warehouse_access import reading
from queries.runner import run
from warehouse.db import resolve_db_path


@click.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Print what the warehouse holds: tables and their row counts (never waits for a job)."""
    with reading(ctx) as con:
        click.echo(f"warehouse: {resolve_db_path(ctx.obj['db'])}")
        tables = run(con, "warehouse_tables")
        for schema, table in tables.iter_rows():
            rows = run(con, "table_row_count", identifiers={"table": (schema, table)}).item()
            click.echo(f"  {schema}.{table:<28} {rows:>12,} rows")
