"""The list of `portrait` commands; each lives in the module of its area."""

from __future__ import annotations

import click

from portrait.demo_cmds import demo_data, docs
from portrait.warehouse_cmds import info

ALL: list[click.Command] = [demo_data, info, docs]
