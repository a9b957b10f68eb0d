"""README.md's command table and `portrait --help` name the same commands."""

from __future__ import annotations

import re
from pathlib import Path

import click

from portrait.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
COMMAND_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def visible_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command a user can run, as its words after `portrait`; hidden aliases left out."""
    found = set()
    for name, command in group.commands.items():
        if command.hidden:
            continue
        if isinstance(command, click.Group):
            found |= visible_commands(command, (*prefix, name))
        else:
            found.add((*prefix, name))
    return found


def readme_table_commands(text: str) -> set[tuple[str, ...]]:
    """The commands of the table under "## The command line": the words that follow
    `portrait` in each backticked command of a row's first cell, up to its first option
    or placeholder."""
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    found = set()
    for line in section.splitlines():
        if not line.startswith("| `portrait"):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for spelled in re.findall(r"`(portrait [^`]*)`", first_cell):
            words = []
            for word in spelled.split()[1:]:
                if not COMMAND_NAME.match(word):
                    break
                words.append(word)
            found.add(tuple(words))
    return found


def test_parser_reads_commands_up_to_their_options():
    table = (
        "## The command line\n\n| command | what it does |\n| --- | --- |\n"
        "| `portrait ingest PATH... --contract NAME` | load |\n"
        "| `portrait score segment [--engine auto\\|forest]` / `--run ID` | score |\n"
        "| `portrait serve` / `portrait report --out r.html` | views |\n\n## Next\n"
        "| `portrait elsewhere` | not in the table |\n"
    )
    assert readme_table_commands(table) == {
        ("ingest",),
        ("score", "segment"),
        ("serve",),
        ("report",),
    }


def test_every_visible_command_is_in_the_readme_table():
    missing = visible_commands(main) - readme_table_commands(README.read_text(encoding="utf-8"))
    assert not missing, f"README.md's command table lacks: {sorted(missing)}"


def test_every_command_in_the_readme_table_exists():
    unknown = readme_table_commands(README.read_text(encoding="utf-8")) - visible_commands(main)
    assert not unknown, f"README.md names commands `portrait --help` does not: {sorted(unknown)}"


def test_hidden_aliases_are_not_in_the_table():
    table = readme_table_commands(README.read_text(encoding="utf-8"))
    assert ("churn", "score") not in table and ("churn",) not in table
