"""SHAP attributions of CatBoost models, in the long form the registry stores.

CatBoost's own SHAP is used on purpose: `shap.TreeExplainer` on a CatBoost model
calls the same code at the same speed, and its interventional mode fails on
multiclass models.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from catboost import CatBoostClassifier, Pool


def catboost_shap(model: CatBoostClassifier, pool: Pool) -> np.ndarray:
    """SHAP values as (rows, classes, features); a binary model has one class axis entry.

    The expected value (CatBoost's last column) is dropped: it is the same for every row.
    """
    values = model.get_feature_importance(pool, type="ShapValues")
    if values.ndim == 2:  # binary: (rows, features + 1)
        values = values[:, None, :]
    return values[:, :, :-1]


def stratified_sample(frame: pl.DataFrame, label: str, size: int, seed: int = 0) -> pl.DataFrame:
    """Up to `size` rows with every label value represented in proportion (at least one each)."""
    if frame.height <= size:
        return frame
    fraction = size / frame.height
    parts = []
    for _, group in frame.group_by(label, maintain_order=True):
        take = max(1, round(group.height * fraction))
        parts.append(group.sample(n=min(take, group.height), seed=seed))
    return pl.concat(parts)


def shap_long(
    row_ids: np.ndarray,
    features: pl.DataFrame,
    values: np.ndarray,
    class_labels: list[str],
) -> pl.DataFrame:
    """Long form: row_id, class_label, feature, feature_value (text), shap_value."""
    n_rows, n_classes, n_features = values.shape
    if n_features != features.width or n_classes != len(class_labels):
        raise ValueError("SHAP array shape does not match the features and classes given")
    # One frame built from whole arrays, in (class, feature, row) order: a loop of
    # small frames per class and feature cost ~25 ms for a single explained row.
    feature_text = features.select(pl.all().cast(pl.String))
    ids = np.asarray(row_ids, dtype=np.int64)
    return pl.DataFrame(
        {
            "row_id": np.tile(ids, n_classes * n_features),
            "class_label": np.repeat(np.asarray(class_labels, dtype=object), n_features * n_rows),
            "feature": np.tile(np.repeat(np.asarray(features.columns), n_rows), n_classes),
            "feature_value": pl.concat(
                [feature_text.get_column(name) for name in features.columns] * n_classes
            ),
            "shap_value": values.transpose(1, 2, 0).reshape(-1).astype(float),
        },
        schema={
            "row_id": pl.Int64, "class_label": pl.String, "feature": pl.String,
            "feature_value": pl.String, "shap_value": pl.Float64,
        },
    )  # fmt: skip


def shap_global(long: pl.DataFrame) -> pl.DataFrame:
    """Mean |SHAP| per class and feature, largest first."""
    return (
        long.group_by("class_label", "feature")
        .agg(pl.col("shap_value").abs().mean().alias("mean_abs_shap"))
        .sort(["class_label", "mean_abs_shap"], descending=[False, True])
    )
