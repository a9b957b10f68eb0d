"""Multiple-comparison correction of p-values across the metrics of one experiment.

Holm (the default) controls the family-wise error rate, the chance of any false positive
among the metrics, and is uniformly more powerful than Bonferroni. Benjamini-Hochberg
controls the expected share of false positives among the metrics called significant,
for analyses that screen many metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

CorrectionMethod = Literal["holm", "bh"]
CORRECTION_METHODS: tuple[CorrectionMethod, ...] = ("holm", "bh")


def adjust_p_values(
    p_values: Sequence[float], method: CorrectionMethod = "holm"
) -> tuple[float, ...]:
    """Adjusted p-values in the order given: compare each with alpha to decide."""
    if method not in CORRECTION_METHODS:
        raise ValueError(f"correction method must be one of {CORRECTION_METHODS}, not {method!r}")
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("p-values must be a flat sequence")
    if p.size == 0:
        return ()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"p-values must lie in [0, 1] and not be NaN: {p.tolist()}")
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        # Step down: the k-th smallest is scaled by (m - k + 1), then made non-decreasing.
        scaled = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        # Step up: the k-th smallest is scaled by m / k, then made non-increasing from the top.
        scaled = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(scaled, 1.0)
    return tuple(float(v) for v in adjusted)
