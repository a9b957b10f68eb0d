"""The design matrix of event rows from the segment frame's parts, encoded once per key.

Most of the model's columns depend on one key of an event alone: the target encodings,
frequencies, TF-IDF components and shape of its bundle on the app, the region enrichment
on the place, the os encodings on the device, part of day on the hour. Given the parts
(queries.segment_parts.SegmentParts), those columns are computed once per key value,
and each batch of events only gathers them by key into a float32 column-major matrix,
CatBoost's fastest input. The result equals the design of the flat frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import polars as pl

from modeling.segment.features import ID
from modeling.segment.model import SegmentModel

# model.design(frame, only=inputs): the model's columns computed from those input columns.
DesignFunction = Callable[..., pl.DataFrame]


class KeyBlock:
    """Model columns that depend on one key alone, one row per key value added so far."""

    def __init__(self, key: str, inputs: list[str]):
        self.key = key
        self.inputs = inputs
        self.keys: np.ndarray | None = None
        self.index = pd.Index([], dtype="int64")
        self.values: np.ndarray | None = None  # (key values, columns) float32
        self.positions: np.ndarray | None = None  # design matrix column of each value column

    def add(self, keys: np.ndarray, values: np.ndarray, positions: np.ndarray) -> None:
        self.keys = keys if self.keys is None else np.concatenate([self.keys, keys])
        joined = values if self.values is None else np.concatenate([self.values, values])
        # Column-major, so that each column gathered per event is contiguous in memory.
        self.values = np.asfortranarray(joined)
        self.positions = positions
        # A hash index of the key values: several times faster than a sorted search.
        self.index = pd.Index(self.keys)

    def rows_of(self, event_keys: np.ndarray) -> np.ndarray:
        """Row of `values` for each event, -1 for key values not added yet."""
        if self.keys is None:
            return np.full(len(event_keys), -1, dtype=np.int64)
        return self.index.get_indexer(event_keys)


class PartsDesign:
    """Design matrices of event rows whose per-key columns are encoded once per key value."""

    def __init__(
        self,
        design: DesignFunction,
        feature_names: list[str],
        placement: dict[str | None, list[str]],
    ):
        """`placement` maps a key (None: the event rows) to the inputs computed there."""
        self.design = design
        self.feature_names = list(feature_names)
        self.position = {name: i for i, name in enumerate(self.feature_names)}
        self.event_inputs = placement.get(None, [])
        self.blocks = [KeyBlock(key, inputs) for key, inputs in placement.items() if key]

    def add(self, dims: dict[str, pl.DataFrame]) -> None:
        """Encode the rows of dimension frames (key column -> frame) whose key is new."""
        for block in self.blocks:
            dim = dims[block.key]
            new = dim.filter(pl.Series(block.rows_of(dim.get_column(block.key).to_numpy()) < 0))
            if new.is_empty():
                continue
            values = self.design(new, only=block.inputs)
            block.add(
                new.get_column(block.key).to_numpy(),
                values.to_numpy().astype(np.float32, copy=False),
                np.array([self.position[name] for name in values.columns], dtype=np.int64),
            )

    def matrix(
        self,
        events: pl.DataFrame,
        fetch: Callable[[np.ndarray], dict[str, pl.DataFrame]] | None = None,
    ) -> np.ndarray:
        """(events, model columns) float32 in Fortran order, columns as in feature_names.

        Key values not added yet are fetched first: `fetch(event_ids)` returns the
        dimension frames of those events (one event per unknown key value). ValueError
        when a key value is still unknown.
        """
        rows = self.rows(events, fetch)
        out = np.empty((events.height, len(self.feature_names)), dtype=np.float32, order="F")
        for block in self.blocks:
            if block.positions is None:  # no key value added: there are no events either
                continue
            for j, position in enumerate(block.positions):
                # Each column of a Fortran-order matrix is contiguous: gather straight into it.
                np.take(block.values[:, j], rows[block.key], out=out[:, position], mode="clip")
        names, values = self.event_values(events)
        for j, name in enumerate(names):
            out[:, self.position[name]] = values[:, j]
        return out

    def rows(
        self,
        events: pl.DataFrame,
        fetch: Callable[[np.ndarray], dict[str, pl.DataFrame]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Key -> the row of each event's key value in its block, fetching unknown values
        first as `matrix` does. ValueError when a key value is still unknown."""
        rows = self._rows(events)
        unknown = [block for block in self.blocks if (rows[block.key] < 0).any()]
        if unknown and fetch is not None:
            picked = pl.concat(
                events.filter(pl.Series(rows[b.key] < 0)).unique(b.key, keep="any").get_column(ID)
                for b in unknown
            )
            self.add(fetch(picked.unique().to_numpy()))
            rows.update(self._rows(events, unknown))
        for block in self.blocks:
            if (rows[block.key] < 0).any():
                raise ValueError(f"some events have a {block.key} missing from its dimension")
        return rows

    def event_values(self, events: pl.DataFrame) -> tuple[list[str], np.ndarray]:
        """The model columns computed from the event rows themselves: (names, (events,
        columns) float32)."""
        if not self.event_inputs:
            return [], np.empty((events.height, 0), dtype=np.float32)
        own = self.design(events, only=self.event_inputs)
        return own.columns, own.to_numpy().astype(np.float32, copy=False)

    def _rows(self, events: pl.DataFrame, blocks: list[KeyBlock] | None = None) -> dict:
        chosen = self.blocks if blocks is None else blocks
        return {
            block.key: block.rows_of(events.get_column(block.key).to_numpy()) for block in chosen
        }


def place_inputs(
    needs: dict[str, set[str]], dims: dict[str, Iterable[str]], event_columns: Iterable[str]
) -> dict[str | None, list[str]]:
    """Where each input is computed: the first dimension (key -> its columns) holding all
    it needs, else the event rows (key None). ValueError when neither has it."""
    placement: dict[str | None, list[str]] = {}
    events = set(event_columns)
    for column, needed in needs.items():
        home = next((key for key, columns in dims.items() if needed <= set(columns)), None)
        if home is None and not needed <= events:
            raise ValueError(f"segment parts lack column(s): {', '.join(sorted(needed))}")
        placement.setdefault(home, []).append(column)
    return placement


def inputs_needed(model: SegmentModel) -> dict[str, set[str]]:
    """Input column of a fitted model -> the frame columns its model columns are computed
    from (a target-encoded column shrinks towards its parents)."""
    needs = {column: {column} for column in model.input_columns_}
    if model.cat_handling == "encoded":
        for column in model.categorical:
            needs[column] |= set(model.encoder_.chain(column))
    return needs


def parts_design(
    model: SegmentModel, event_columns: list[str], dims: dict[str, list[str]]
) -> PartsDesign:
    """An empty PartsDesign of a fitted model for event rows with `event_columns` and
    dimension frames with the columns `dims` (key -> columns, key included). Add dimension
    frames to it, then ask it for the matrix of any batch of events."""
    model.check_fitted()
    placement = place_inputs(inputs_needed(model), dims, event_columns)
    return PartsDesign(model.design, list(model.feature_names_), placement)
