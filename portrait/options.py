"""Click options that several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable

import click

from modeling.contract import TrainOptions


def int_option(*decls: str, default: int, help: str) -> Callable:
    """An integer option whose default --help shows."""
    return click.option(*decls, type=int, default=default, show_default=True, help=help)


def seed_option(
    default: int = TrainOptions.seed, help: str = "Seed of the samples and of the model."
) -> Callable:
    """--seed: the one number a run's randomness follows."""
    return int_option("--seed", default=default, help=help)


def shap_rows_option(default: int = TrainOptions.shap_rows) -> Callable:
    """--shap-rows: how many holdout rows the run's SHAP sample explains."""
    return int_option("--shap-rows", default=default, help="Holdout rows explained with SHAP.")
