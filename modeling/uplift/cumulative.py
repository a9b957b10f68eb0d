"""Cumulative arm sums by score group and the curve formulas over them, for many resamples.

Arrays here have one row per resample (a single row for the point estimate) and one
column per distinct score from the top, after a leading column of zeros for the origin.
The point estimate is the "resample" that draws every client once, so it goes through the
same code as each bootstrap replicate and the two agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modeling.uplift.holdout import RankedHoldout


@dataclass(frozen=True, eq=False)
class DrawTable:
    """The clients as the bootstrap draws them: the treated arm, then the control arm, each
    in score order (highest first), so that counting draws per client and summing them in
    this order gives every point's sums with sequential passes only.

    `treated_upto[g]` is how many treated clients score in groups 1..g (0 for the origin);
    `control_upto` likewise.
    """

    rows: np.ndarray
    outcome: np.ndarray
    treated_upto: np.ndarray
    control_upto: np.ndarray

    @property
    def n_treated(self) -> int:
        return int(self.treated_upto[-1])

    @property
    def n_control(self) -> int:
        return int(self.control_upto[-1])

    @property
    def width(self) -> int:
        return len(self.treated_upto)


def draw_table(holdout: RankedHoldout) -> DrawTable:
    """The DrawTable of a holdout."""
    t = holdout.treated
    arm_rows = []
    upto = []
    points = np.arange(holdout.groups + 1)
    for arm in (np.flatnonzero(t), np.flatnonzero(~t)):
        arm = arm[np.argsort(holdout.group[arm], kind="stable")]
        arm_rows.append(arm)
        upto.append(np.searchsorted(holdout.group[arm], points, side="right"))
    rows = np.concatenate(arm_rows)
    outcome = holdout.outcome[rows]
    # Whole-number outcomes (0/1, counts) are summed as integers: exact, and faster.
    if (outcome == np.round(outcome)).all() and np.abs(outcome).max() < 2**31:
        outcome = outcome.astype(np.int64)
    return DrawTable(rows=rows, outcome=outcome, treated_upto=upto[0], control_upto=upto[1])


@dataclass(frozen=True, eq=False)
class ArmSums:
    """Clients and summed outcomes per arm among the top clients, shape (resamples, points).

    `first` is each row's first point with both arms present (every later point has both
    too, as the counts only grow).
    """

    n_t: np.ndarray
    y_t: np.ndarray
    n_c: np.ndarray
    y_c: np.ndarray
    first: np.ndarray

    @property
    def population(self) -> np.ndarray:
        return self.n_t + self.n_c


def cumulative_sums(table: DrawTable, draws: np.ndarray) -> ArmSums:
    """ArmSums of each resample from its draws (resamples x clients, indices into `table`)."""
    resamples, clients = draws.shape
    # One bincount for all resamples: resample b's clients are shifted into its own block.
    keys = (draws + (np.arange(resamples) * clients)[:, None]).ravel()
    counts = np.bincount(keys, minlength=resamples * clients).reshape(resamples, clients)
    split = table.n_treated
    n_t, y_t = _arm_sums(counts[:, :split], table.outcome[:split], table.treated_upto)
    n_c, y_c = _arm_sums(counts[:, split:], table.outcome[split:], table.control_upto)
    first = np.array(
        [max(np.searchsorted(n_t[b], 1), np.searchsorted(n_c[b], 1)) for b in range(resamples)],
        dtype=np.int64,
    )
    return ArmSums(n_t=n_t, y_t=y_t, n_c=n_c, y_c=y_c, first=first)


def _arm_sums(
    counts: np.ndarray, outcome: np.ndarray, upto: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative clients and outcome of one arm at each point, from its clients' counts."""
    resamples, clients = counts.shape
    # Cumulative sums over the arm's clients in score order, after a leading zero; each
    # point then reads the sum up to its last client. Integer sums stay exact.
    running = np.zeros((resamples, clients + 1), dtype=np.int64)
    np.cumsum(counts, axis=1, out=running[:, 1:])
    running_outcome = np.zeros((resamples, clients + 1), dtype=outcome.dtype)
    np.cumsum(counts * outcome, axis=1, out=running_outcome[:, 1:])
    return np.take(running, upto, axis=1), np.take(running_outcome, upto, axis=1)


