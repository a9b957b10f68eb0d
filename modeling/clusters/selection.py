"""Choosing k: phik correlation between cluster and segment, silhouette alongside.

The public solution this project improves on took the k of highest phik. phik keeps
creeping up as clusters split (a finer partition can only keep or add information
about the segment), so "highest" tends to the largest k tried. We take the smallest k
whose phik is within `tolerance` of the best instead: beyond it, more clusters are
harder to read and say no more about the segments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from phik.phik import phik_from_array
from sklearn.metrics import silhouette_score

from modeling.clusters.features import check_columns
from modeling.clusters.model import ClusterModel

DEFAULT_KS = tuple(range(3, 21))
DEFAULT_TOLERANCE = 0.01


@dataclass
class KSelection:
    """The curves over k for one feature variant, and the k they chose."""

    variant: str
    curve: pl.DataFrame  # k, phik, silhouette, inertia
    chosen_k: int
    tolerance: float
    models: dict[int, ClusterModel] = field(repr=False, default_factory=dict)

    @property
    def chosen(self) -> dict:
        row = self.curve.filter(pl.col("k") == self.chosen_k).row(0, named=True)
        return {"k": self.chosen_k, "phik": row["phik"], "silhouette": row["silhouette"]}

    @property
    def model(self) -> ClusterModel:
        return self.models[self.chosen_k]


def cluster_segment_phik(clusters: np.ndarray, segments: np.ndarray) -> float:
    """phik between two categorical arrays (phik's own phik_from_array, noise corrected)."""
    if len(clusters) != len(segments):
        raise ValueError("clusters and segments differ in length")
    if len(np.unique(clusters)) < 2 or len(np.unique(segments)) < 2:
        return 0.0  # no variation on one side: no dependence to measure
    return float(phik_from_array(np.asarray(clusters), np.asarray(segments)))


def choose_k(curve: pl.DataFrame, tolerance: float = DEFAULT_TOLERANCE) -> int:
    """The smallest k whose phik is within `tolerance` of the best phik on the curve."""
    check_columns(curve, ["k", "phik"])
    if curve.height == 0:
        raise ValueError("no k was tried")
    best = curve.get_column("phik").max()
    good = curve.filter(pl.col("phik") >= best - tolerance)
    return int(good.get_column("k").min())


def select_k(
    fit_frame: pl.DataFrame,
    eval_frame: pl.DataFrame,
    *,
    frequency: pl.DataFrame | None = None,
    include_day_of_month: bool = False,
    ks: Sequence[int] = DEFAULT_KS,
    tolerance: float = DEFAULT_TOLERANCE,
    silhouette_rows: int = 5000,
    random_state: int = 0,
    model_params: dict | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> KSelection:
    """Fit one model per k on `fit_frame`; score phik with `segment` on `eval_frame`.

    `eval_frame` holds labeled rows (the source columns and `segment`); silhouette is
    measured on a random subsample of `silhouette_rows` fit rows (it is quadratic).
    """
    check_columns(eval_frame, ["segment"])
    if eval_frame.get_column("segment").null_count():
        raise ValueError("eval_frame must hold labeled rows only (segment is NULL somewhere)")
    ks = sorted(set(ks))
    if not ks or ks[0] < 2:
        raise ValueError(f"k must range over integers >= 2, got {ks}")
    segments = eval_frame.get_column("segment").to_numpy()
    rng = np.random.default_rng(random_state)
    sub = rng.choice(fit_frame.height, size=min(silhouette_rows, fit_frame.height), replace=False)
    silhouette_frame = fit_frame[np.sort(sub)]
    rows, models = [], {}
    for k in ks:
        model = ClusterModel(
            n_clusters=k,
            include_day_of_month=include_day_of_month,
            random_state=random_state,
            **(model_params or {}),
        ).fit(fit_frame, frequency)
        clusters = model.predict(eval_frame)
        scaled = model.transform(silhouette_frame)
        labels = model.predict_scaled(scaled)
        silhouette = (
            float(silhouette_score(scaled, labels, random_state=random_state))
            if 1 < len(np.unique(labels)) < len(labels)
            else None
        )
        rows.append(
            {
                "k": k,
                "phik": cluster_segment_phik(clusters, segments),
                "silhouette": silhouette,
                "inertia": float(model.kmeans_.inertia_),
            }
        )
        models[k] = model
        if progress is not None:
            progress(model.spec.variant, k)
    curve = pl.DataFrame(
        rows,
        schema={"k": pl.Int16, "phik": pl.Float64, "silhouette": pl.Float64, "inertia": pl.Float64},
    )
    chosen = choose_k(curve, tolerance)
    return KSelection(
        variant=models[chosen].spec.variant,
        curve=curve,
        chosen_k=chosen,
        tolerance=tolerance,
        models=models,
    )
