"""mSPRT: hand-computed mixture likelihood ratio and interval, and the running guarantees."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modeling.experiments import compare_metric, monitor
from modeling.experiments.sequential import (
    horizon_ratio,
    mixture_half_width,
    mixture_p_value,
)


def test_mixture_p_value_and_half_width_are_the_hand_computed_ones():
    # V = 1, tau^2 = 3, d = 2: Lambda = sqrt(1/4) exp(4 * 3 / (2 * 1 * 4)) = e^1.5 / 2.
    assert mixture_p_value(2.0, 1.0, 3.0) == pytest.approx(2 * math.exp(-1.5), abs=1e-15)
    half = mixture_half_width(1.0, 3.0, 0.05)
    assert half == pytest.approx(math.sqrt(4 / 3 * (2 * math.log(20) + math.log(4))), abs=1e-15)
    # The interval's edge is exactly where the p-value reaches alpha.
    assert mixture_p_value(half, 1.0, 3.0) == pytest.approx(0.05, abs=1e-12)


def test_horizon_ratio_at_five_percent():
    assert horizon_ratio(0.05) == pytest.approx(2 * math.log(20) + math.log(1 + 2 * math.log(20)))


def _looks(lift: float, seed: int, days: int = 10, per_day: int = 400):
    rng = np.random.default_rng(seed)
    control = (rng.random(days * per_day) < 0.2).astype(float)
    treatment = (rng.random(days * per_day) < 0.2 * (1 + lift)).astype(float)
    return [
        compare_metric("m", "binary", control[: d * per_day], treatment[: d * per_day]).raw
        for d in range(1, days + 1)
    ]


def test_p_values_never_rise_and_intervals_only_shrink_across_looks():
    result = monitor(_looks(0.1, seed=3), planned_clients=8_000)
    p_values = [look.p_value for look in result.looks]
    assert p_values == sorted(p_values, reverse=True)
    for earlier, later in zip(result.looks, result.looks[1:], strict=False):
        assert later.confidence_sequence.lower >= earlier.confidence_sequence.lower
        assert later.confidence_sequence.upper <= earlier.confidence_sequence.upper
    assert result.p_value == p_values[-1]


def test_sequential_interval_is_wider_than_the_fixed_one_at_the_horizon():
    looks = _looks(0.0, seed=5)
    result = monitor(looks, planned_clients=looks[-1].clients)
    fixed = looks[-1].difference_ci
    last = result.looks[-1]
    # The running intersection can only be narrower than the last look's own interval.
    assert (
        last.confidence_sequence.upper - last.confidence_sequence.lower
        <= 2 * mixture_half_width(last.standard_error**2, last.mixture_variance, 0.05)
    )
    assert (
        mixture_half_width(last.standard_error**2, last.mixture_variance, 0.05)
        > (fixed.upper - fixed.lower) / 2
    )
    assert result.p_value >= looks[-1].p_value or result.p_value == 1.0


def test_a_large_effect_is_rejected_and_its_sequence_excludes_zero():
    result = monitor(_looks(0.5, seed=7), planned_clients=8_000)
    assert result.rejected
    assert result.confidence_sequence.lower > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"looks": [], "planned_clients": 10}, "at least one look"),
        ({"planned_clients": 1}, "planned_clients"),
        ({"planned_clients": 100, "alpha": 1.5}, "alpha"),
    ],
)
def test_bad_monitoring_inputs_raise(kwargs, message):
    kwargs.setdefault("looks", _looks(0.0, seed=1, days=2))
    with pytest.raises(ValueError, match=message):
        monitor(**kwargs)


def test_looks_that_are_not_cumulative_raise():
    looks = _looks(0.0, seed=1, days=3)
    with pytest.raises(ValueError, match="cumulative"):
        monitor(looks[::-1], planned_clients=4_000)
