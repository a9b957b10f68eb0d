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


class AliasSampler:
    """Draw indices from fixed unnormalised weights in constant time per draw (Walker's alias
    method): one table lookup instead of a binary search, for the large streams of the
    subscription generator (titles, hours of the day)."""

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=float)
        n = len(weights)
        scaled = weights / weights.sum() * n
        self.prob = np.ones(n)
        self.alias = np.arange(n)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            self.prob[s], self.alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        # What is left is 1 up to rounding: those columns keep their own index.

    def draw(self, u: np.ndarray) -> np.ndarray:
        """One index per uniform in u: its integer part picks a column, the rest the side."""
        scaled = u * len(self.prob)
        column = np.minimum(scaled.astype(np.int64), len(self.prob) - 1)
        return np.where(scaled - column < self.prob[column], column, self.alias[column])
