"""The model contract: typed metrics beside the oracle's, JSON round trips, progress steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import polars as pl
import pytest

from modeling.contract import (
    Figure,
    FlaggedComparison,
    Metrics,
    Step,
    Steps,
    TrainOptions,
    as_polars,
)


@dataclass(kw_only=True)
class ToyMetrics(Metrics):
    headline: ClassVar[str] = "roc_auc"

    roc_auc: float | None = None
    oracle_roc_auc: float | None = None
    auc_by_class: dict[str, float] = field(default_factory=dict)
    oracle_auc_by_class: dict[str, float] | None = None
    rows: int = 0
    flagged: FlaggedComparison | None = None
    folds: list[FlaggedComparison] = field(default_factory=list)


def test_figures_sit_beside_the_oracle():
    metrics = ToyMetrics(
        roc_auc=0.8,
        oracle_roc_auc=0.85,
        auc_by_class={"1": 0.7, "2": 0.9},
        oracle_auc_by_class={"1": 0.75},
        rows=10,
    )
    figures = {f.name: f for f in metrics.figures()}
    assert figures["roc_auc"] == Figure("roc_auc", 0.8, 0.85)
    assert figures["roc_auc"].gap == pytest.approx(0.05)
    assert figures["auc_by_class[1]"].oracle == 0.75
    assert figures["auc_by_class[2]"].oracle is None and figures["auc_by_class[2]"].gap is None
    assert "oracle_roc_auc" not in figures
    assert metrics.headline_figure().value == 0.8


@pytest.mark.parametrize(
    "stored",
    [
        # As every run stores it.
        {"roc_auc": 0.8, "oracle_roc_auc": 0.9, "auc_by_class": {"1": 0.7}, "rows": 3},
        # A run registered before a field existed, with a key no field names.
        {"roc_auc": 1, "something_old": {"kept": True}},
        # Nested typed parts.
        {"flagged": {"features": ["day"], "roc_auc": 0.99}, "folds": [{"features": ["a"]}]},
    ],
)
def test_metrics_round_trip_through_json(stored):
    metrics = ToyMetrics.from_json(stored)
    assert ToyMetrics.from_json(metrics.to_json()) == metrics
    stored_again = metrics.to_json()
    for key, value in stored.items():
        if key in ("flagged", "folds"):  # typed parts come back with their defaults filled
            assert stored_again[key] == ToyMetrics.from_json({key: value}).to_json()[key]
        else:
            assert stored_again[key] == value


def test_nested_parts_and_numbers_come_back_typed():
    metrics = ToyMetrics.from_json(
        {"roc_auc": 1, "flagged": {"features": ["day"]}, "folds": [{"roc_auc": 0.5}]}
    )
    assert isinstance(metrics.roc_auc, float)
    assert isinstance(metrics.flagged, FlaggedComparison) and metrics.flagged.features == ["day"]
    assert isinstance(metrics.folds[0], FlaggedComparison)
    assert metrics.extra == {}


def test_numpy_values_are_stored_as_plain_json():
    metrics = ToyMetrics(
        roc_auc=np.float64(0.5), auc_by_class={"1": np.float32(0.25)}, rows=np.int64(4)
    )
    assert metrics.to_json()["rows"] == 4 and type(metrics.to_json()["rows"]) is int
    assert metrics.to_json()["auc_by_class"] == {"1": 0.25}


def test_steps_count_for_the_progress_callback():
    seen: list[Step] = []
    steps = Steps(seen.append, total=2)
    steps("one")
    steps.note("still one")
    steps("two")
    steps("three: more than announced")
    assert [(s.message, s.done, s.total) for s in seen] == [
        ("one", 1, 2),
        ("still one", 1, 2),
        ("two", 2, 2),
        ("three: more than announced", 3, 3),
    ]
    Steps(None, 1)("nobody listens")  # no callback: silent


def test_options_are_frozen_and_keyword_only():
    options = TrainOptions(seed=1, sample_rows=10)
    with pytest.raises(AttributeError):
        options.seed = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        TrainOptions(1)  # type: ignore[misc]


def test_rows_a_user_has_become_polars():
    frame = pl.DataFrame({"a": [1, 2]})
    assert as_polars(frame) is frame
    assert as_polars(pd.DataFrame({"a": [1, 2]})).equals(frame)
    assert as_polars({"a": [1, 2]}).equals(frame)
