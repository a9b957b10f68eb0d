"""A/B experiment analysis: pure statistics over per-client arrays, typed results.

- stats: one metric, one variant against control, raw and CUPED-adjusted
- srm: sample-ratio mismatch against the planned split
- correction: Holm and Benjamini-Hochberg across metrics
- power: clients for an MDE, or the MDE of a size
- sequential: always-valid p-values and confidence sequences (mSPRT)
- analysis: all of it over a per-client Polars frame
- simulate: a test whose true effects are known
"""

from modeling.experiments.analysis import ExperimentAnalysis, MetricSpec, analyze_experiment
from modeling.experiments.correction import adjust_p_values
from modeling.experiments.power import PowerPlan, plan_two_means, plan_two_proportions
from modeling.experiments.sequential import SequentialLook, SequentialResult, monitor
from modeling.experiments.srm import SrmCheck, check_sample_ratio
from modeling.experiments.stats import (
    CupedAdjustment,
    Effect,
    Interval,
    MetricComparison,
    VariantEstimate,
    compare_metric,
)

__all__ = [
    "CupedAdjustment",
    "Effect",
    "ExperimentAnalysis",
    "Interval",
    "MetricComparison",
    "MetricSpec",
    "PowerPlan",
    "SequentialLook",
    "SequentialResult",
    "SrmCheck",
    "VariantEstimate",
    "adjust_p_values",
    "analyze_experiment",
    "check_sample_ratio",
    "compare_metric",
    "monitor",
    "plan_two_means",
    "plan_two_proportions",
]
