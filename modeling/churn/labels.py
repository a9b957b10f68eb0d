"""Snapshots and labels of the subscription churn model.

A snapshot is a date t and a user whose subscription is active at t (a successful payment
made by the end of t covers t). The label says whether the subscription lapses within
(t, t + horizon] without a successful payment within `grace` days after the lapse. A row
is mature, usable for training and metrics, once t + horizon + grace <= the data's last
date; immature rows are never used for either.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import duckdb
import polars as pl

from queries import runner

log = logging.getLogger(__name__)

HORIZON_DAYS = 30
GRACE_DAYS = 2
TARGET = "churn within 30 days, 2 days grace"
COHORTS = ("trial", "paid")
KIND_BY_COHORT = {"trial": "churn_trial", "paid": "churn_paid"}


def data_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The data's last date: the latest event day over billing, viewing, app and messages."""
    value = runner.run(con, "churn_as_of").item(0, "as_of")
    if value is None:
        raise ValueError("raw.billing and the other subscription tables are empty; ingest first")
    return value


def matured_snapshot_dates(
    as_of: date,
    *,
    count: int,
    every_days: int = 7,
    horizon: int = HORIZON_DAYS,
    grace: int = GRACE_DAYS,
    first_allowed: date | None = None,
) -> list[date]:
    """Up to `count` snapshot dates, `every_days` apart, the latest one just matured.

    Dates are anchored on `as_of` so the same data always gives the same dates; none is
    earlier than `first_allowed` (leave features some history to look back on).
    """
    if count < 1 or every_days < 1:
        raise ValueError("count and every_days must be at least 1")
    latest = as_of - timedelta(days=horizon + grace)
    dates = [latest - timedelta(days=every_days * k) for k in range(count)]
    if first_allowed is not None:
        dates = [d for d in dates if d >= first_allowed]
    return sorted(dates)


def first_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The first day a successful payment covers: no snapshot before it has any subscriber."""
    return runner.run(con, "churn_as_of").item(0, "first_day")


def build_snapshots(con: duckdb.DuckDBPyConnection, dates: list[date]) -> int:
    """Fill the temporary tables churn_snapshots and churn_keys for `dates`; return the rows."""
    runner.execute(con, "churn_snapshots", {"snapshot_dates": sorted(set(dates))})
    runner.execute(con, "churn_keys_subscription")
    return runner.run(con, "churn_keys_count").item(0, "rows")


def snapshot_labels(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    horizon: int = HORIZON_DAYS,
    grace: int = GRACE_DAYS,
) -> pl.DataFrame:
    """Label of every row of churn_snapshots: snapshot_date, user_id, cohort, lapse_date,
    label (1 = churned), matured."""
    return runner.run(con, "churn_labels", {"horizon": horizon, "grace": grace, "as_of": as_of})


def snapshot_oracle(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """The demo generator's true churn probability per snapshot row, or None without one.

    Evaluation only: it measures how far a model is from the best possible one.
    """
    oracle = runner.run(con, "churn_oracle")
    if oracle.height == 0 or oracle.get_column("p_churn").null_count() == oracle.height:
        return None
    return oracle


def row_ids(frame: pl.DataFrame) -> pl.Series:
    """A readable id per snapshot row: user_id * 100000 + days since 1970-01-01 of the date.

    user_id alone repeats across snapshots; this stays unique for user ids below 9e13 and
    dates before 2243, and both parts can be read back (row_id // 100000, row_id % 100000).
    """
    days = frame.get_column("snapshot_date").cast(pl.Int32).cast(pl.Int64)
    return (frame.get_column("user_id").cast(pl.Int64) * 100_000 + days).alias("row_id")
