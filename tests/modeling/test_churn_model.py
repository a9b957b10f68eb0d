"""The churn estimator, PSI, and factors in words: small, table-driven checks."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from modeling.churn import drift
from modeling.churn.explain_words import describe, has_words, recommended_offer, risk_band
from modeling.churn.features import FEATURE_GROUPS
from modeling.churn.model import ChurnModel, NotFittedError


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    n = 600
    watch = rng.exponential(300, n)
    plan = rng.choice(["basic", "premium"], n)
    y = (rng.random(n) < 1 / (1 + np.exp((watch - 200) / 80))).astype(int)
    frame = pl.DataFrame({"watch_min_30d": watch, "plan": plan, "noise": rng.normal(size=n)})
    return frame, y


def test_estimator_contract(toy):
    frame, y = toy
    model = ChurnModel(iterations=40, categorical=("plan",))
    with pytest.raises(NotFittedError):
        model.predict_proba(frame)
    assert model.fit(frame, y) is model
    assert model.features_ == ["watch_min_30d", "plan", "noise"]
    assert model.categorical_ == ["plan"]
    proba = model.predict_proba(frame)
    assert proba.shape == (frame.height,) and ((proba >= 0) & (proba <= 1)).all()
    # Less watching means more churn in the toy data: the model must have learned it.
    assert proba[frame.get_column("watch_min_30d").to_numpy() < 50].mean() > proba.mean()
    shap = model.shap_values(frame)
    assert shap.shape == (frame.height, 3)


def test_fit_refuses_one_class_and_predict_names_missing_columns(toy):
    frame, y = toy
    with pytest.raises(ValueError, match="one class"):
        ChurnModel(iterations=5).fit(frame, np.zeros(frame.height))
    model = ChurnModel(iterations=5, categorical=("plan",)).fit(frame, y)
    with pytest.raises(ValueError, match="noise"):
        model.predict_proba(frame.drop("noise"))


def test_reference_keeps_top_features_by_importance(toy):
    frame, y = toy
    model = ChurnModel(iterations=20, categorical=("plan",)).fit(frame, y)
    model.set_reference(frame, model.predict_proba(frame), {"noise": 0.1, "watch_min_30d": 0.9,
                                                            "plan": 0.01})  # fmt: skip
    assert list(model.reference_["features"]) == ["watch_min_30d", "noise", "plan"]
    assert drift.psi(model.reference_["score"], pl.Series(model.predict_proba(frame))) < 1e-9


def test_reference_leaves_out_time_bound_features(toy):
    frame, y = toy
    model = ChurnModel(iterations=20, categorical=("plan",)).fit(frame, y)
    importance = {"noise": 0.1, "watch_min_30d": 0.9, "plan": 0.01}
    model.set_reference(frame, model.predict_proba(frame), importance, {"watch_min_30d": "clock"})
    assert list(model.reference_["features"]) == ["noise", "plan"]
    assert model.reference_["not_monitored"] == {"watch_min_30d": "clock"}


def test_rare_categories_are_pooled(toy):
    frame, y = toy
    plan = ["family" if i < 3 else p for i, p in enumerate(frame.get_column("plan"))]
    frame = frame.with_columns(pl.Series("plan", plan))
    model = ChurnModel(iterations=20, categorical=("plan",), min_category_share=0.01).fit(frame, y)
    assert model.category_levels_ == {"plan": ["basic", "premium"]}
    # A rare level and one never seen in training both fall into the same pooled level.
    rows = frame.head(2).with_columns(pl.Series("plan", ["family", "student"]))
    rows = rows.with_columns(pl.lit(100.0).alias("watch_min_30d"), pl.lit(0.0).alias("noise"))
    first, second = model.predict_proba(rows)
    assert first == pytest.approx(second)


def test_early_stopping_keeps_the_best_number_of_trees(toy):
    frame, y = toy
    assert ChurnModel(iterations=60, categorical=("plan",)).fit(frame, y).best_iterations_ == 60
    # Labels of the evaluation rows are unrelated to the features: every tree after the
    # first few only fits noise, so training stops well before the limit.
    noise = np.random.default_rng(1).integers(0, 2, frame.height)
    model = ChurnModel(iterations=400, early_stopping_rounds=20, categorical=("plan",))
    stopped = model.fit(frame, y, frame, noise)
    assert 1 <= stopped.best_iterations_ < 100


def _snapshots(**columns) -> pl.DataFrame:
    """Rows of users 1..4 on four weekly dates, with the given feature columns."""
    dates = [date(2026, 1, 5) + timedelta(days=7 * k) for k in range(4)]
    keys = pl.DataFrame({"snapshot_date": [d for d in dates for _ in range(4)],
                         "user_id": [1, 2, 3, 4] * 4})  # fmt: skip
    return keys.with_columns(**{name: pl.Series(values) for name, values in columns.items()})


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        # Everyone ages a week a week: tenure, account age.
        ([7 * k + u for k in range(4) for u in range(4)], "a clock"),
        # A running total that rises for some users and never falls, its median following.
        ([k * (u % 2) + k for k in range(4) for u in range(4)], "a clock"),
        # The month of the snapshot: one value per date.
        ([[1, 1, 2, 2][k] for k in range(4) for _ in range(4)], "a property of the date"),
        # The same on every row: nothing moves.
        ([3.0] * 16, None),
        # Goes up and down.
        ([(-1) ** (u + k) * u for k in range(4) for u in range(4)], None),
    ],
)
def test_time_bound_features(values, reason, monkeypatch):
    monkeypatch.setattr(drift, "CLOCK_MIN_STEPS", 5)
    found = drift.time_bound_features(_snapshots(feature=values), ["feature"])
    if reason is None:
        assert found == {}
    else:
        assert reason in found["feature"]


def test_a_cohort_of_one_age_is_not_a_clock(monkeypatch):
    # Users stay two snapshots (a trial) and their days since sign-up rise, but every date
    # holds new and older users alike: the distribution does not move, PSI stays fair.
    monkeypatch.setattr(drift, "CLOCK_MIN_STEPS", 5)
    dates = [date(2026, 1, 5) + timedelta(days=7 * k) for k in range(6)]
    rows = [(d, 10 * k + u, 0) for k, d in enumerate(dates) for u in range(3)]
    rows += [(d, 10 * (k - 1) + u, 7) for k, d in enumerate(dates) if k for u in range(3)]
    frame = pl.DataFrame(rows, schema=["snapshot_date", "user_id", "tenure_days"], orient="row")
    assert drift.time_bound_features(frame, ["tenure_days"]) == {}
    # The same users staying on, ageing a week a week, make it a clock.
    aging = frame.with_columns(
        (pl.col("snapshot_date").rank("dense") * 7 + pl.col("user_id") % 10)
        .cast(pl.Int64)
        .alias("tenure_days"),
        (pl.col("user_id") % 10).alias("user_id"),
    ).unique(["snapshot_date", "user_id"])
    assert "a clock" in drift.time_bound_features(aging, ["tenure_days"])["tenure_days"]


def test_time_bound_features_names_a_missing_column():
    with pytest.raises(ValueError, match="tenure_days"):
        drift.time_bound_features(_snapshots(feature=[0] * 16), ["tenure_days"])


@pytest.mark.parametrize(
    ("reference", "actual", "low", "high"),
    [
        (np.arange(1000.0), np.arange(1000.0), 0.0, 1e-9),
        (np.arange(1000.0), np.arange(1000.0) + 300, 0.2, 10),
        (np.r_[np.zeros(900), np.ones(100)], np.r_[np.zeros(500), np.ones(500)], 0.2, 10),
        (np.r_[np.arange(900.0), [np.nan] * 100], np.r_[np.arange(900.0), [np.nan] * 100], 0, 1e-9),
    ],
)
def test_psi_of_numbers(reference, actual, low, high):
    value = drift.psi(drift.numeric_reference(reference), pl.Series(actual))
    assert low <= value <= high


def test_psi_of_categories_counts_unseen_ones():
    reference = drift.categorical_reference(["basic"] * 70 + ["premium"] * 30)
    assert drift.psi(reference, pl.Series(["basic"] * 70 + ["premium"] * 30)) < 1e-9
    assert drift.psi(reference, pl.Series(["basic"] * 40 + ["family"] * 60)) > 0.2


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        ("watch_change_14d_pct", -80.0, "watch time over the last 14 days fell 80 %"),
        ("watch_change_14d_pct", 25.4, "watch time over the last 14 days rose 25 %"),
        ("watch_change_14d_pct", None, "no viewing in the 14 days before the last 14, so no trend"),
        ("days_since_last_view", 12, "no viewing for 12 days"),
        ("days_since_last_view", None, "has never watched anything"),
        ("failed_payments_30d", 1, "1 failed payment in the last 30 days"),
        ("watch_min_7d", 0.0, "no viewing over the last 7 days"),
        ("watch_min_30d", 135.0, "watched 2 h 15 min over the last 30 days"),
        ("plan", "premium", "on the premium plan"),
        ("unfinished_share_30d", 0.4, "left 40% of sessions unfinished in the last 30 days"),
        ("period_end_weekday", 1, "period ends on a Monday"),
        ("activity_rate_30d", 0.0, "no views or app events while subscribed over the last 30 days"),
        ("activity_rate_90d", 0.3, "2.1 views and app events a week over the last 90 days"),
        ("some_new_feature", 2.5, "some new feature is 2.50"),
    ],
)
def test_factors_in_words(feature, value, text):
    assert describe(feature, value) == text


@pytest.mark.parametrize(
    ("probability", "band"), [(0.0, "low"), (0.249, "low"), (0.25, "medium"), (0.5, "high")]
)
def test_risk_bands(probability, band):
    assert risk_band(probability) == band


@pytest.mark.parametrize(
    ("cohort", "band", "group", "feature", "offer"),
    [
        ("paid", "low", "viewing", "watch_min_7d", "none"),
        ("paid", "high", "billing", "failed_payments_30d", "reminder to update the payment card"),
        ("paid", "high", "viewing", "watch_min_7d", "personal picks and a free premiere"),
        ("trial", "high", "viewing", "watch_min_7d", "first paid month at 50 % off"),
        ("activity", "medium", None, None, "personal recommendations"),
    ],
)
def test_offers(cohort, band, group, feature, offer):
    assert recommended_offer(cohort, band, group, feature) == offer


def test_every_subscription_feature_has_words():
    missing = [f for names in FEATURE_GROUPS.values() for f in names if not has_words(f)]
    assert missing == []
