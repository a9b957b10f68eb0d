"""Holdout metrics of a segment model, against the demo oracle when there is one."""

from __future__ import annotations

import numpy as np
import polars as pl

from modeling.evaluation import multiclass_curves, multiclass_metrics
from modeling.segment.features import CLASSES

ORACLE_COLUMNS = [f"p_segment_{k}" for k in CLASSES]


def holdout_metrics(y: np.ndarray, proba: np.ndarray, oracle: np.ndarray | None = None) -> dict:
    """multiclass_metrics plus lift at the top decile, predicted shares and the oracle gap.

    `oracle` holds the generator's true probabilities of the same rows, in the same order.
    """
    classes = list(CLASSES)
    metrics = multiclass_metrics(y, proba, classes)
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    metrics["predicted_share"] = {str(c): float((predicted == c).mean()) for c in classes}
    metrics["lift_top_10pct_by_class"] = {
        str(c): _top_lift(y == c, proba[:, i]) for i, c in enumerate(classes)
    }
    if oracle is not None:
        reference = multiclass_metrics(y, oracle, classes)
        metrics["oracle_roc_auc_by_class"] = reference["roc_auc_by_class"]
        metrics["oracle_roc_auc_macro"] = reference["roc_auc_macro"]
        metrics["oracle_log_loss"] = reference["log_loss"]
        metrics["gap_to_oracle_by_class"] = {
            c: reference["roc_auc_by_class"][c] - auc
            for c, auc in metrics["roc_auc_by_class"].items()
        }
        metrics["max_gap_to_oracle"] = max(metrics["gap_to_oracle_by_class"].values())
    return metrics


def _top_lift(positive: np.ndarray, score: np.ndarray, share: float = 0.1) -> float:
    n = max(1, int(len(score) * share))
    top = np.argsort(-score, kind="stable")[:n]
    base = positive.mean()
    return float(positive[top].mean() / base) if base > 0 else float("nan")


def holdout_curves(y: np.ndarray, proba: np.ndarray) -> pl.DataFrame:
    return multiclass_curves(y, proba, list(CLASSES))


def oracle_matrix(holdout_ids: np.ndarray, oracle: pl.DataFrame) -> np.ndarray | None:
    """The oracle's probabilities aligned with holdout_ids; None unless every row has one."""
    if oracle.is_empty():
        return None
    aligned = pl.DataFrame({"event_id": holdout_ids}).join(
        oracle, on="event_id", how="left", maintain_order="left"
    )
    matrix = aligned.select(ORACLE_COLUMNS).to_numpy()
    if np.isnan(matrix).any():
        return None
    # Stored as float32: renormalise so that each row sums to one in double precision.
    return matrix / matrix.sum(axis=1, keepdims=True)
