"""The daily churn vitrine: `portrait score churn --date D` writes marts.churn_scores.

Every registered churn model (trial, paid, activity) scores the users active at the end
of the date; the rows are written by modeling.churn.vitrine in one transaction per date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from modeling.churn.activity import activity_model, score_activity
from modeling.churn.features import snapshot_features
from modeling.churn.labels import COHORTS, KIND_BY_COHORT, build_snapshots, data_as_of
from modeling.churn.model import ChurnModel
from modeling.churn.vitrine import VITRINE_COLUMNS, replace_scores, vitrine_rows
from modeling.contract import Progress, Steps
from modeling.registry import latest_run_id, load_model_from

log = logging.getLogger(__name__)


@dataclass
class ScoreResult:
    """What scoring one date wrote."""

    score_date: date
    rows_by_cohort: dict[str, int]
    run_ids: dict[str, str]


def subscription_models(
    con: duckdb.DuckDBPyConnection, run_ids: dict[str, str] | None = None
) -> dict[str, ChurnModel]:
    """The models to score with per cohort: the given runs, else the latest of each kind."""
    models = {}
    for cohort in COHORTS:
        run_id = (run_ids or {}).get(cohort)
        try:
            models[cohort] = load_model_from(con, run_id, kind=KIND_BY_COHORT[cohort])
        except ValueError:
            if run_id is not None:
                raise
            log.warning("no %s model registered; %s users are not scored", cohort, cohort)
    return models


def score_subscription(
    con: duckdb.DuckDBPyConnection, day: date, models: dict[str, ChurnModel]
) -> pl.DataFrame:
    """Vitrine rows of every subscriber active at the end of `day`."""
    build_snapshots(con, [day])
    frame = snapshot_features(con)
    parts = [
        vitrine_rows(day, frame.filter(pl.col("cohort") == cohort), model, cohort, model.run_id_)
        for cohort, model in models.items()
    ]
    return pl.concat(parts) if parts else pl.DataFrame()


def available_kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Which churn scorers have a registered model: subscription and/or activity."""
    kinds = []
    for name, model_kinds in (
        ("subscription", list(KIND_BY_COHORT.values())),
        ("activity", ["churn_activity"]),
    ):
        for kind in model_kinds:
            try:
                latest_run_id(con, kind)
            except ValueError:
                continue
            kinds.append(name)
            break
    return kinds


def score_day(
    con: duckdb.DuckDBPyConnection, day: date, *, kinds: list[str] | None = None
) -> ScoreResult:
    """Score one date with every registered churn model (or the `kinds` given) and write it."""
    kinds = kinds or available_kinds(con)
    if not kinds:
        raise ValueError("no churn model in the registry; run `portrait train churn` first")
    rows_by_cohort, run_ids, parts = {}, {}, []
    if "subscription" in kinds:
        as_of = data_as_of(con)
        if day > as_of:
            raise ValueError(f"{day} is after the data's last date {as_of}: nothing to score yet")
        models = subscription_models(con)
        parts.append(score_subscription(con, day, models))
        run_ids.update({cohort: model.run_id_ for cohort, model in models.items()})
    if "activity" in kinds:
        model = activity_model(con)
        parts.append(score_activity(con, day, model))
        run_ids["activity"] = model.run_id_
    rows = pl.concat([p for p in parts if p.height]) if any(p.height for p in parts) else None
    for cohort in run_ids:
        rows_by_cohort[cohort] = (
            0 if rows is None else rows.filter(pl.col("cohort") == cohort).height
        )
    if rows is None:
        rows = pl.DataFrame(schema={c: pl.Null for c in VITRINE_COLUMNS})
    replace_scores(con, day, list(run_ids), rows)
    log.info("scored %s: %s", day, rows_by_cohort)
    return ScoreResult(day, rows_by_cohort, run_ids)


def score_range(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    *,
    kinds: list[str] | None = None,
    progress: Progress | None = None,
) -> list[ScoreResult]:
    """Backfill: score every date from `first` to `last`, each in its own transaction."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    steps = Steps(progress, len(days))
    results = []
    for day in days:
        results.append(score_day(con, day, kinds=kinds))
        steps(f"scored {day}")
    return results
