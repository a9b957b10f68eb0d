"""The list of `portrait` commands; each lives in the module of its area."""

from __future__ import annotations

import click

from portrait.warehouse_cmds import info

ALL: list[click.Command] = [info]
