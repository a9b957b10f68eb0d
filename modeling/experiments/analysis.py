"""The whole analysis of one experiment from a per-client frame: SRM, every metric for
every variant against control (raw and CUPED), and the correction across comparisons.

The correction runs over every (metric, variant) comparison of the analysis, on each
comparison's primary p-value (CUPED when a covariate is given): with two arms that is
the correction across metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from modeling.experiments.correction import CorrectionMethod, adjust_p_values
from modeling.experiments.inputs import METRIC_KINDS, MetricKind
from modeling.experiments.srm import SRM_THRESHOLD, SrmCheck, check_sample_ratio
from modeling.experiments.stats import MetricComparison, compare_metric


@dataclass(frozen=True)
class MetricSpec:
    """A metric to analyse: its column, kind, and optional pre-assignment covariate column."""

    name: str
    column: str
    kind: MetricKind
    covariate: str | None = None


@dataclass(frozen=True)
class ExperimentAnalysis:
    """SRM check and one comparison per metric and variant, corrected together."""

    control: str
    variants: tuple[str, ...]
    srm: SrmCheck
    correction: CorrectionMethod
    alpha: float
    comparisons: tuple[MetricComparison, ...]

    def comparison(self, metric: str, variant: str) -> MetricComparison:
        for item in self.comparisons:
            if item.metric == metric and item.variant == variant:
                return item
        raise KeyError(f"no comparison for metric {metric!r} and variant {variant!r}")


def analyze_experiment(
    frame: pl.DataFrame,
    metrics: Sequence[MetricSpec],
    *,
    variant_column: str = "variant",
    control: str = "control",
    planned_split: Mapping[str, float] | None = None,
    correction: CorrectionMethod = "holm",
    alpha: float = 0.05,
    srm_threshold: float = SRM_THRESHOLD,
) -> ExperimentAnalysis:
    """Analyse one client per row; `planned_split` defaults to equal shares of the variants seen."""
    if not metrics:
        raise ValueError("give at least one metric to analyse")
    _check_columns(frame, variant_column, metrics)
    variant_values = frame.get_column(variant_column).cast(pl.String)
    if variant_values.null_count():
        raise ValueError(f"column {variant_column!r} has {variant_values.null_count()} null(s)")
    counts = variant_values.value_counts()
    observed = dict(zip(counts[variant_column].to_list(), counts["count"].to_list(), strict=True))
    split = (
        dict(planned_split) if planned_split is not None else dict.fromkeys(sorted(observed), 1.0)
    )
    if len(set(observed) | set(split)) < 2:
        raise ValueError(
            f"an experiment needs at least two variants; found only {sorted(observed)}"
        )
    if control not in split:
        raise ValueError(f"control variant {control!r} is not among the variants {sorted(split)}")
    srm = check_sample_ratio(observed, split, srm_threshold)
    masks = {v: (variant_values == v).to_numpy() for v in srm.variants}
    comparisons = []
    for spec in metrics:
        values = _column(frame, spec.column, spec.name)
        covariate = _column(frame, spec.covariate, spec.name) if spec.covariate else None
        for variant in srm.variants:
            if variant == control:
                continue
            comparisons.append(
                compare_metric(
                    spec.name,
                    spec.kind,
                    values[masks[control]],
                    values[masks[variant]],
                    control_covariate=None if covariate is None else covariate[masks[control]],
                    treatment_covariate=None if covariate is None else covariate[masks[variant]],
                    control_name=control,
                    treatment_name=variant,
                    alpha=alpha,
                )
            )
    adjusted = adjust_p_values([c.primary.p_value for c in comparisons], correction)
    return ExperimentAnalysis(
        control=control,
        variants=srm.variants,
        srm=srm,
        correction=correction,
        alpha=alpha,
        comparisons=tuple(
            replace(c, p_value_adjusted=p) for c, p in zip(comparisons, adjusted, strict=True)
        ),
    )


def _check_columns(frame: pl.DataFrame, variant_column: str, metrics: Sequence[MetricSpec]) -> None:
    names = [s.name for s in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"metric names must be unique: {names}")
    needed = (
        [variant_column]
        + [s.column for s in metrics]
        + [s.covariate for s in metrics if s.covariate]
    )
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; the frame has {frame.columns}")
    for spec in metrics:
        if spec.kind not in METRIC_KINDS:
            raise ValueError(f"metric {spec.name!r}: kind must be one of {METRIC_KINDS}")


def _column(frame: pl.DataFrame, column: str, metric: str) -> np.ndarray:
    series = frame.get_column(column)
    if series.null_count():
        raise ValueError(f"metric {metric!r}: column {column!r} has {series.null_count()} null(s)")
    if not series.dtype.is_numeric() and series.dtype != pl.Boolean:
        raise ValueError(f"metric {metric!r}: column {column!r} is {series.dtype}, not numeric")
    return series.cast(pl.Float64).to_numpy()
