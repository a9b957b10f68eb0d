"""Holdout metrics of a model on any labeled table (binary or multiclass target)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from modeling.contract import Figure, FlaggedComparison, Metrics


@dataclass(kw_only=True)
class TableMetrics(Metrics):
    """A binary target fills the binary figures, a multiclass one the per-class figures."""

    headline: ClassVar[str] = "roc_auc"

    # Binary targets.
    roc_auc: float | None = None
    pr_auc: float | None = None
    brier: float | None = None
    calibration_error: float | None = None
    positives: int | None = None
    positive_class: str | None = None
    # Multiclass targets.
    roc_auc_macro: float | None = None
    roc_auc_by_class: dict[str, float] | None = None
    pr_auc_by_class: dict[str, float] | None = None
    accuracy: float | None = None
    confusion_matrix: list[list[int]] | None = None
    class_share: dict[str, float] | None = None
    # Both.
    log_loss: float | None = None
    rows: int = 0
    split: str = ""
    with_flagged_features: FlaggedComparison | None = None
    leakage: dict[str, Any] = field(default_factory=dict)

    def headline_figure(self) -> Figure | None:
        name = "roc_auc" if self.roc_auc is not None else "roc_auc_macro"
        value = getattr(self, name)
        return None if value is None else Figure(name, value)
