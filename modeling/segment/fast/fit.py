"""Fitting a SegmentModel on the frame's parts: the model `fit` gives on the joined frame.

The target encodings of a column depend on its values and the row's fold only, so they
are learned from label counts per key value and fold, then gathered per row; the other
per-key columns are computed once per key value (design.PartsDesign). Nothing is joined
per event.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from modeling.segment.encoding import FOLD
from modeling.segment.fast.design import PartsDesign, inputs_needed, place_inputs
from modeling.segment.fast.forest import keep_tree_tables
from modeling.segment.features import TEXT
from modeling.segment.model import SegmentModel
from queries.segment_parts import SegmentParts


def fit_parts(
    model: SegmentModel,
    parts: SegmentParts,
    y: np.ndarray,
    frequencies: pl.DataFrame | None = None,
) -> SegmentModel:
    """`model.fit(parts.flat(), y, frequencies)`, without joining the parts; returns the
    fitted model.

    Models with string inputs, or frequencies that lack a column the model encodes, are
    fitted on the joined frame. A model the key-by-key scorer can evaluate keeps its
    trees' tables (pickled with it).
    """
    if not _fits_parts(model, frequencies):
        model.fit(parts.flat(), y, frequencies)
    else:
        y = model.start_fit(y)
        matrix = _fit_encodings(model, parts, y, frequencies)
        model.fit_boosters(lambda label: model.matrix_pool(matrix, label), y)
    keep_tree_tables(model)
    return model


def _fits_parts(model: SegmentModel, frequencies: pl.DataFrame | None) -> bool:
    """Whether fitting on parts gives this model: numbers only, frequencies given."""
    given = set() if frequencies is None else set(frequencies["feature"].unique().to_list())
    return model.takes_matrix() and set(model.frequency) <= given


def _fit_encodings(
    model: SegmentModel, parts: SegmentParts, y: np.ndarray, frequencies: pl.DataFrame
) -> np.ndarray:
    """Learn the encodings on parts; return the design matrix, equal to that of the
    joined frame with out-of-fold encodings."""
    events, dims = parts.events, parts.dims
    have = set(events.columns).union(*(dim.columns for dim in dims.values()))
    missing = [c for c in model.input_columns_ if c not in have]
    if missing:
        raise ValueError(f"segment parts lack column(s): {', '.join(missing)}")
    model.frequency_tables_ = model.frequency_tables(None, frequencies)
    if model.text == "tfidf":
        home = next((key for key, dim in dims.items() if TEXT in dim.columns), None)
        texts = events if home is None else _present(dims[home], events, home)
        model.tfidf_ = model.new_tfidf().fit(texts)
    columns = {key: dim.columns for key, dim in dims.items()}
    placement = place_inputs(inputs_needed(model), columns, events.columns)
    encoded = None
    if model.encoder_ is not None:
        encoded = _out_of_fold(model, parts, y, placement)
    model.feature_names_ = model.design(SegmentParts(events.head(1), dims).flat()).columns
    design = PartsDesign(model.design, model.feature_names_, placement)
    design.add(dims)
    matrix = design.matrix(events)
    # Training rows get out-of-fold encodings, not those of the fitted tables.
    if encoded is not None:
        for name in encoded.columns:
            matrix[:, design.position[name]] = encoded.get_column(name).to_numpy()
    return matrix


def _out_of_fold(
    model: SegmentModel,
    parts: SegmentParts,
    y: np.ndarray,
    placement: dict[str | None, list[str]],
) -> pl.DataFrame:
    """The encoder fitted on label counts per key value and fold; out-of-fold encodings
    of every event, in the encoder's column order."""
    encoder = model.encoder_
    events = parts.events
    counts = [
        pl.Series(name, (y == label).astype(np.float64))
        for name, label in zip(encoder.count_names(), model.classes_, strict=True)
    ]
    labels = pl.DataFrame([pl.Series(FOLD, encoder.fold_of_rows(events.height)), *counts])
    keys_of_groups, groups = [], []
    for home, inputs in placement.items():
        # The encoded columns computed at this home, with the parents they shrink towards.
        chains: list[str] = []
        for column in inputs:
            if column in model.categorical:
                chains += [c for c in encoder.chain(column) if c not in chains]
        if not chains:
            continue
        keys = [home] if home else chains
        rows = pl.concat([events.select(keys), labels], how="horizontal")
        grouped = rows.group_by([*keys, FOLD]).agg(pl.col(encoder.count_names()).sum())
        if home:
            grouped = grouped.join(parts.dims[home].select(home, *chains), on=home)
        keys_of_groups.append(keys)
        groups.append(grouped)
    per_event = []
    for keys, grouped, encoded in zip(
        keys_of_groups, groups, encoder.fit_transform_counts(groups), strict=True
    ):
        table = pl.concat([grouped.select(*keys, FOLD), encoded], how="horizontal")
        rows = pl.concat([events.select(keys), labels.select(FOLD)], how="horizontal")
        joined = rows.join(
            table, on=[*keys, FOLD], how="left", maintain_order="left", nulls_equal=True
        )
        per_event.append(joined.select(encoded.columns))
    return pl.concat(per_event, how="horizontal").select(encoder.output_names)


def _present(dim: pl.DataFrame, events: pl.DataFrame, key: str) -> pl.DataFrame:
    """The rows of a dimension frame whose key some event has (as the flat frame has)."""
    return dim.filter(pl.col(key).is_in(events.get_column(key).unique().implode()))
