"""Stratified bootstrap intervals of the uplift metrics, all resamples computed at once.

Each resample draws N_T treated clients from the treated arm and N_C control clients from
the control arm, with replacement, so the arm sizes of the holdout are kept. Resample i
draws from its own generator, spawned from `seed`, so a resample is the same whatever the
chunking, and `resample_rows` hands the very same draws to another implementation.
Resamples are processed in chunks as arrays (resamples x clients): one bincount counts
each client's draws in every resample of the chunk, cumulative sums in score order give
every point's sums, and every area, uplift@k and decile rate follows from those arrays
without a loop over clients.

Intervals are percentile intervals. A metric that is not estimable on the holdout, or in
any resample (a top-k without control clients in some resample, say), has no interval:
it is NotEstimable with the reason, never a NaN.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from modeling.uplift.cumulative import (
    ArmSums,
    DrawTable,
    areas,
    cumulative_sums,
    cut_at_shares,
    draw_table,
    qini_values,
    uplift_values,
)
from modeling.uplift.holdout import RankedHoldout, rank_holdout
from modeling.uplift.metrics import (
    DECILES,
    DEFAULT_SHARES,
    PREFIX_ALPHA,
    check_shares,
    curve_result,
    decile_sums,
    holdout_sums,
)
from modeling.uplift.results import (
    DecileIntervals,
    Interval,
    NotEstimable,
    ShareInterval,
    UpliftIntervals,
)

DEFAULT_RESAMPLES = 200
DEFAULT_LEVEL = 0.95
# Bytes of one chunk's per-client counts. Larger arrays come from fresh pages of the OS on
# every chunk (malloc maps anything over 32 MiB anew), and faulting those pages in costs
# more than the counting itself; below that size the memory is reused.
CHUNK_BYTES = 16_000_000


def resample_rows(
    score, treated, outcome, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Iterator[np.ndarray]:
    """Row indices of each stratified resample, exactly the draws the bootstrap makes."""
    table = draw_table(rank_holdout(score, treated, outcome))
    for draws in _draws(table.n_treated, table.n_control, resamples, seed, 1):
        yield table.rows[draws[0]]


def bootstrap_qini(
    score,
    treated,
    outcome,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    prefix_alpha: float = PREFIX_ALPHA,
) -> Interval | NotEstimable:
    """Interval for the Qini area over random alone (the same draws as `bootstrap_uplift`)."""
    _check(resamples, level)
    holdout = rank_holdout(score, treated, outcome)
    point = curve_result("qini", holdout, holdout_sums(holdout), prefix_alpha).area_over_random
    if isinstance(point, NotEstimable):
        return point
    table = draw_table(holdout)
    replicates = np.concatenate(
        [
            areas(qini_values(sums), sums).over_random
            for sums in (cumulative_sums(table, d) for d in _chunks(table, resamples, seed))
        ]
    )
    return _interval(point, replicates, level)


def bootstrap_uplift(
    score,
    treated,
    outcome,
    *,
    shares=DEFAULT_SHARES,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    prefix_alpha: float = PREFIX_ALPHA,
) -> UpliftIntervals:
    """Intervals for the Qini and uplift-curve areas over random, uplift@k and decile rates."""
    _check(resamples, level)
    holdout = rank_holdout(score, treated, outcome)
    share_array = check_shares(shares)
    sums = holdout_sums(holdout)
    point = _Replicate.of(holdout, sums, share_array)
    table = draw_table(holdout)
    parts = [
        _Replicate.of(holdout, cumulative_sums(table, draws), share_array)
        for draws in _chunks(table, resamples, seed)
    ]
    replicates = _Replicate(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in _Replicate.__annotations__)
    )

    def curve_interval(kind: str, values: np.ndarray) -> Interval | NotEstimable:
        estimate = curve_result(kind, holdout, sums, prefix_alpha).area_over_random
        if isinstance(estimate, NotEstimable):
            return estimate
        return _interval(estimate, values, level)

    def rate_interval(name: str, column: int, where: str) -> Interval | NotEstimable:
        estimate = getattr(point, name)[0, column]
        values = getattr(replicates, name)[:, column]
        if np.isnan(estimate):
            return NotEstimable(f"{where} has no treated or no control clients")
        missing = int(np.isnan(values).sum())
        if missing:
            return NotEstimable(
                f"in {missing} of {len(values)} resamples {where} has no treated or no "
                "control clients"
            )
        return _interval(estimate, values, level)

    return UpliftIntervals(
        resamples=resamples,
        seed=seed,
        level=level,
        qini_area=curve_interval("qini", replicates.qini_area),
        uplift_area=curve_interval("uplift", replicates.uplift_area),
        uplift_at_k=tuple(
            ShareInterval(
                share=float(share),
                interval=rate_interval("top_uplift", i, f"the top {share:.1%}"),
            )
            for i, share in enumerate(share_array)
        ),
        deciles=tuple(
            DecileIntervals(
                decile=d + 1,
                treated_rate=rate_interval("decile_treated", d, f"decile {d + 1}"),
                control_rate=rate_interval("decile_control", d, f"decile {d + 1}"),
            )
            for d in range(DECILES)
        ),
    )


@dataclass(frozen=True, eq=False)
class _Replicate:
    """Metrics of one or more resamples (rows); NaN marks a rate with an empty arm."""

    qini_area: np.ndarray
    uplift_area: np.ndarray
    top_uplift: np.ndarray
    decile_treated: np.ndarray
    decile_control: np.ndarray

    @classmethod
    def of(cls, holdout: RankedHoldout, sums: ArmSums, shares: np.ndarray) -> _Replicate:
        top = cut_at_shares(sums, shares)
        deciles = decile_sums(sums)
        return cls(
            qini_area=areas(qini_values(sums), sums).over_random,
            uplift_area=areas(uplift_values(sums), sums).over_random,
            top_uplift=_rate(top.y_t, top.n_t) - _rate(top.y_c, top.n_c),
            decile_treated=_rate(deciles.y_t, deciles.n_t),
            decile_control=_rate(deciles.y_c, deciles.n_c),
        )


def _rate(outcome: np.ndarray, clients: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(clients > 0, outcome / clients, np.nan)


def _check(resamples: int, level: float) -> None:
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2, got {resamples}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")


def _chunks(table: DrawTable, resamples: int, seed: int) -> Iterator[np.ndarray]:
    chunk = max(1, CHUNK_BYTES // (8 * len(table.rows)))
    yield from _draws(table.n_treated, table.n_control, resamples, seed, chunk)


def _draws(
    n_treated: int, n_control: int, resamples: int, seed: int, chunk: int
) -> Iterator[np.ndarray]:
    """Client draws (treated clients first, then control), `chunk` resamples at a time."""
    children = np.random.SeedSequence(seed).spawn(resamples)
    for start in range(0, resamples, chunk):
        part = children[start : start + chunk]
        draws = np.empty((len(part), n_treated + n_control), dtype=np.int64)
        for row, child in zip(draws, part, strict=True):
            rng = np.random.default_rng(child)
            row[:n_treated] = rng.integers(0, n_treated, n_treated)
            row[n_treated:] = n_treated + rng.integers(0, n_control, n_control)
        yield draws


def _interval(point: float, values: np.ndarray, level: float) -> Interval:
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    frozen = values.copy()
    frozen.setflags(write=False)
    return Interval(
        estimate=float(point), low=float(low), high=float(high), level=level, replicates=frozen
    )
