"""Population stability index (PSI) of scores and features against training.

A reference is the binned distribution of a variable at training time: quantile bins for
numbers (ties collapse into fewer bins), categories for text, and a bin of its own for
missing values. PSI = sum over bins of (actual - expected) * ln(actual / expected); above
0.2 is the usual sign that a population has shifted enough to distrust the model.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

PSI_RED = 0.2
BINS = 10
# Empty bins would make the logarithm infinite; a small floor keeps PSI finite.
SHARE_FLOOR = 1e-4


def numeric_reference(values: np.ndarray, bins: int = BINS) -> dict:
    """Inner quantile edges of `values` and the share of rows per bin (missing last)."""
    values = np.asarray(values, dtype=float)
    present = values[~np.isnan(values)]
    edges = (
        np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))
        if present.size
        else np.array([])
    )
    return {"kind": "numeric", "edges": edges.tolist(), "shares": _numeric_shares(values, edges)}


def _numeric_shares(values: np.ndarray, edges: np.ndarray | list) -> list[float]:
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    which = np.searchsorted(np.asarray(edges, dtype=float), values[~missing], side="right")
    counts = np.bincount(which, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, missing.sum())
    return (counts / max(len(values), 1)).tolist()


def categorical_reference(values: list | pl.Series) -> dict:
    """Share of each category (missing as its own) in `values`."""
    series = pl.Series(values, dtype=pl.String).fill_null("<missing>")
    counts = series.value_counts(sort=True)
    total = max(series.len(), 1)
    return {
        "kind": "categorical",
        "categories": counts.get_column(series.name).to_list(),
        "shares": (counts.get_column("count") / total).to_list(),
    }


def reference_of(series: pl.Series) -> dict:
    """The reference distribution of one column, numeric or categorical by its dtype."""
    if series.dtype.is_numeric() or series.dtype == pl.Boolean:
        return numeric_reference(series.cast(pl.Float64).fill_null(np.nan).to_numpy())
    return categorical_reference(series)


def psi(reference: dict, series: pl.Series) -> float | None:
    """PSI of `series` against `reference`; None when there is nothing to compare."""
    if series.len() == 0:
        return None
    if reference["kind"] == "numeric":
        actual = _numeric_shares(
            series.cast(pl.Float64).fill_null(np.nan).to_numpy(), reference["edges"]
        )
        expected = reference["shares"]
    else:
        values = pl.Series(series, dtype=pl.String).fill_null("<missing>")
        known = reference["categories"]
        counts = dict(values.value_counts().iter_rows())
        total = values.len()
        # Categories unseen in training are pooled into one extra bin with expected ~0.
        unseen = sum(n for category, n in counts.items() if category not in known)
        actual = [counts.get(category, 0) / total for category in known] + [unseen / total]
        expected = list(reference["shares"]) + [0.0]
    return _psi_from_shares(expected, actual)


def _psi_from_shares(expected: list[float], actual: list[float]) -> float:
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        if e == 0 and a == 0:
            continue
        e, a = max(e, SHARE_FLOOR), max(a, SHARE_FLOOR)
        total += (a - e) * math.log(a / e)
    return float(total)
