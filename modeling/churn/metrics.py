"""Rolling-origin validation of a churn model, fold by fold, beside the demo oracle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from modeling.contract import Metrics


@dataclass(kw_only=True)
class FoldResult:
    """Metrics of one rolling-origin fold."""

    fold: int = 0
    validate_on: str = ""
    train_until: str = ""
    train_rows: int = 0
    rows: int = 0
    positives: int = 0
    roc_auc: float = 0.0
    pr_auc: float = 0.0
    brier: float = 0.0
    calibration_error: float = 0.0
    oracle_roc_auc: float | None = None
    oracle_rows: int = 0
    # The model on the rows that have an oracle, when not every row has one.
    roc_auc_on_oracle_rows: float | None = None
    trees: int = 0


@dataclass(kw_only=True)
class ChurnMetrics(Metrics):
    """Means over the folds; the oracle gap is measured on the rows the oracle covers."""

    headline: ClassVar[str] = "roc_auc"

    cohort: str = ""
    roc_auc: float | None = None
    oracle_roc_auc: float | None = None
    oracle_gap: float | None = None
    pr_auc: float | None = None
    brier: float | None = None
    calibration_error: float | None = None
    positives: int = 0
    rows: int = 0
    train_rows: int = 0
    trees: int = 0
    folds: list[FoldResult] = field(default_factory=list)
