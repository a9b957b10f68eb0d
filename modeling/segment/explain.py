"""SHAP values of a SegmentModel, summed back onto the frame's columns.

The model sees derived columns (five per-class encodings of the bundle, TF-IDF
components of its tokens); SHAP values are additive, so the contributions of the
columns derived from one input are summed and reported under that input's name.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from modeling.explain import catboost_shap, shap_global, shap_long
from modeling.segment.features import TEXT
from modeling.segment.model import SegmentModel
from modeling.segment.text import TOKENS_SOURCE


def segment_shap(
    model: SegmentModel, frame: pl.DataFrame, row_ids: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(long SHAP frame for ml.shap, mean |SHAP| per class and feature for ml.shap_global)."""
    pool = model.pool(frame)
    parts = [catboost_shap(m, pool) for m in model.models_]
    values = np.concatenate(parts, axis=1)  # (rows, classes, model features)
    sources = model.feature_sources()
    names = list(dict.fromkeys(sources.values()))
    index = {name: i for i, name in enumerate(names)}
    summing = np.zeros((len(model.feature_names_), len(names)))
    for j, feature in enumerate(model.feature_names_):
        summing[j, index[sources[feature]]] = 1.0
    grouped = values @ summing  # (rows, classes, sources)
    design = None
    shown = {}
    for name in names:
        if name == TOKENS_SOURCE:
            shown[name] = frame.get_column(TEXT)
        elif name in frame.columns:
            shown[name] = frame.get_column(name)
        else:  # a derived numeric column such as freq_bundle
            if design is None:
                design = model.design(frame)
            shown[name] = design.get_column(name)
    values_frame = pl.DataFrame(shown)
    long = shap_long(row_ids, values_frame, grouped, [str(c) for c in model.classes_])
    return long, shap_global(long)
