"""The verb groups: `portrait <verb> <kind>`, e.g. `portrait train churn`, `portrait score segment`.

Each area keeps its commands in its own module; `portrait.commands` attaches them here
under the name of the model kind they work on.
"""

from __future__ import annotations

import click


@click.group()
def train() -> None:
    """Train a model and register it in the ml schema."""


@click.group()
def score() -> None:
    """Score with a registered model into the marts."""


@click.group()
def monitor() -> None:
    """Judge a model's quality once its labels have matured."""


@click.group()
def export() -> None:
    """Deliver scores to a file or another database."""
