"""Holdout metrics of a segment model, beside the demo oracle's on the same events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from modeling.contract import FlaggedComparison, Metrics


@dataclass(kw_only=True)
class SegmentMetrics(Metrics):
    """One-vs-rest ROC-AUC per segment (1..5) and their macro mean on the latest days."""

    headline: ClassVar[str] = "roc_auc_macro"

    roc_auc_macro: float | None = None
    oracle_roc_auc_macro: float | None = None
    roc_auc_by_class: dict[str, float] = field(default_factory=dict)
    oracle_roc_auc_by_class: dict[str, float] | None = None
    pr_auc_by_class: dict[str, float] = field(default_factory=dict)
    log_loss: float | None = None
    oracle_log_loss: float | None = None
    accuracy: float | None = None
    confusion_matrix: list[list[int]] = field(default_factory=list)
    class_share: dict[str, float] = field(default_factory=dict)
    predicted_share: dict[str, float] = field(default_factory=dict)
    lift_top_10pct_by_class: dict[str, float] = field(default_factory=dict)
    gap_to_oracle_by_class: dict[str, float] | None = None
    max_gap_to_oracle: float | None = None
    rows: int = 0
    flagged_features_included: bool = False
    # The same model with (or, with --include-flagged, without) the flagged features.
    with_flagged_features: FlaggedComparison | None = None
    without_flagged_features: FlaggedComparison | None = None
    leakage: dict[str, Any] = field(default_factory=dict)
    class_imbalance: dict[str, Any] = field(default_factory=dict)
    shap_rows_per_second: float | None = None
