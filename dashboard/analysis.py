"""Pure functions the pages need: threshold metrics, waterfall steps, beeswarm jitter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class ThresholdMetrics:
    """One-vs-rest quality of targeting everyone whose score is at least the threshold."""

    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    @property
    def reached(self) -> int:
        return self.true_positive + self.false_positive

    @property
    def total(self) -> int:
        return self.reached + self.false_negative + self.true_negative

    @property
    def precision(self) -> float:
        return self.true_positive / self.reached if self.reached else float("nan")

    @property
    def recall(self) -> float:
        positives = self.true_positive + self.false_negative
        return self.true_positive / positives if positives else float("nan")

    @property
    def audience_share(self) -> float:
        return self.reached / self.total if self.total else float("nan")


def threshold_metrics(counts: pl.DataFrame) -> ThresholdMetrics:
    """From the one-row frame of dashboard_threshold_confusion."""
    for column in ("true_positive", "false_positive", "false_negative", "true_negative"):
        if column not in counts.columns:
            raise ValueError(f"confusion counts lack column {column!r}")
    row = counts.row(0, named=True)
    return ThresholdMetrics(**{k: int(row[k] or 0) for k in ThresholdMetrics.__annotations__})


def waterfall_steps(contributions: pl.DataFrame, top: int = 10) -> pl.DataFrame:
    """Cumulative steps of a SHAP waterfall: the `top` largest features, the rest summed.

    Input columns feature, feature_value, shap_value. Output: label, shap_value, start, end
    (running sum before and after the step, from 0 = the model's base score).
    """
    for column in ("feature", "shap_value"):
        if column not in contributions.columns:
            raise ValueError(f"SHAP contributions lack column {column!r}")
    ordered = contributions.sort(pl.col("shap_value").abs(), descending=True)
    head, rest = ordered.head(top), ordered.slice(top)
    values = "feature_value" in ordered.columns
    labels = [
        f"{r['feature']} = {r['feature_value']}" if values else r["feature"]
        for r in head.iter_rows(named=True)
    ]
    shap = head.get_column("shap_value").to_list()
    if rest.height:
        labels.append(f"{rest.height} other features")
        shap.append(float(rest.get_column("shap_value").sum()))
    ends = np.cumsum(shap) if shap else np.array([])
    starts = ends - np.asarray(shap) if shap else np.array([])
    return pl.DataFrame(
        {"label": labels, "shap_value": shap, "start": starts, "end": ends},
        schema={
            "label": pl.String,
            "shap_value": pl.Float64,
            "start": pl.Float64,
            "end": pl.Float64,
        },
    )


def beeswarm_offsets(frame: pl.DataFrame, features: list[str], seed: int = 0) -> pl.DataFrame:
    """Add y (feature row + jitter that widens where points are dense) for a beeswarm plot."""
    rng = np.random.default_rng(seed)
    order = {name: i for i, name in enumerate(reversed(features))}
    kept = frame.filter(pl.col("feature").is_in(features))
    base = np.array([order[f] for f in kept.get_column("feature").to_list()], dtype=float)
    shap = kept.get_column("shap_value").to_numpy()
    jitter = np.zeros(len(base))
    for position in order.values():
        mask = base == position
        if mask.sum() < 2:
            continue
        values = shap[mask]
        hist, edges = np.histogram(values, bins=30)
        density = hist[np.clip(np.digitize(values, edges) - 1, 0, 29)] / max(hist.max(), 1)
        jitter[mask] = rng.uniform(-0.4, 0.4, mask.sum()) * density
    return kept.with_columns(pl.Series("y", base + jitter))
