"""What a cluster run measured: k and how it was chosen, phik with the segments, and the
segment model with and without the cluster id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from modeling.contract import Metrics


@dataclass(kw_only=True)
class SegmentComparison:
    """The segment model trained with and without the cluster id, on the same rows."""

    auc_with_cluster: float | None = None
    auc_without_cluster: float | None = None
    auc_gain: float | None = None
    auc_by_class_with_cluster: dict[str, float] = field(default_factory=dict)
    auc_by_class_without_cluster: dict[str, float] = field(default_factory=dict)
    run_with_cluster: str = ""
    run_without_cluster: str = ""
    cluster_feature_used: bool = False
    metric: str = ""
    segment_options: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(kw_only=True)
class ClusterMetrics(Metrics):
    """k is the smallest whose phik with the segments is within a tolerance of the best."""

    headline: ClassVar[str] = "phik"

    k: int | None = None
    phik: float | None = None
    silhouette: float | None = None
    k_rule: str = ""
    k_range: list[int] = field(default_factory=list)
    phik_sample_rows: int = 0
    fit_sample_rows: int = 0
    silhouette_sample_rows: int = 0
    assigned_events: int = 0
    cluster_ids: str = "1..k"
    # Per variant (with and without day of month): the chosen k and the phik curve.
    curves: dict[str, Any] = field(default_factory=dict)
    day_of_month: dict[str, Any] = field(default_factory=dict)
    projection: dict[str, Any] = field(default_factory=dict)
    segment_model: SegmentComparison | None = None
