"""Coverage of segments by clusters, and cluster profiles, as pure functions.

These are the reference definitions; queries/sql/cluster_coverage.sql and
cluster_profiles.sql compute the same at warehouse scale, and the tests hold the two
to agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from modeling.clusters.features import check_columns

PROFILE_DIMENSIONS = ("local_hour", "local_weekday", "oblast", "gamecategory")
TOP_DIMENSIONS = ("oblast", "gamecategory")  # long tails: only the top values are kept
DEFAULT_TOP_N = 10


@dataclass(frozen=True)
class CoverageResult:
    """One row per cluster and segment: events, row_share, column_share, lift, cluster_size."""

    table: pl.DataFrame

    def matrix(self, value: str = "row_share") -> pl.DataFrame:
        """Clusters as rows, segments as columns, holding `value`."""
        if value not in ("events", "row_share", "column_share", "lift"):
            raise ValueError(f"unknown coverage value {value!r}")
        return self.table.pivot(on="segment", index="cluster", values=value).sort("cluster")


@dataclass(frozen=True)
class ProfileResult:
    """One row per cluster, dimension and value: events, share of the cluster's events."""

    table: pl.DataFrame
    top_n: int


def coverage(frame: pl.DataFrame) -> CoverageResult:
    """How segments spread over clusters; `frame` has cluster and segment (NULL = unlabeled).

    Shares and lift count labeled rows only; cluster_size counts every row of the cluster.
    """
    check_columns(frame, ["cluster", "segment"])
    sizes = frame.group_by("cluster").agg(pl.len().cast(pl.Int64).alias("cluster_size"))
    labeled = frame.filter(pl.col("segment").is_not_null())
    segments = labeled.select(pl.col("segment").unique())
    counts = labeled.group_by("cluster", "segment").agg(pl.len().cast(pl.Int64).alias("events"))
    total = labeled.height
    grid = (
        sizes.join(segments, how="cross")
        .join(counts, on=["cluster", "segment"], how="left")
        .with_columns(pl.col("events").fill_null(0))
    )
    cluster_labeled = pl.col("events").sum().over("cluster")
    segment_total = pl.col("events").sum().over("segment")
    table = (
        grid.with_columns(
            pl.when(cluster_labeled > 0)
            .then(pl.col("events") / cluster_labeled)
            .alias("row_share"),
            (pl.col("events") / segment_total).alias("column_share"),
            (segment_total / total).alias("_base_rate"),
        )
        .with_columns((pl.col("row_share") / pl.col("_base_rate")).alias("lift"))
        .select(
            pl.col("cluster").cast(pl.Int16),
            pl.col("segment").cast(pl.Int8),
            "events",
            "row_share",
            "column_share",
            "lift",
            "cluster_size",
        )
        .sort("cluster", "segment")
    )
    return CoverageResult(table)


def profiles(frame: pl.DataFrame, top_n: int = DEFAULT_TOP_N) -> ProfileResult:
    """Per cluster: all local hours and weekdays, the top `top_n` regions and app categories.

    Ties in the top lists are broken by value, alphabetically, so the result is stable.
    """
    check_columns(frame, ("cluster", *PROFILE_DIMENSIONS))
    if top_n < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    sizes = frame.group_by("cluster").agg(pl.len().alias("_size"))
    parts = []
    for dimension in PROFILE_DIMENSIONS:
        part = (
            frame.group_by("cluster", pl.col(dimension).cast(pl.String).alias("value"))
            .agg(pl.len().cast(pl.Int64).alias("events"))
            .join(sizes, on="cluster")
            .with_columns(
                pl.lit(dimension).alias("dimension"),
                (pl.col("events") / pl.col("_size")).alias("share"),
            )
        )
        if dimension in TOP_DIMENSIONS:
            part = (
                part.sort(["cluster", "events", "value"], descending=[False, True, False])
                .group_by("cluster", maintain_order=True)
                .head(top_n)
            )
        parts.append(part.select("cluster", "dimension", "value", "events", "share"))
    table = (
        pl.concat(parts)
        .with_columns(pl.col("cluster").cast(pl.Int16))
        .sort("cluster", "dimension", "events", "value", descending=[False, False, True, False])
    )
    return ProfileResult(table=table, top_n=top_n)
