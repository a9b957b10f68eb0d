"""Sample-ratio mismatch: do the arms hold the clients the planned split says they should?

A mismatch means assignment or logging is broken, and then no effect estimate can be
trusted, however small its p-value. The check is Pearson's chi-square against the planned
split; the usual alarm threshold is p < 0.001, strict because the check runs on every
experiment and a false alarm stops a good one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmCheck:
    """Observed against expected clients per variant, and the verdict."""

    variants: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    planned_shares: tuple[float, ...]
    statistic: float
    p_value: float
    threshold: float
    srm_ok: bool
    verdict: str  # one sentence a person can act on


def check_sample_ratio(
    counts: Mapping[str, int],
    planned_split: Mapping[str, float],
    threshold: float = SRM_THRESHOLD,
) -> SrmCheck:
    """Chi-square of the observed clients per variant against `planned_split` (any scale)."""
    if len(planned_split) < 2:
        raise ValueError("an experiment needs at least two variants in its planned split")
    unknown = sorted(set(counts) - set(planned_split))
    if unknown:
        raise ValueError(f"variants {unknown} have clients but are not in the planned split")
    weights = np.array([float(planned_split[v]) for v in planned_split])
    if not np.isfinite(weights).all() or (weights <= 0).any():
        raise ValueError(f"planned split weights must be positive numbers: {dict(planned_split)}")
    variants = tuple(planned_split)
    observed = np.array([int(counts.get(v, 0)) for v in variants])
    empty = [v for v, n in zip(variants, observed, strict=True) if n == 0]
    if empty:
        raise ValueError(f"variant(s) {empty} have no clients")
    shares = weights / weights.sum()
    expected = observed.sum() * shares
    statistic = float(((observed - expected) ** 2 / expected).sum())
    p_value = float(scipy_stats.chi2.sf(statistic, len(variants) - 1))
    ok = p_value >= threshold
    verdict = (
        "no sample-ratio mismatch: the arms match the planned split"
        if ok
        else f"sample-ratio mismatch (p = {p_value:.2g} < {threshold}): assignment or logging "
        "is broken and the effect estimates must not be trusted"
    )
    return SrmCheck(
        variants=variants,
        observed=tuple(int(n) for n in observed),
        expected=tuple(float(e) for e in expected),
        planned_shares=tuple(float(s) for s in shares),
        statistic=statistic,
        p_value=p_value,
        threshold=threshold,
        srm_ok=ok,
        verdict=verdict,
    )
