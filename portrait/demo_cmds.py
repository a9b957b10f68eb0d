"""`portrait demo-data`, `portrait demo` and `portrait docs`."""

from __future__ import annotations

from pathlib import Path

import click

from portrait.demo_data import (
    DEFAULT_EVENTS,
    DEFAULT_SEED,
    DEFAULT_USERS,
    build_demo_warehouse,
    write_demo_files,
)
from portrait.progress import progress_bar
from portrait.warehouse_access import reading, writing
from warehouse.db import resolve_db_path
from warehouse.dictionary import render_dictionary

DOCS_PATH = Path("docs") / "warehouse.md"


def _echo_loads(results) -> None:
    for result in results:
        state = (
            "already loaded, skipped"
            if result.skipped
            else (f"{result.rows_loaded:,} loaded, {result.rows_quarantined:,} quarantined")
        )
        click.echo(f"  {result.target_table:<22} {state}")


@click.command("demo-data")
@click.option("--events", default=DEFAULT_EVENTS, show_default=True, help="Ad events to generate.")
@click.option("--users", default=DEFAULT_USERS, show_default=True, help="Subscribers to generate.")
@click.option(
    "--seed", default=DEFAULT_SEED, show_default=True, help="Random seed; same seed, same data."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Only write the export files here (no warehouse load), to ingest them yourself.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv", "csv.gz"]),
    default="parquet",
    show_default=True,
    help="File format with --out.",
)
@click.pass_context
def demo_data(ctx: click.Context, events: int, users: int, seed: int, out: Path | None, fmt: str):
    """Generate the demo data (every contract, with oracles) and load it into the warehouse."""
    if events < 0 or users < 0:
        raise click.BadParameter("--events and --users must not be negative")
    if out is not None:
        with progress_bar("demo-data") as progress:
            files = write_demo_files(out, events, users, seed, fmt, progress)
        for contract, paths in files.by_contract.items():
            for path in paths:
                click.echo(f"  {contract:<16} {path}")
        click.echo(f"oracles: {files.segment_oracle} {files.churn_oracle}")
        return
    with writing(ctx, "demo-data") as (con, step):
        with progress_bar("demo-data") as progress:
            results = build_demo_warehouse(con, events, users, seed, progress)
        step["message"] = f"{events} events, {users} users, seed {seed}"
    click.echo(f"warehouse: {resolve_db_path(ctx.obj['db'])}")
    _echo_loads(results)


@click.command("docs")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=DOCS_PATH, show_default=True
)
@click.pass_context
def docs(ctx: click.Context, out: Path) -> None:
    """Write the data dictionary (docs/warehouse.md) from the warehouse's COMMENTs."""
    # The snapshot carries only what the dashboard reads: a dictionary rendered from it
    # would silently drop the raw and features schemas, so a busy warehouse is an error.
    with reading(ctx, snapshot=False) as con:
        dictionary = render_dictionary(con)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dictionary, encoding="utf-8")
    click.echo(f"wrote {out}")
