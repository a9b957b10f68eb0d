"""Old spellings of renamed commands: hidden, they say what replaced them and run it."""

from __future__ import annotations

import click


def renamed(command: click.Command, old: str, new: str) -> click.Command:
    """A hidden command spelled `old` (e.g. "portrait churn score") that runs `command`.

    It takes the same options, prints one line to stderr naming `new`, and ends as
    `command` ends (output, exit code), so that scripts keep working while they move.
    """

    def run_renamed(**params):
        click.echo(f"{old} is now {new}", err=True)
        return click.get_current_context().invoke(command, **params)

    return click.Command(
        old.split()[-1],
        params=command.params,
        callback=run_renamed,
        help=f"Renamed: use `{new}`.",
        hidden=True,
        context_settings=command.context_settings,
    )
