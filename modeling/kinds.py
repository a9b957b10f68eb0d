"""Every model kind the registry knows, and the type its stored metrics read back as.

A new kind adds one line here (docs/adding-a-model-kind.md). The types are named, not
imported, so that loading one kind's result never imports every other kind's code.
"""

from __future__ import annotations

from importlib import import_module

from modeling.contract import Metrics

METRICS_TYPES = {
    "segment": "modeling.segment.metrics:SegmentMetrics",
    "clusters": "modeling.clusters.metrics:ClusterMetrics",
    "churn_trial": "modeling.churn.metrics:ChurnMetrics",
    "churn_paid": "modeling.churn.metrics:ChurnMetrics",
    "churn_activity": "modeling.churn.metrics:ChurnMetrics",
    "table": "modeling.tabular.metrics:TableMetrics",
}


def metrics_type(kind: str) -> type[Metrics]:
    """The metrics type of a kind; plain `Metrics` (every figure in `extra`) for others."""
    name = METRICS_TYPES.get(kind)
    if name is None:
        return Metrics
    module, _, attribute = name.partition(":")
    return getattr(import_module(module), attribute)
