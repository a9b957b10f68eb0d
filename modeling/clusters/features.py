"""Features of the behavioural clusters: when (local hour, weekday) and where (region).

Time is encoded on the circle (23 h is next to 0 h, Sunday next to Monday). The region
is encoded by what it means rather than by an arbitrary label code: its offset from
Moscow, its population and salary rank (ref.regions), and how common it is among the
events. Day of month is an export artifact; it is added only when asked for, to show
what it changes.

The same raw values are computed in SQL by queries/sql/cluster_assign.sql; keep the
two in step (tests/queries/test_cluster_sql.py checks that they agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

# Columns of features.ad_events that the cluster features are computed from.
SOURCE_COLUMNS = (
    "local_hour",
    "local_weekday",
    "day_of_month",
    "oblast",
    "region_msk_offset",
    "region_population",
    "region_salary_rank",
)

TIME_FEATURES = ("hour_sin", "hour_cos", "weekday_sin", "weekday_cos")
REGION_FEATURES = (
    "region_msk_offset",
    "region_log_population",
    "region_salary_rank",
    "region_log_frequency",
)
DAY_OF_MONTH = "day_of_month"

VARIANT_WITHOUT = "without_day_of_month"
VARIANT_WITH = "with_day_of_month"


@dataclass(frozen=True)
class FeatureSpec:
    """Which cluster features a model uses; the order is the model's input order."""

    include_day_of_month: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        extra = (DAY_OF_MONTH,) if self.include_day_of_month else ()
        return TIME_FEATURES + extra + REGION_FEATURES

    @property
    def variant(self) -> str:
        return VARIANT_WITH if self.include_day_of_month else VARIANT_WITHOUT


def check_columns(frame: pl.DataFrame, columns: tuple[str, ...] | list[str]) -> None:
    """Raise a ValueError naming the first column `frame` lacks."""
    for name in columns:
        if name not in frame.columns:
            raise ValueError(f"column {name!r} is missing (expected {list(columns)})")


def region_frequency(frame: pl.DataFrame) -> pl.DataFrame:
    """oblast, events, log_share: how common each region is among the rows of `frame`."""
    check_columns(frame, ["oblast"])
    total = frame.height
    if total == 0:
        raise ValueError("cannot compute region frequency on no rows")
    return (
        frame.group_by("oblast")
        .agg(pl.len().cast(pl.Int64).alias("events"))
        .with_columns((pl.col("events") / total).log().alias("log_share"))
        .sort("oblast")
    )


def raw_features(frame: pl.DataFrame, frequency: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    """The raw (unstandardised) features in `spec` order; NULL where the region is unknown.

    `frequency` is the region frequency table (oblast, log_share) the model was fitted
    with; a region absent from it gets NULL, which standardisation turns into the mean.
    """
    check_columns(frame, SOURCE_COLUMNS)
    check_columns(frequency, ["oblast", "log_share"])
    # Same operation order as the SQL (2 * pi * value / period) so both sides round alike.
    hour = pl.col("local_hour").cast(pl.Float64) * (2.0 * math.pi) / 24.0
    weekday = (pl.col("local_weekday").cast(pl.Float64) - 1.0) * (2.0 * math.pi) / 7.0
    expressions = {
        "hour_sin": hour.sin(),
        "hour_cos": hour.cos(),
        "weekday_sin": weekday.sin(),
        "weekday_cos": weekday.cos(),
        DAY_OF_MONTH: pl.col("day_of_month").cast(pl.Float64),
        "region_msk_offset": pl.col("region_msk_offset").cast(pl.Float64),
        "region_log_population": pl.col("region_population").cast(pl.Float64).log10(),
        "region_salary_rank": pl.col("region_salary_rank").cast(pl.Float64),
        "region_log_frequency": pl.col("log_share").cast(pl.Float64),
    }
    joined = frame.select(SOURCE_COLUMNS).join(
        frequency.select("oblast", "log_share"), on="oblast", how="left", maintain_order="left"
    )
    return joined.select([expressions[name].alias(name) for name in spec.names])
