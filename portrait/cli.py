"""`portrait`: the command line that wires the layers together for people and schedulers.

Exit codes a scheduler can trust: 0 on success, 1 when the work failed (one-line
reason on stderr), 2 for a wrong command line.
"""

from __future__ import annotations

import logging
import sys

import click

from warehouse.db import DB_ENV, DEFAULT_DB


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
@click.option("-v", "--verbose", is_flag=True, help="Log progress details and show tracebacks.")
@click.pass_context
def main(ctx: click.Context, db: str, verbose: bool) -> None:
    """Audience Portrait: segments, clusters and churn over a local DuckDB warehouse."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["verbose"] = verbose


def _register() -> None:
    # Each area keeps its commands in its own module; they are attached here so that
    # `portrait --help` lists them all.
    from portrait import commands

    for command in commands.ALL:
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
