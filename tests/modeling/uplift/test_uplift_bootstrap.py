"""Stratified bootstrap intervals: deterministic, consistent with the point metrics."""

from __future__ import annotations

import numpy as np
import pytest

from modeling.uplift.bootstrap import bootstrap_qini, bootstrap_uplift, resample_rows
from modeling.uplift.metrics import decile_rates, qini, uplift_at_k, uplift_curve
from modeling.uplift.results import Interval, NotEstimable


def holdout(n: int = 3_000, seed: int = 5):
    """A randomised holdout whose uplift grows with a feature the score sees (with noise)."""
    rng = np.random.default_rng(seed)
    feature = rng.random(n)
    treated = rng.random(n) < 0.4
    outcome = (rng.random(n) < 0.1 + 0.15 * feature * treated).astype(int)
    score = np.round(feature + rng.normal(0, 0.2, n), 2)  # rounded: ties, too
    return score, treated, outcome


def test_same_seed_same_intervals_and_another_seed_other_ones():
    data = holdout()
    first = bootstrap_uplift(*data, resamples=50, seed=1)
    again = bootstrap_uplift(*data, resamples=50, seed=1)
    other = bootstrap_uplift(*data, resamples=50, seed=2)
    np.testing.assert_array_equal(first.qini_area.replicates, again.qini_area.replicates)
    np.testing.assert_array_equal(first.uplift_area.replicates, again.uplift_area.replicates)
    assert (first.qini_area.low, first.qini_area.high) == (
        again.qini_area.low,
        again.qini_area.high,
    )
    assert not np.array_equal(first.qini_area.replicates, other.qini_area.replicates)


def test_qini_alone_draws_the_same_resamples():
    data = holdout()
    alone = bootstrap_qini(*data, resamples=40, seed=9)
    together = bootstrap_uplift(*data, resamples=40, seed=9)
    np.testing.assert_array_equal(alone.replicates, together.qini_area.replicates)


def test_each_replicate_is_the_point_metric_of_its_resample():
    score, treated, outcome = holdout(n=800)
    result = bootstrap_uplift(score, treated, outcome, shares=[0.2, 0.5], resamples=6, seed=4)
    for i, rows in enumerate(resample_rows(score, treated, outcome, resamples=6, seed=4)):
        # Stratified: every resample keeps the holdout's arm sizes.
        assert treated[rows].sum() == treated.sum()
        args = (score[rows], treated[rows], outcome[rows])
        q, u = qini(*args, prefix_alpha=0.0), uplift_curve(*args, prefix_alpha=0.0)
        assert result.qini_area.replicates[i] == pytest.approx(q.area_over_random, abs=1e-9)
        assert result.uplift_area.replicates[i] == pytest.approx(u.area_over_random, abs=1e-9)
        for k, at_k in zip(result.uplift_at_k, uplift_at_k(*args, [0.2, 0.5]), strict=True):
            assert k.interval.replicates[i] == pytest.approx(at_k.uplift, abs=1e-12)
        for mine, decile in zip(result.deciles, decile_rates(*args).deciles, strict=True):
            assert mine.treated_rate.replicates[i] == pytest.approx(decile.treated_rate)
            assert mine.control_rate.replicates[i] == pytest.approx(decile.control_rate)


def test_intervals_cover_their_point_estimates():
    score, treated, outcome = holdout()
    result = bootstrap_uplift(score, treated, outcome, resamples=200, seed=0)
    point_qini = qini(score, treated, outcome).area_over_random
    point_uplift = uplift_curve(score, treated, outcome).area_over_random
    assert result.qini_area.estimate == pytest.approx(point_qini)
    assert result.uplift_area.estimate == pytest.approx(point_uplift)
    intervals = [result.qini_area, result.uplift_area]
    intervals += [k.interval for k in result.uplift_at_k]
    intervals += [d.treated_rate for d in result.deciles] + [d.control_rate for d in result.deciles]
    for interval in intervals:
        assert isinstance(interval, Interval)
        assert interval.low < interval.high
        assert interval.covers(interval.estimate)
        assert len(interval.replicates) == 200 and interval.level == 0.95
    # A planted positive uplift: the Qini area's interval lies above zero.
    assert result.qini_area.low > 0


def test_a_score_that_encodes_the_treatment_gets_no_curve_intervals():
    rng = np.random.default_rng(2)
    treated = rng.random(1_000) < 0.5
    outcome = (rng.random(1_000) < np.where(treated, 0.3, 0.1)).astype(int)
    score = treated + rng.uniform(0, 0.5, 1_000)
    result = bootstrap_uplift(score, treated, outcome, resamples=20)
    assert isinstance(result.qini_area, NotEstimable)
    assert isinstance(result.uplift_area, NotEstimable)
    assert isinstance(bootstrap_qini(score, treated, outcome, resamples=20), NotEstimable)
    # The top 10 % is all treated: uplift@10 % has no interval, and the reason says why.
    top10 = next(k for k in result.uplift_at_k if k.share == 0.1)
    assert isinstance(top10.interval, NotEstimable)
    assert "no treated or no control" in top10.interval.reason


def test_a_top_k_without_control_in_some_resamples_is_not_estimable():
    # Forty clients, the only control client at the top: many resamples never draw it.
    score = np.arange(40, 0, -1)
    treated = np.ones(40, dtype=bool)
    treated[[0, 39]] = False
    outcome = np.zeros(40)
    result = bootstrap_uplift(score, treated, outcome, shares=[0.05], resamples=50)
    (top,) = result.uplift_at_k
    assert isinstance(top.interval, NotEstimable)
    assert "resamples" in top.interval.reason


@pytest.mark.parametrize(("resamples", "level"), [(1, 0.95), (10, 1.0), (10, 0.0)])
def test_bad_bootstrap_settings_are_refused(resamples, level):
    with pytest.raises(ValueError, match="resamples|level"):
        bootstrap_uplift(*holdout(n=100), resamples=resamples, level=level)
