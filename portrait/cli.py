"""`portrait`: the command line that wires the layers together for people and schedulers.

Model work reads `portrait <verb> <kind>` (`portrait train churn`, `portrait score
segment`, `portrait monitor churn`). Exit codes a scheduler can trust: 0 on success, 1
when the work failed (one-line reason on stderr), 2 for a wrong command line, 3 when
`portrait monitor churn` finds a cohort red.
"""

from __future__ import annotations

import logging
import sys

import click

from warehouse.db import DB_ENV, DEFAULT_DB, resolve_db_path


class PortraitGroup(click.Group):
    """Turns any failure into a one-line reason on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("portrait: interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 - the command line is the last catcher
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            reason = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            click.echo(f"portrait: error: {reason}", err=True)
            sys.exit(1)


@click.group(cls=PortraitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db",
    envvar=DB_ENV,
    default=str(DEFAULT_DB),
    show_default=True,
    help=f"Warehouse file (DuckDB); also ${DB_ENV}.",
)
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="After a command that changed the warehouse, refresh the dashboard's snapshot.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details and show tracebacks.")
@click.pass_context
def main(ctx: click.Context, db: str, publish: bool, verbose: bool) -> None:
    """Audience Portrait: segments, clusters and churn over a local DuckDB warehouse."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["verbose"] = verbose
    ctx.obj["stamp"] = _file_stamp(db)
    ctx.obj["publish"] = publish


# Commands that publish themselves, or only read (they open the warehouse read-only, so
# the file stamp could not change anyway; listing them keeps them from ever writing).
NO_PUBLISH_AFTER = {"demo", "publish", "serve", "report", "info", "docs", "runs"}


def _file_stamp(db: str) -> tuple | None:
    """What changes when a job writes the warehouse: the file and its write-ahead log."""
    path = resolve_db_path(db)
    stamps = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = candidate.stat()
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamps.append(None)
    return tuple(stamps)


@main.result_callback()
@click.pass_context
def publish_after_writing(ctx: click.Context, *_results, **_params) -> None:
    """After a job that changed the warehouse, publish a fresh snapshot for the dashboard.

    The dashboard reads only that snapshot, so a running dashboard never blocks a job and
    picks the new data up by itself.
    """
    if not ctx.obj["publish"] or ctx.invoked_subcommand in NO_PUBLISH_AFTER:
        return
    if _file_stamp(ctx.obj["db"]) == ctx.obj["stamp"]:
        return
    from portrait.dashboard_cmds import publish_snapshot

    path = publish_snapshot(ctx.obj["db"])
    click.echo(f"dashboard snapshot published: {path}")


def _register() -> None:
    # Each area keeps its commands in its own module; they are attached here so that
    # `portrait --help` lists them all.
    from portrait import commands

    for command in commands.ALL:
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
