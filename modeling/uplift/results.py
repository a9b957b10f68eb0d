"""Typed results of the uplift metrics: values that may be "not estimable", and why."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NotEstimable:
    """A metric the holdout cannot estimate, with the reason in words (never a NaN)."""

    reason: str


Estimate = float | NotEstimable


@dataclass(frozen=True, eq=False)
class UpliftCurve:
    """A Qini or uplift curve at its estimable points only.

    `share[i]` is the population share of the clients scored at or above the i-th distinct
    score (ties are one point); `value[i]` is the curve there. Points where one arm is
    still empty are absent, not filled in: the curve starts at `first_estimable_share`.
    """

    kind: str
    share: np.ndarray
    value: np.ndarray
    clients: int
    first_estimable_share: float


@dataclass(frozen=True)
class CurveResult:
    """A curve and its areas over population share (0..1), integrated by trapezoids.

    area_under_curve: the curve's area over its estimable points, from
        `curve.first_estimable_share` to 1.
    area_under_random: the random ordering's line (origin to the curve's end) over the
        same range.
    area_over_random: the difference, the headline figure ("Qini area").
    normalised: area_over_random divided by the perfect ordering's area over random
        (Radcliffe's Qini coefficient), or NotEstimable where no perfect ordering is defined.
    """

    curve: UpliftCurve
    area_under_curve: Estimate
    area_under_random: Estimate
    area_over_random: Estimate
    normalised: Estimate


@dataclass(frozen=True)
class UpliftAtK:
    """Difference of response rates, treated minus control, among the top `share` by score.

    Counts are fractional where the cut falls inside a group of tied scores: that group
    enters with the fraction that fits, the average over every order of its members.
    """

    share: float
    clients: float
    treated: float
    control: float
    treated_rate: Estimate
    control_rate: Estimate
    uplift: Estimate


@dataclass(frozen=True)
class DecileRate:
    """Response rates of one score decile (1 = highest scores), per arm."""

    decile: int
    share_from: float
    share_to: float
    treated: float
    control: float
    treated_rate: Estimate
    control_rate: Estimate
    uplift: Estimate


@dataclass(frozen=True)
class DecileRates:
    """Response rates by score decile for treated and control clients."""

    deciles: tuple[DecileRate, ...]


@dataclass(frozen=True, eq=False)
class Interval:
    """A bootstrap percentile interval around a point estimate, with its replicates."""

    estimate: float
    low: float
    high: float
    level: float
    replicates: np.ndarray

    def covers(self, value: float) -> bool:
        """Whether `value` lies inside the interval (ends included)."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ShareInterval:
    """An interval for a metric taken at a population share (uplift@k)."""

    share: float
    interval: Interval | NotEstimable


@dataclass(frozen=True)
class DecileIntervals:
    """Intervals of one decile's response rates, per arm."""

    decile: int
    treated_rate: Interval | NotEstimable
    control_rate: Interval | NotEstimable


@dataclass(frozen=True)
class UpliftIntervals:
    """Stratified bootstrap intervals of the curve areas, uplift@k and decile rates."""

    resamples: int
    seed: int
    level: float
    qini_area: Interval | NotEstimable
    uplift_area: Interval | NotEstimable
    uplift_at_k: tuple[ShareInterval, ...]
    deciles: tuple[DecileIntervals, ...]
