"""The leakage guard catches a planted period artifact and passes a clean dataset."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from modeling.leakage import LeakageRules, feature_keys, leakage_guard, psi

DAYS = 42
HOLDOUT_DAYS = 7


def _world(n: int, seed: int, artifact: bool) -> pl.DataFrame:
    """Labels 0..2 from a stable taste and the hour; with `artifact`, also from the day of month."""
    rng = np.random.default_rng(seed)
    taste = rng.integers(0, 30, n)
    hour = rng.integers(0, 24, n)
    day = rng.integers(0, DAYS, n)
    dates = np.array([date(2026, 9, 1) + timedelta(days=int(d)) for d in range(DAYS)])[day]
    dom = np.array([d.day for d in dates])
    taste_effect = np.random.default_rng(1).normal(0, 1.2, (30, 3))
    hour_effect = np.random.default_rng(2).normal(0, 0.5, (24, 3))
    day_effect = np.random.default_rng(3).normal(0, 2.0, (32, 3)) if artifact else np.zeros((32, 3))
    logits = taste_effect[taste] + hour_effect[hour] + day_effect[dom]
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    label = (proba.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return pl.DataFrame(
        {
            "label": label,
            "event_date": pl.Series(list(dates), dtype=pl.Date),
            "taste": [f"t{t}" for t in taste],
            "hour": hour,
            "noise": rng.normal(size=n),
            "day_of_month": dom,
        }
    )


def _guard(frame: pl.DataFrame, features: list[str]):
    cut = date(2026, 9, 1) + timedelta(days=DAYS - HOLDOUT_DAYS)
    train = frame.filter(pl.col("event_date") < cut)
    later = frame.filter(pl.col("event_date") >= cut).drop("label")
    return leakage_guard(train, "label", features, time="event_date", later=later)


def test_planted_day_of_month_artifact_is_flagged():
    report = _guard(_world(40_000, 0, artifact=True), ["taste", "hour", "noise", "day_of_month"])
    assert report.flagged == ["day_of_month"]
    check = {c.feature: c for c in report.checks}["day_of_month"]
    assert check.psi > 0.5 and check.adversarial_auc > 0.8
    assert report.adversarial_auc > 0.8
    assert report.adversarial_auc_without_flagged < 0.6


def test_clean_dataset_passes():
    report = _guard(_world(40_000, 1, artifact=False), ["taste", "hour", "noise"])
    assert report.flagged == []
    taste = {c.feature: c for c in report.checks}["taste"]
    assert taste.single_auc > 0.65
    assert abs(taste.single_auc_out_of_time - taste.single_auc_same_days) < 0.05


def test_a_feature_too_good_alone_is_flagged_without_time():
    frame = _world(20_000, 2, artifact=False)
    rng = np.random.default_rng(5)
    copy = np.where(
        rng.random(frame.height) < 0.9, frame["label"].to_numpy(), rng.integers(0, 3, frame.height)
    )
    frame = frame.with_columns(pl.Series("label_echo", copy))
    report = leakage_guard(frame, "label", ["taste", "hour", "noise", "label_echo"])
    assert report.flagged == ["label_echo"]
    assert "too good alone" in report.to_dict()["reasons"]["label_echo"][0]


def test_one_class_target_is_an_error():
    frame = pl.DataFrame({"label": [1, 1, 1], "x": [1, 2, 3]})
    with pytest.raises(ValueError, match="fewer than two classes"):
        leakage_guard(frame, "label", ["x"])


@pytest.mark.parametrize(
    ("expected", "actual", "low", "high"),
    [
        (["a"] * 50 + ["b"] * 50, ["a"] * 50 + ["b"] * 50, 0.0, 0.001),
        (["a"] * 50 + ["b"] * 50, ["a"] * 90 + ["b"] * 10, 0.5, 2.0),
        (["a"] * 100, ["c"] * 100, 5.0, 50.0),
    ],
)
def test_psi(expected, actual, low, high):
    value = psi(pl.Series("k", expected), pl.Series("k", actual))
    assert low <= value <= high


def test_numeric_keys_are_quantile_bins_from_the_reference():
    reference = pl.Series("x", np.arange(1000, dtype=float))
    keys = feature_keys(pl.Series("x", [0.0, 999.0, None]), reference, bins=10)
    assert keys.to_list()[:2] == ["0", "9"]
    assert keys[2] == "\u2205"
    assert LeakageRules().time_identifying_auc == 0.8
