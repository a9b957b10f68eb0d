"""Activity churn, for businesses without subscriptions: any event table will do.

A user active in the last horizon + grace days before t churns when no event follows in
(t, t + horizon + grace]. Features are recency, frequency, monetary value, gaps between
active days and 30-day trends; validation, registry, vitrine and monitoring are the same
as the subscription models'.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from modeling.churn.features import KEYS, feature_columns
from modeling.churn.labels import GRACE_DAYS, HORIZON_DAYS, matured_snapshot_dates, row_ids
from modeling.churn.metrics import ChurnMetrics
from modeling.churn.model import ChurnModel
from modeling.churn.train import ChurnTrainOptions, fit_and_register
from modeling.churn.vitrine import vitrine_rows
from modeling.contract import Progress, Steps, TrainResult
from modeling.registry import load_model_from, run_info
from queries import runner

log = logging.getLogger(__name__)

KIND = "churn_activity"
COHORT = "activity"
WARMUP_DAYS = 30
# What the amount column reads as when the events carry no amount.
NO_AMOUNT = "null"
AMOUNT_FEATURES = (
    "amount_30d",
    "amount_90d",
    "amount_total",
    "avg_amount",
    "amount_change_30d_pct",
)


@dataclass(frozen=True)
class ActivitySource:
    """Which table holds the events, which columns mean what, and the churn window."""

    table: str
    user_col: str
    time_col: str
    amount_col: str | None = None
    horizon: int = HORIZON_DAYS
    grace: int = GRACE_DAYS

    @property
    def target(self) -> str:
        return f"no event in {self.table} within {self.horizon} + {self.grace} days"


def define_events(con: duckdb.DuckDBPyConnection, source: ActivitySource) -> None:
    """Check the table and columns exist, then define the churn_activity_events view."""
    schema, _, table = source.table.partition(".")
    if not table:
        raise ValueError(
            f"--activity-table must be schema.table, e.g. raw.orders; got {source.table!r}"
        )
    columns = runner.run(
        con, "churn_activity_columns", {"schema_name": schema, "table_name": table}
    )
    if columns.height == 0:
        raise ValueError(f"no table {source.table} in the warehouse")
    known = set(columns.get_column("column_name").to_list())
    for flag, name in (
        ("--user-col", source.user_col),
        ("--time-col", source.time_col),
        ("--amount-col", source.amount_col),
    ):
        if name is not None and name not in known:
            raise ValueError(f"{flag} {name!r} is not a column of {source.table}: {sorted(known)}")
    runner.execute(
        con,
        "churn_activity_events",
        identifiers={
            "table": (schema, table),
            "user_col": source.user_col,
            "time_col": source.time_col,
            "amount_col": source.amount_col or NO_AMOUNT,
        },
        # Only without an amount column: a column that is itself named "null" stays a name.
        allowed=() if source.amount_col else (NO_AMOUNT,),
    )


def activity_frame(
    con: duckdb.DuckDBPyConnection, source: ActivitySource, dates: list[date]
) -> pl.DataFrame:
    """Snapshot rows of `dates` with features and recommended_channel."""
    runner.execute(
        con,
        "churn_activity_snapshots",
        {"snapshot_dates": sorted(set(dates)), "lookback": source.horizon + source.grace},
    )
    runner.execute(con, "churn_keys_activity")
    frame = runner.run(con, "churn_activity_features")
    channel = runner.run(con, "churn_features_comms").select(*KEYS, "recommended_channel")
    frame = frame.join(channel, on=list(KEYS), how="left").with_columns(
        pl.lit(COHORT).alias("cohort")
    )
    if source.amount_col is None:
        frame = frame.drop(AMOUNT_FEATURES)
    return frame.sort(list(KEYS))


def activity_dataset(
    con: duckdb.DuckDBPyConnection, source: ActivitySource, dates: list[date], as_of: date
) -> pl.DataFrame:
    """Matured snapshot rows with features, label and row_id."""
    frame = activity_frame(con, source, dates)
    labels = runner.run(
        con,
        "churn_activity_labels",
        {"horizon": source.horizon, "grace": source.grace, "as_of": as_of},
    )
    data = frame.join(labels.select(*KEYS, "label", "matured"), on=list(KEYS)).filter(
        pl.col("matured")
    )
    return data.drop("matured").with_columns(row_ids(data))


def train_activity(
    con: duckdb.DuckDBPyConnection,
    source: ActivitySource,
    options: ChurnTrainOptions | None = None,
    progress: Progress | None = None,
) -> TrainResult[ChurnMetrics]:
    """Validate on time, fit and register a churn_activity model for `source`."""
    options = options or ChurnTrainOptions()
    define_events(con, source)
    bounds = runner.run(con, "churn_activity_as_of")
    first, last = bounds.item(0, "first_day"), bounds.item(0, "as_of")
    if last is None:
        raise ValueError(f"{source.table} has no events")
    as_of = options.date_to or last
    dates = matured_snapshot_dates(
        as_of,
        count=options.snapshots,
        every_days=options.every_days,
        horizon=source.horizon,
        grace=source.grace,
        first_allowed=first + timedelta(days=WARMUP_DAYS),
    )
    if len(dates) < 2:
        raise ValueError(f"{source.table}: too little history for matured snapshots before {as_of}")
    data = activity_dataset(con, source, dates, as_of)
    if data.height == 0 or data.get_column("label").n_unique() < 2:
        raise ValueError(f"{source.table}: the snapshots hold a single class; nothing to learn")
    features = feature_columns(data)
    params = {
        "as_of": as_of.isoformat(),
        "horizon_days": source.horizon,
        "grace_days": source.grace,
        "snapshot_dates": [d.isoformat() for d in dates],
        "source": "activity",
        "activity": asdict(source),
    }
    return fit_and_register(
        con,
        data,
        features,
        options,
        kind=KIND,
        cohort=COHORT,
        target=source.target,
        gap_days=source.horizon + source.grace,
        categorical=(),
        params=params,
        steps=Steps(progress, options.folds + 1),
    )


def source_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> ActivitySource:
    """The event table and window an activity run was trained on (from its params)."""
    return ActivitySource(**run_info(con, run_id)["params"]["activity"])


def activity_model(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> ChurnModel:
    return load_model_from(con, run_id, kind=KIND)


def activity_as_of(con: duckdb.DuckDBPyConnection, source: ActivitySource) -> date:
    define_events(con, source)
    return runner.run(con, "churn_activity_as_of").item(0, "as_of")


def score_activity(con: duckdb.DuckDBPyConnection, day: date, model: ChurnModel) -> pl.DataFrame:
    """Vitrine rows of users active in the horizon + grace days up to the end of `day`."""
    source = source_of_run(con, model.run_id_)
    as_of = activity_as_of(con, source)
    if day > as_of:
        raise ValueError(f"{day} is after the last event of {source.table} ({as_of})")
    frame = activity_frame(con, source, [day])
    return vitrine_rows(day, frame, model, COHORT, model.run_id_)
