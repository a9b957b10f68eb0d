"""Metrics and curves shared by every model kind, in the shapes the registry stores."""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

MAX_CURVE_POINTS = 200


def calibration_error(y_true: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    y_true = np.asarray(y_true, dtype=float)
    proba = np.asarray(proba, dtype=float)
    which = np.minimum((proba * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(proba[mask].mean() - y_true[mask].mean())
    return float(error)


def binary_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """ROC-AUC, PR-AUC, log loss, Brier score and calibration error of a binary score."""
    y_true = np.asarray(y_true).astype(int)
    proba = np.clip(np.asarray(proba, dtype=float), 1e-9, 1 - 1e-9)
    if len(np.unique(y_true)) < 2:
        raise ValueError("metrics need both classes among the evaluated rows")
    return {
        "roc_auc": float(roc_auc_score(y_true, proba)),
        "pr_auc": float(average_precision_score(y_true, proba)),
        "log_loss": float(log_loss(y_true, proba, labels=[0, 1])),
        "brier": float(brier_score_loss(y_true, proba)),
        "calibration_error": calibration_error(y_true, proba),
        "positives": int(y_true.sum()),
        "rows": int(len(y_true)),
    }


def multiclass_metrics(y_true: np.ndarray, proba: np.ndarray, classes: list) -> dict:
    """Per-class one-vs-rest ROC-AUC and PR-AUC, their macro mean, log loss, confusion matrix."""
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, dtype=float)
    by_class, pr_by_class = {}, {}
    for i, label in enumerate(classes):
        positives = (y_true == label).astype(int)
        if 0 < positives.sum() < len(positives):
            by_class[str(label)] = float(roc_auc_score(positives, proba[:, i]))
            pr_by_class[str(label)] = float(average_precision_score(positives, proba[:, i]))
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    return {
        "roc_auc_macro": float(np.mean(list(by_class.values()))),
        "roc_auc_by_class": by_class,
        "pr_auc_by_class": pr_by_class,
        "log_loss": float(log_loss(y_true, np.clip(proba, 1e-9, 1), labels=classes)),
        "accuracy": float((predicted == y_true).mean()),
        "confusion_matrix": confusion_matrix(y_true, predicted, labels=classes).tolist(),
        "class_share": {str(c): float((y_true == c).mean()) for c in classes},
        "rows": int(len(y_true)),
    }


def _thin(*arrays: np.ndarray) -> list[np.ndarray]:
    # Curves are drawn, not recomputed: a few hundred points keep the shape.
    n = len(arrays[0])
    if n <= MAX_CURVE_POINTS:
        return list(arrays)
    keep = np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).astype(int))
    return [a[keep] for a in arrays]


def binary_curves(y_true: np.ndarray, proba: np.ndarray, class_label: str) -> pl.DataFrame:
    """ROC, PR, lift, cumulative gain and calibration points for one (one-vs-rest) class."""
    y_true = np.asarray(y_true).astype(int)
    proba = np.asarray(proba, dtype=float)
    parts = []

    fpr, tpr, thr = roc_curve(y_true, proba)
    parts.append(("roc", *_thin(fpr, tpr, np.clip(thr, 0, 1))))

    precision, recall, thr = precision_recall_curve(y_true, proba)
    parts.append(("pr", *_thin(recall[:-1], precision[:-1], thr)))

    order = np.argsort(-proba, kind="stable")
    captured = np.cumsum(y_true[order])
    share_targeted = np.arange(1, len(order) + 1) / len(order)
    base_rate = y_true.mean()
    gain = captured / max(captured[-1], 1)
    lift = (captured / np.arange(1, len(order) + 1)) / max(base_rate, 1e-12)
    sorted_scores = proba[order]
    parts.append(("gain", *_thin(share_targeted, gain, sorted_scores)))
    parts.append(("lift", *_thin(share_targeted, lift, sorted_scores)))

    bins = np.minimum((proba * 10).astype(int), 9)
    mean_pred, observed, centers = [], [], []
    for b in range(10):
        mask = bins == b
        if mask.any():
            mean_pred.append(proba[mask].mean())
            observed.append(y_true[mask].mean())
            centers.append((b + 0.5) / 10)
    parts.append(("calibration", np.array(mean_pred), np.array(observed), np.array(centers)))

    frames = [
        pl.DataFrame(
            {
                "curve": curve,
                "class_label": class_label,
                "point": np.arange(len(x), dtype=np.int32),
                "x": x.astype(float),
                "y": y.astype(float),
                "threshold": t.astype(float),
            }
        )
        for curve, x, y, t in parts
    ]
    return pl.concat(frames)


def multiclass_curves(y_true: np.ndarray, proba: np.ndarray, classes: list) -> pl.DataFrame:
    """One-vs-rest curves for every class."""
    y_true = np.asarray(y_true)
    return pl.concat(
        [
            binary_curves((y_true == label).astype(int), proba[:, i], str(label))
            for i, label in enumerate(classes)
            if 0 < (y_true == label).sum() < len(y_true)
        ]
    )
