"""Cluster charts: segment coverage per cluster and how k was chosen."""

from __future__ import annotations

from dataclasses import dataclass

import holoviews as hv
import polars as pl

from dashboard.charts.reader import Reader
from dashboard.charts.tables import rounded

MEASURES = ["row_share", "column_share", "lift"]


@dataclass(frozen=True)
class ClusterCoverage:
    """How the segments spread over one cluster run's clusters, and the k-selection scores."""

    run_id: str
    coverage: pl.DataFrame  # cluster, segment, events, row_share, column_share, lift, ...
    k_selection: pl.DataFrame  # variant, k, phik, silhouette; empty when not stored


def newest_cluster_run(reader: Reader) -> str:
    """The newest cluster run with coverage."""
    return reader.query("dashboard_cluster_runs").get_column("run_id")[0]


def load_cluster_coverage(reader: Reader, run_id: str | None = None) -> ClusterCoverage:
    """Coverage and k selection of a cluster run (default: the newest)."""
    run_id = run_id or newest_cluster_run(reader)
    k_selection = (
        reader.query("dashboard_cluster_k_selection", {"run_id": run_id})
        if reader.has_rows("marts.cluster_k_selection")
        else pl.DataFrame()
    )
    coverage = reader.query("dashboard_cluster_coverage", {"run_id": run_id})
    return ClusterCoverage(run_id, coverage, k_selection)


def coverage_heatmap(result: ClusterCoverage, measure: str = "row_share") -> hv.Overlay:
    """Segment (x) by cluster (y), coloured and labelled by `measure`."""
    if measure not in MEASURES:
        raise ValueError(f"unknown coverage measure {measure!r}; one of {MEASURES}")
    data = result.coverage.with_columns(
        pl.col("cluster").cast(pl.String), pl.col("segment").cast(pl.String)
    ).to_pandas()
    heat = hv.HeatMap(
        data, kdims=["segment", "cluster"], vdims=[measure, "events", "lift", "cluster_size"]
    )
    labels = hv.Labels(heat).opts(text_font_size="8pt", text_color="black")
    return (
        heat.opts(
            cmap="Blues",
            colorbar=True,
            tools=["hover"],
            responsive=True,
            shared_axes=False,
            height=320,
            title=f"Segment {measure.replace('_', ' ')} per cluster (run {result.run_id})",
        )
        * labels
    )


def coverage_table(result: ClusterCoverage) -> pl.DataFrame:
    """The coverage figures, one row per cluster and segment (rows of a table)."""
    return rounded(result.coverage)


def k_selection_curves(result: ClusterCoverage) -> hv.Overlay:
    """phik with the segments (and silhouette, when stored) for each k tried."""
    frame = result.k_selection.to_pandas()
    curves = []
    for (variant,), group in frame.groupby(["variant"]):
        curves.append(hv.Curve(group, "k", "phik", label=f"phik ({variant})").opts(tools=["hover"]))
        curves.append(hv.Scatter(group, "k", "phik").opts(size=6))
        if group["silhouette"].notna().any():
            curves.append(
                hv.Curve(group, "k", "silhouette", label=f"silhouette ({variant})").opts(
                    line_dash="dashed", tools=["hover"]
                )
            )
    return hv.Overlay(curves).opts(
        responsive=True,
        height=300,
        title="Choosing k: phik with segments",
        ylabel="score",
        legend_position="bottom_right",
    )
