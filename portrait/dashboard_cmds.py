"""`portrait serve`, `portrait report` and `portrait publish`: the dashboard and its snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from queries.cubes import publish_snapshot
from warehouse.db import DB_ENV, resolve_db_path
from warehouse.publish import serving_path_for

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
# portrait/cli.py publishes after every writing command through this module.
__all__ = ["publish_cmd", "publish_snapshot", "report", "serve"]


def _snapshot(db: str, refresh: bool) -> Path:
    warehouse = resolve_db_path(db)
    serving = serving_path_for(warehouse)
    if refresh or not serving.exists():
        if not warehouse.exists():
            raise click.ClickException(
                f"no warehouse at {warehouse}; run `portrait demo` (or `portrait demo-data`) first"
            )
        click.echo(f"publishing a serving snapshot of {warehouse} ...")
        serving = publish_snapshot(str(warehouse))
    return serving


@click.command("publish")
@click.pass_context
def publish_cmd(ctx: click.Context) -> None:
    """Rebuild the dashboard cubes and publish the serving snapshot the dashboard reads."""
    path = publish_snapshot(ctx.obj["db"])
    click.echo(f"published {path}")


@click.command("serve")
@click.option("--port", default=5006, show_default=True, help="Port to listen on.")
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--show/--no-show", default=False, help="Open a browser tab.")
@click.option(
    "--publish/--no-publish",
    "refresh",
    default=False,
    help="Rebuild cubes and publish a snapshot first (done anyway when none exists).",
)
@click.pass_context
def serve(ctx: click.Context, port: int, address: str, show: bool, refresh: bool) -> None:
    """Open the dashboard (panel serve dashboard/app.py) over the warehouse's serving snapshot."""
    serving = _snapshot(ctx.obj["db"], refresh)
    env = {**os.environ, DB_ENV: str(resolve_db_path(ctx.obj["db"]))}
    command = [
        sys.executable,
        "-m",
        "panel",
        "serve",
        str(APP),
        "--port",
        str(port),
        "--address",
        address,
        f"--allow-websocket-origin={address}:{port}",
        f"--allow-websocket-origin=localhost:{port}",
    ]
    if show:
        command.append("--show")
    click.echo(f"dashboard at http://{address}:{port}/app reading {serving} (Ctrl+C stops)")
    completed = subprocess.run(command, env=env, check=False)  # noqa: S603 - our own command line
    if completed.returncode not in (0, -2, 130):
        raise click.ClickException(f"panel serve exited with code {completed.returncode}")


@click.command("report")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option("--run", "run_id", default=None, help="Segment run to report (default: newest).")
@click.option(
    "--publish/--no-publish", "refresh", default=False, help="Publish a fresh snapshot first."
)
@click.pass_context
def report(ctx: click.Context, out: Path, run_id: str | None, refresh: bool) -> None:
    """Write the self-contained HTML report (opens offline) from the serving snapshot."""
    from dashboard.report import write_report

    serving = _snapshot(ctx.obj["db"], refresh)
    path = write_report(serving, out, run_id=run_id)
    click.echo(f"report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")
