"""Cluster as a feature: the segment model trained with and without the cluster id.

Both runs go through modeling.segment.train_segment with the same options and
seed, so the cluster column is the only difference; both land in the registry as
segment runs with status 'comparison', so that neither becomes the segment model that
scores or that the dashboard shows.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import duckdb
import polars as pl

from modeling.clusters.metrics import SegmentComparison
from modeling.contract import Progress
from modeling.registry import run_info
from modeling.segment import SegmentTrainOptions, train_segment
from queries.runner import run

log = logging.getLogger(__name__)

CLUSTER_COLUMN = "cluster_id"


def cluster_frame(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """event_id, cluster_id (text, a category) of the labeled events of cluster run `run_id`.

    Only labeled events: the segment model trains and evaluates on nothing else.
    """
    frame = run(con, "cluster_labeled_assignments", {"run_id": run_id})
    if frame.height == 0:
        raise ValueError(f"cluster run {run_id} has no assignments of labeled events")
    return frame


def compare_segment_model(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    options: SegmentTrainOptions | None = None,
    progress: Progress | None = None,
) -> SegmentComparison:
    """Train the segment model with and without the cluster id; both AUCs and run ids."""
    options = options or SegmentTrainOptions()
    # The same model choices on both sides. Both runs exist to be compared: neither may
    # become the segment model that scores.
    options = replace(options, compare=False, for_comparison=True)
    clusters = cluster_frame(con, run_id)
    with_result = train_segment(
        con,
        options,
        progress,
        extra_frame=clusters,
        extra_categorical=[CLUSTER_COLUMN],
    )
    without_result = train_segment(con, options, progress)
    with_cluster, without_cluster = with_result.run_id, without_result.run_id
    used = CLUSTER_COLUMN in run_info(con, with_cluster)["features"].get("inputs", [])
    with_auc = with_result.metrics.roc_auc_macro
    without_auc = without_result.metrics.roc_auc_macro
    result = SegmentComparison(
        auc_with_cluster=with_auc,
        auc_without_cluster=without_auc,
        auc_gain=with_auc - without_auc,
        auc_by_class_with_cluster=with_result.metrics.roc_auc_by_class,
        auc_by_class_without_cluster=without_result.metrics.roc_auc_by_class,
        run_with_cluster=with_cluster,
        run_without_cluster=without_cluster,
        cluster_feature_used=used,
        metric="holdout ROC-AUC, macro over segments (one-vs-rest)",
        segment_options={
            "sample_rows": options.sample_rows,
            "holdout_rows": options.holdout_rows,
            "holdout_days": options.holdout_days,
            "seed": options.seed,
            "model": options.model,
        },
        # The leakage guard may keep the column out; then both models are the same.
        note="" if used else "the leakage guard kept cluster_id out of the model",
    )
    log.info(
        "segment ROC-AUC with cluster %.4f, without %.4f",
        result.auc_with_cluster,
        result.auc_without_cluster,
    )
    return result
