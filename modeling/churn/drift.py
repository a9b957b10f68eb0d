"""Population stability index (PSI) of scores and features against training.

A reference is the binned distribution of a variable at training time: quantile bins for
numbers (ties collapse into fewer bins), categories for text, and a bin of its own for
missing values. PSI = sum over bins of (actual - expected) * ln(actual / expected); above
0.2 is the usual sign that a population has shifted enough to distrust the model.

Some features move with the calendar by construction, whoever the users are: a property
of the date (the month, holidays ahead) or a clock (tenure, account age, running totals,
which grow by a day for every retained user every day; in a young service, such as the
demo that starts with its first subscriber, the whole base ages). PSI against training
would flag the passing of time there, not a change of population, so
`time_bound_features` finds them in the training snapshots and they are not monitored.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

PSI_RED = 0.2
BINS = 10
# A clock rises in at least CLOCK_RISES of the steps from a user's snapshot to the next
# (a running total of monthly payments does once a month) and falls in at most
# CLOCK_FALLS of them (room for corrections in the data), judged on at least
# CLOCK_MIN_STEPS steps; its median per date follows the date this closely over at least
# CLOCK_MIN_DATES dates.
CLOCK_RISES = 0.1
CLOCK_FALLS = 0.01
CLOCK_MIN_STEPS = 20
CLOCK_CORRELATION = 0.9
CLOCK_MIN_DATES = 4
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


def time_bound_features(
    frame: pl.DataFrame,
    features: list[str],
    *,
    date_col: str = "snapshot_date",
    user_col: str = "user_id",
) -> dict[str, str]:
    """Features of `frame` (snapshot rows over several dates) tied to the calendar, with why.

    A property of the date has a single value on each date but not the same on all. A
    clock never falls from one snapshot of a user to the user's next one and often rises
    (tenure, account age, running totals), and its median over the population
    follows the date too (|rank correlation| >= CLOCK_CORRELATION): a cohort whose users
    come and go at the same age, such as trials, keeps a steady distribution and stays
    monitored.
    """
    needed = [date_col, user_col, *features]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {', '.join(missing)}")
    found: dict[str, str] = {}
    numeric = [f for f in features if frame.schema[f].is_numeric()]
    per_date = (
        frame.group_by(date_col)
        .agg(
            [pl.col(f).n_unique().alias(f) for f in features]
            + [pl.col(f).cast(pl.Float64).median().alias(f"{f}__median") for f in numeric]
        )
        .sort(date_col)
    )
    # Each row next to the same user's following snapshot.
    steps = (
        frame.select(needed)
        .sort(user_col, date_col)
        .with_columns([pl.col(f).shift(-1).over(user_col).alias(f"{f}__next") for f in numeric])
    )
    for name in features:
        if per_date.height > 1 and per_date.get_column(name).max() == 1:
            if frame.get_column(name).n_unique() > 1:
                found[name] = "one value per snapshot date: a property of the date"
            continue
        if name not in numeric:
            continue
        rises = (steps.get_column(f"{name}__next") > steps.get_column(name)).drop_nulls()
        falls = (steps.get_column(f"{name}__next") < steps.get_column(name)).drop_nulls()
        if (
            rises.len() < CLOCK_MIN_STEPS
            or falls.mean() > CLOCK_FALLS
            or rises.mean() < CLOCK_RISES
        ):
            continue
        rho = _rank_correlation(per_date.get_column(f"{name}__median").to_numpy())
        if rho is not None and abs(rho) >= CLOCK_CORRELATION:
            found[name] = (
                f"grows with every user's age and its median follows the date "
                f"(rank correlation {rho:+.2f}): a clock"
            )
    return found


def _rank_correlation(values: np.ndarray) -> float | None:
    """Spearman correlation of `values` (in date order) with their order; None if flat."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) < CLOCK_MIN_DATES:
        return None
    ranks = pl.Series(values).rank("average").to_numpy()
    if np.ptp(ranks) == 0:
        return None
    return float(np.corrcoef(np.arange(len(ranks)), ranks)[0, 1])
