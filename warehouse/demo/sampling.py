"""Vectorised sampling helpers shared by the demo generators."""

from __future__ import annotations

import numpy as np


class GroupedSampler:
    """Draw item indices from P(item | group) for many rows with one searchsorted.

    Items are listed group by group (item_group sorted); the cumulative probabilities
    of group g are shifted by g, so searching `u + group` lands within the right
    group. draw() returns the index into the full item list.
    """

    def __init__(self, item_group: np.ndarray, weight: np.ndarray):
        item_group = np.asarray(item_group)
        if np.any(np.diff(item_group) < 0):
            raise ValueError("items must be sorted by group")
        cumulative = np.zeros(len(weight))
        for g in np.unique(item_group):
            at = np.flatnonzero(item_group == g)
            cdf = np.cumsum(weight[at])
            cumulative[at] = cdf / cdf[-1]
            cumulative[at[-1]] = 1.0
        self.edges = item_group + cumulative

    @classmethod
    def rectangular(cls, probs: np.ndarray) -> GroupedSampler:
        """One row of probabilities per group, the same items in every group."""
        groups, items = probs.shape
        return cls(np.repeat(np.arange(groups), items), np.asarray(probs, dtype=float).ravel())

    def draw(self, group: np.ndarray | int, u: np.ndarray) -> np.ndarray:
        index = np.searchsorted(self.edges, u + group, side="right")
        return np.minimum(index, len(self.edges) - 1)


def categorical(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn from unnormalised weights, one per uniform in u."""
    cdf = np.cumsum(weights, dtype=float)
    return np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), len(weights) - 1)


def seconds_of_day(hour_weights: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """Second of the day for n events whose hour follows hour_weights (24 values)."""
    hour = categorical(hour_weights, rng.random(n))
    return hour * 3600 + rng.integers(0, 3600, n)
