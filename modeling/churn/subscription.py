"""Training the subscription churn models: one for users on a trial, one on a paid plan."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import duckdb
import polars as pl

from modeling.churn.features import CATEGORICAL, KEYS, feature_columns, snapshot_features
from modeling.churn.labels import (
    COHORTS,
    GRACE_DAYS,
    HORIZON_DAYS,
    KIND_BY_COHORT,
    TARGET,
    build_snapshots,
    data_as_of,
    first_data_date,
    matured_snapshot_dates,
    row_ids,
    snapshot_labels,
    snapshot_oracle,
)
from modeling.churn.metrics import ChurnMetrics
from modeling.churn.train import ChurnTrainOptions, fit_and_register
from modeling.contract import Progress, Steps, TrainResult

log = logging.getLogger(__name__)

# Features need history to look back on: the first snapshot waits this long after the
# first payment, so early snapshots do not teach the model that "no history" is normal.
WARMUP_DAYS = 30


def subscription_dataset(
    con: duckdb.DuckDBPyConnection,
    dates: list[date],
    *,
    as_of: date,
    horizon: int = HORIZON_DAYS,
    grace: int = GRACE_DAYS,
) -> pl.DataFrame:
    """Matured snapshot rows of `dates` with features, label, row_id and oracle_p (or null)."""
    build_snapshots(con, dates)
    features = snapshot_features(con, grace=grace)
    labels = snapshot_labels(con, as_of=as_of, horizon=horizon, grace=grace)
    data = features.join(
        labels.select(*KEYS, "label", "matured", "lapse_date"), on=list(KEYS), how="inner"
    ).filter(pl.col("matured"))
    oracle = snapshot_oracle(con)
    if oracle is not None:
        data = data.join(oracle.rename({"p_churn": "oracle_p"}), on=list(KEYS), how="left")
    return data.drop("matured").with_columns(row_ids(data))


def train_subscription(
    con: duckdb.DuckDBPyConnection,
    options: ChurnTrainOptions | None = None,
    progress: Progress | None = None,
    *,
    cohorts: tuple[str, ...] = COHORTS,
) -> list[TrainResult[ChurnMetrics]]:
    """Validate, fit and register churn_trial and churn_paid: one result per model.

    Both cohorts' snapshots are built once; a cohort too thin to validate is skipped (and
    logged) without costing the other its model.
    """
    options = options or ChurnTrainOptions()
    as_of = options.date_to or data_as_of(con)
    first = first_data_date(con)
    dates = matured_snapshot_dates(
        as_of,
        count=options.snapshots,
        every_days=options.every_days,
        first_allowed=first + timedelta(days=WARMUP_DAYS) if first else None,
    )
    if len(dates) < 2:
        raise ValueError(
            f"only {len(dates)} matured snapshot date(s) before {as_of}: "
            f"need data spanning more than {HORIZON_DAYS + GRACE_DAYS + WARMUP_DAYS} days"
        )
    steps = Steps(progress, 1 + len(cohorts) * (options.folds + 1))
    data = subscription_dataset(con, dates, as_of=as_of)
    steps(f"{len(dates)} snapshots from {dates[0]} to {dates[-1]}: {data.height:,} rows")
    features = feature_columns(data)
    params = {
        "as_of": as_of.isoformat(),
        "horizon_days": HORIZON_DAYS,
        "grace_days": GRACE_DAYS,
        "snapshot_dates": [d.isoformat() for d in dates],
        "source": "subscription",
    }
    results: list[TrainResult[ChurnMetrics]] = []
    skipped: dict[str, str] = {}
    for cohort in cohorts:
        rows = data.filter(pl.col("cohort") == cohort)
        steps.note(f"{cohort}: {rows.height:,} rows")
        if rows.height == 0 or rows.get_column("label").n_unique() < 2:
            log.warning("no %s model: its snapshots hold one class or none", cohort)
            skipped[cohort] = "its snapshots hold one class or none"
            continue
        try:
            result = fit_and_register(
                con,
                rows,
                features,
                options,
                kind=KIND_BY_COHORT[cohort],
                cohort=cohort,
                target=TARGET,
                gap_days=HORIZON_DAYS + GRACE_DAYS,
                categorical=CATEGORICAL,
                params=params,
                steps=steps,
            )
        except ValueError as error:
            log.warning("no %s model: %s", cohort, error)
            skipped[cohort] = str(error)
            continue
        results.append(result)
    if not results:
        reasons = "; ".join(f"{c}: {r}" for c, r in skipped.items())
        raise ValueError(f"no churn model could be trained ({reasons})")
    return results
