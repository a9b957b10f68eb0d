"""A randomised holdout checked and grouped by distinct score, the input of every metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class RankedHoldout:
    """Clients of a randomised holdout, each tagged with its score group.

    `group[i]` is 1 for the clients with the highest score, 2 for the next distinct score,
    up to `groups`; equal scores share a group, so nothing depends on row order.
    """

    group: np.ndarray
    treated: np.ndarray
    outcome: np.ndarray
    groups: int

    @property
    def clients(self) -> int:
        return len(self.group)

    @property
    def n_treated(self) -> int:
        return int(self.treated.sum())

    @property
    def n_control(self) -> int:
        return self.clients - self.n_treated


def rank_holdout(score, treated, outcome) -> RankedHoldout:
    """Check the three arrays of a holdout and group its clients by distinct score.

    Raises ValueError naming the problem: lengths that differ, an empty holdout, a
    non-numeric or non-finite score or outcome, a treatment flag that is not boolean/0-1
    or has only one value.
    """
    score = _numeric("score", score)
    outcome = _numeric("outcome", outcome, allow_bool=True)
    flag = _treatment(treated)
    lengths = {len(score), len(flag), len(outcome)}
    if len(lengths) > 1:
        raise ValueError(
            "score, treated and outcome must have the same length, got "
            f"{len(score)}, {len(flag)} and {len(outcome)}"
        )
    if len(score) == 0:
        raise ValueError("the holdout has no clients")
    if flag.all() or not flag.any():
        arm = "treated" if flag.all() else "control"
        raise ValueError(
            f"treated has only one value (every client is {arm}); both arms are needed"
        )
    distinct, ascending = np.unique(score, return_inverse=True)
    group = (len(distinct) - ascending).astype(np.int64)
    for array in (group, flag, outcome):
        array.setflags(write=False)
    return RankedHoldout(group=group, treated=flag, outcome=outcome, groups=len(distinct))


def _numeric(name: str, values, allow_bool: bool = False) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    numeric = np.issubdtype(array.dtype, np.number) or (allow_bool and array.dtype == bool)
    if array.dtype == bool and not allow_bool or not numeric:
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} NaN or infinite values")
    return array


def _treatment(values) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"treated must be one-dimensional, got shape {array.shape}")
    if array.dtype == bool:
        return array.copy()
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"treated must be boolean or 0/1, got dtype {array.dtype}")
    other = ~np.isin(array, (0, 1))
    if other.any():
        examples = ", ".join(str(v) for v in np.unique(array[other])[:3])
        raise ValueError(f"treated must be boolean or 0/1, got values such as {examples}")
    return array == 1
