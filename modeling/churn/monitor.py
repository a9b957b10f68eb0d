"""Quality of the churn vitrine once its labels have matured: marts.churn_monitoring.

For every scored date, cohort and model run whose outcome is known (score_date + horizon
+ grace <= the data's last date) the scores are judged against the labels (ROC-AUC,
PR-AUC, Brier, calibration) and against training (PSI of the score and of the model's
top features). Status turns red below ROC-AUC 0.70 or above PSI 0.2. Immature dates are
never judged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from modeling.churn import drift
from modeling.churn.activity import COHORT as ACTIVITY_COHORT
from modeling.churn.activity import activity_as_of, activity_frame, source_of_run
from modeling.churn.features import KEYS, snapshot_features
from modeling.churn.labels import build_snapshots, data_as_of, snapshot_labels
from modeling.evaluation import calibration_error
from modeling.registry import load_model_from, run_info
from queries import runner
from warehouse.db import transaction

log = logging.getLogger(__name__)

AUC_RED = 0.70


@dataclass
class MonitorReport:
    """Rows computed by this run and the whole monitoring table after it."""

    computed: pl.DataFrame
    table: pl.DataFrame

    def red(self) -> pl.DataFrame:
        """The latest judged date of each cohort, where it is red: what a scheduler alerts on."""
        if self.table.height == 0:
            return self.table
        latest = self.table.sort("score_date").group_by("cohort").last()
        return latest.filter(pl.col("status") == "red")


def judge(
    labels: np.ndarray,
    scores: np.ndarray,
    psi_score: float | None,
    psi_features: dict[str, float | None],
) -> dict:
    """Metrics and status of one scored date and cohort."""
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    both = len(np.unique(labels)) == 2
    row = {
        "rows": int(len(labels)),
        "positives": int(labels.sum()),
        "roc_auc": float(roc_auc_score(labels, scores)) if both else None,
        "pr_auc": float(average_precision_score(labels, scores)) if both else None,
        "brier": float(brier_score_loss(labels, scores)) if len(labels) else None,
        "calibration_error": calibration_error(labels, scores) if len(labels) else None,
        "psi_score": psi_score,
        "psi_features": json.dumps(psi_features),
    }
    reasons = []
    if row["roc_auc"] is None:
        reasons.append("ROC-AUC not defined: a single class among the scored users")
    elif row["roc_auc"] < AUC_RED:
        reasons.append(f"ROC-AUC {row['roc_auc']:.3f} < {AUC_RED:.2f}")
    if psi_score is not None and psi_score > drift.PSI_RED:
        reasons.append(f"score PSI {psi_score:.3f} > {drift.PSI_RED}")
    for name, value in psi_features.items():
        if value is not None and value > drift.PSI_RED:
            reasons.append(f"{name} PSI {value:.3f} > {drift.PSI_RED}")
    red = any(not r.startswith("ROC-AUC not defined") for r in reasons)
    row["status"] = "red" if red else "green"
    row["reasons"] = "; ".join(reasons) or None
    return row


def _due(con: duckdb.DuckDBPyConnection, recompute: bool) -> pl.DataFrame:
    """Scored groups whose labels have matured and that need (re)computing."""
    candidates = runner.run(con, "churn_monitor_candidates")
    if candidates.height == 0:
        return candidates.with_columns(pl.lit(None, pl.Date).alias("matures_on"))
    windows, as_of_by_source = {}, {}
    for run_id in candidates.get_column("run_id").unique().to_list():
        params = run_info(con, run_id)["params"]
        if params.get("source") == "activity":
            source = source_of_run(con, run_id)
            key = ("activity", source.table, source.user_col, source.time_col)
            if key not in as_of_by_source:
                as_of_by_source[key] = activity_as_of(con, source)
        else:
            key = ("subscription",)
            if key not in as_of_by_source:
                as_of_by_source[key] = data_as_of(con)
        windows[run_id] = (params["horizon_days"] + params["grace_days"], as_of_by_source[key])
    matures = [
        d + timedelta(days=windows[r][0])
        for d, r in candidates.select("score_date", "run_id").iter_rows()
    ]
    as_of = [windows[r][1] for r in candidates.get_column("run_id").to_list()]
    candidates = candidates.with_columns(
        pl.Series("matures_on", matures, dtype=pl.Date), pl.Series("as_of", as_of, dtype=pl.Date)
    ).filter(pl.col("matures_on") <= pl.col("as_of"))
    if not recompute:
        candidates = candidates.filter(
            pl.col("computed_at").is_null() | (pl.col("last_scored_at") > pl.col("computed_at"))
        )
    return candidates


def _labeled_frames(
    con: duckdb.DuckDBPyConnection, cohort: str, run_id: str, dates: list[date]
) -> pl.DataFrame:
    """Features and matured labels of the population of `dates` (subscription or activity)."""
    if cohort == ACTIVITY_COHORT:
        source = source_of_run(con, run_id)
        as_of = activity_as_of(con, source)
        frame = activity_frame(con, source, dates)
        labels = runner.run(
            con,
            "churn_activity_labels",
            {"horizon": source.horizon, "grace": source.grace, "as_of": as_of},
        )
    else:
        params = run_info(con, run_id)["params"]
        as_of = data_as_of(con)
        build_snapshots(con, dates)
        frame = snapshot_features(con, grace=params["grace_days"])
        labels = snapshot_labels(
            con, as_of=as_of, horizon=params["horizon_days"], grace=params["grace_days"]
        )
    labels = labels.filter(pl.col("matured")).select(*KEYS, "label")
    return frame.join(labels, on=list(KEYS), how="inner")


def monitor(con: duckdb.DuckDBPyConnection, *, recompute: bool = False) -> MonitorReport:
    """Judge every matured scored date not judged yet (or all with `recompute`) and store it."""
    due = _due(con, recompute)
    rows = []
    for (cohort, run_id), group in due.group_by(["cohort", "run_id"], maintain_order=True):
        dates = sorted(group.get_column("score_date").to_list())
        model = load_model_from(con, run_id)
        reference = getattr(model, "reference_", None)
        frames = _labeled_frames(con, cohort, run_id, dates)
        scores = runner.run(
            con, "churn_scores_for_dates", {"score_dates": dates, "cohort": cohort}
        ).filter(pl.col("run_id") == run_id)
        judged = scores.join(
            frames, left_on=["score_date", "user_id"], right_on=list(KEYS), how="inner"
        )
        for day in dates:
            part = judged.filter(pl.col("score_date") == day)
            probability = part.get_column("churn_probability")
            psi_score = drift.psi(reference["score"], probability) if reference else None
            psi_features = (
                {
                    name: drift.psi(ref, part.get_column(name))
                    for name, ref in reference["features"].items()
                    if name in part.columns
                }
                if reference
                else {}
            )
            row = judge(
                part.get_column("label").to_numpy(), probability.to_numpy(), psi_score, psi_features
            )
            rows.append({"score_date": day, "cohort": cohort, "run_id": run_id, **row})
    computed = _store(con, rows)
    return MonitorReport(computed, runner.run(con, "churn_monitoring_table"))


def _store(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> pl.DataFrame:
    schema = {
        "score_date": pl.Date, "cohort": pl.String, "run_id": pl.String, "rows": pl.Int64,
        "positives": pl.Int64, "roc_auc": pl.Float64, "pr_auc": pl.Float64,
        "brier": pl.Float64, "calibration_error": pl.Float64, "psi_score": pl.Float64,
        "psi_features": pl.String, "status": pl.String, "reasons": pl.String,
    }  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema).with_columns(
        pl.lit(datetime.now()).alias("computed_at")
    )
    if frame.height == 0:
        return frame
    con.complete()  # DuckDB 2: finish any pending result before registering a frame
    con.register("churn_new_monitoring", frame.to_arrow())
    try:
        with transaction(con):
            runner.execute(con, "churn_monitoring_replace")
            runner.execute(con, "churn_monitoring_insert")
    finally:
        con.unregister("churn_new_monitoring")
    log.info("monitoring: %d rows computed", frame.height)
    return frame