def qini_values(sums: ArmSums) -> np.ndarray:
    """Radcliffe's Qini curve Y_T - Y_C * N_T / N_C; NaN before each row's first point."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.divide(sums.n_t, sums.n_c)
        values *= sums.y_c
        np.subtract(sums.y_t, values, out=values)
    return values


def uplift_values(sums: ArmSums) -> np.ndarray:
    """Uplift curve (Y_T/N_T - Y_C/N_C) * (N_T + N_C); NaN before each row's first point."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.divide(sums.y_t, sums.n_t)
        values -= sums.y_c / sums.n_c
        values *= sums.population
    return values


@dataclass(frozen=True, eq=False)
class Areas:
    """Per resample: area under the curve and under the random line over its estimable range."""

    under_curve: np.ndarray
    under_random: np.ndarray
    first_share: np.ndarray

    @property
    def over_random(self) -> np.ndarray:
        return self.under_curve - self.under_random


def areas(values: np.ndarray, sums: ArmSums) -> Areas:
    """Trapezoid areas over population share from the first estimable point x0 to 1.

    The stretch before the first estimable point adds nothing, neither gain nor loss. The
    random line runs from the origin to the curve's end: from x0 to 1 its area is
    end * (1 - x0^2) / 2.
    """
    resamples, width = values.shape
    clients = (sums.n_t[:, -1] + sums.n_c[:, -1]).astype(np.float64)
    under_curve = np.empty(resamples)
    first_share = np.empty(resamples)
    for b in range(resamples):
        f, v = sums.first[b], values[b]
        step = np.diff(sums.n_t[b, f:] + sums.n_c[b, f:]).astype(np.float64)
        # einsum, not dot: a BLAS call may start threads that a shared machine pays for.
        right = np.einsum("i,i->", v[f + 1 :], step)
        left = np.einsum("i,i->", v[f : width - 1], step)
        under_curve[b] = (right + left) / (2.0 * clients[b])
        first_share[b] = (sums.n_t[b, f] + sums.n_c[b, f]) / clients[b]
    under_random = values[:, -1] * (1.0 - first_share**2) / 2.0
    return Areas(under_curve=under_curve, under_random=under_random, first_share=first_share)


@dataclass(frozen=True, eq=False)
class CutSums:
    """Clients and summed outcomes per arm at population cuts, shape (resamples, cuts)."""

    n_t: np.ndarray
    y_t: np.ndarray
    n_c: np.ndarray
    y_c: np.ndarray

    def between(self) -> CutSums:
        """Sums between consecutive cuts."""
        return CutSums(*(np.diff(a, axis=1) for a in (self.n_t, self.y_t, self.n_c, self.y_c)))


def cut_at_shares(sums: ArmSums, shares: np.ndarray) -> CutSums:
    """ArmSums among the top `shares` of clients, shape (resamples, len(shares)).

    Where a cut falls inside a group of tied scores, the group enters by the fraction that
    fits: the expected sums over every order of its members.
    """
    population = sums.population.astype(np.float64)
    resamples, width = population.shape
    clients = population[:, -1]
    target = shares[None, :] * clients[:, None]
    # 0.3 * 20 is 6.000000000000001 in floats: a cut that is a whole client count is one.
    whole = np.rint(target)
    target = np.where(np.abs(target - whole) < 1e-9, whole, target)
    # Rows are monotone and lie in [0, clients]: shifting each row past the previous one
    # makes one sorted array, searched for every resample at once.
    shift = (np.arange(resamples) * (clients.max() + 1.0))[:, None]
    flat = (population + shift).ravel()
    upper = np.searchsorted(flat, (target + shift).ravel(), side="left").reshape(target.shape)
    upper -= (np.arange(resamples) * width)[:, None]
    upper = np.clip(upper, 0, width - 1)
    lower = np.maximum(upper - 1, 0)
    below = np.take_along_axis(population, lower, axis=1)
    above = np.take_along_axis(population, upper, axis=1)
    span = above - below
    fraction = np.divide(target - below, span, out=np.zeros_like(target), where=span > 0)

    def at_cut(array: np.ndarray) -> np.ndarray:
        low = np.take_along_axis(array, lower, axis=1)
        return low + fraction * (np.take_along_axis(array, upper, axis=1) - low)

    return CutSums(
        n_t=at_cut(sums.n_t), y_t=at_cut(sums.y_t), n_c=at_cut(sums.n_c), y_c=at_cut(sums.y_c)
    )
