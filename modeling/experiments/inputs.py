"""Checks of per-client input arrays: each problem is a ValueError that names it."""

from __future__ import annotations

from typing import Literal

import numpy as np

MetricKind = Literal["binary", "numeric"]
METRIC_KINDS: tuple[MetricKind, ...] = ("binary", "numeric")


def metric_values(values: object, metric: str, variant: str, kind: MetricKind) -> np.ndarray:
    """`values` as a 1-D float64 array: non-empty, no NaN, 0/1 when the metric is binary."""
    if kind not in METRIC_KINDS:
        raise ValueError(f"metric {metric!r}: kind must be one of {METRIC_KINDS}, not {kind!r}")
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"metric {metric!r}, variant {variant!r}: expected a 1-D array")
    if array.size == 0:
        raise ValueError(f"metric {metric!r}: variant {variant!r} has no clients")
    minimum_clients = 2 if kind == "numeric" else 1
    if array.size < minimum_clients:
        raise ValueError(
            f"metric {metric!r}: variant {variant!r} has {array.size} client, "
            f"a numeric metric needs at least {minimum_clients} per variant"
        )
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(
            f"metric {metric!r}: variant {variant!r} has {bad} NaN or infinite value(s)"
        )
    if kind == "binary" and not ((array == 0.0) | (array == 1.0)).all():
        raise ValueError(f"metric {metric!r}: a binary metric holds only 0 and 1 ({variant!r})")
    return array


def covariate_values(values: object, metric: str, variant: str, clients: int) -> np.ndarray:
    """A pre-assignment covariate as float64, aligned one to one with the metric's clients."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size != clients:
        raise ValueError(
            f"metric {metric!r}, variant {variant!r}: covariate has {array.size} values "
            f"for {clients} clients (the arrays must have the same length)"
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"metric {metric!r}: the covariate of variant {variant!r} has NaN or infinite values"
        )
    return array
