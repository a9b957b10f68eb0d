"""Churn end to end on the demo warehouse (the generator's subscription service and oracle)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from modeling.churn.export import export_file
from modeling.churn.labels import data_as_of
from modeling.churn.monitor import monitor
from modeling.churn.score import score_day
from modeling.churn.subscription import train_subscription
from modeling.churn.train import ChurnTrainOptions
from modeling.registry import load_model_from
from warehouse.db import connect, fetch_frame

OPTIONS = ChurnTrainOptions(snapshots=30, folds=3, iterations=150, shap_rows=500)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_warehouse):
    path = tmp_path_factory.mktemp("churn_demo") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    con = connect(path)
    return con, train_subscription(con, OPTIONS)


def test_demo_models_are_judged_against_the_oracle(demo):
    _, results = demo
    assert {r.kind for r in results} == {"churn_trial", "churn_paid"}
    for result in results:
        # 3,000 users leave a cohort a few hundred churners to learn from and ~100 trial
        # rows per fold; the default demo (20,000 users) comes within 0.02 of the oracle.
        # Here every fold must still clear 0.70 and stay within 0.06 of it.
        cohort = result.metrics.cohort
        for fold in result.metrics.folds:
            assert fold.oracle_rows == fold.rows
            assert fold.roc_auc >= 0.70, (cohort, fold)
            assert -0.02 < fold.oracle_roc_auc - fold.roc_auc < 0.06, (cohort, fold)
            assert 20 <= fold.trees <= 150  # chosen by early stopping, up to the limit
        assert result.metrics.oracle_gap < 0.05
        assert result.metrics.headline_figure().oracle == result.metrics.oracle_roc_auc


def test_training_again_on_the_same_data_gives_the_same_model(demo):
    # Polars joins may return rows in any order and CatBoost's trees depend on row order:
    # training must put the rows in a fixed order for a retrain to reproduce the model.
    con, results = demo
    trial = next(r for r in results if r.metrics.cohort == "trial")
    again = train_subscription(con, OPTIONS, cohorts=("trial",))[0]
    assert again.run_id != trial.run_id
    assert again.metrics.folds == trial.metrics.folds


def test_demo_monitoring_leaves_clocks_out(demo):
    con, results = demo
    for result in results:
        reference = load_model_from(con, result.run_id).reference_
        assert len(reference["features"]) == 5
        assert not set(reference["features"]) & {"tenure_days", "account_age_days"}
        assert "snapshot_month" in reference["not_monitored"]
        if result.metrics.cohort == "paid":  # a paid base ages with the calendar; trials do not
            assert "clock" in reference["not_monitored"]["tenure_days"]


def test_demo_vitrine_monitoring_and_export(demo, tmp_path):
    con, _ = demo
    as_of = data_as_of(con)
    latest, matured = as_of, as_of - timedelta(days=40)
    for day in (latest, matured):
        assert sum(score_day(con, day).rows_by_cohort.values()) > 100
    table = monitor(con).table
    assert table.get_column("score_date").unique().to_list() == [matured]
    assert set(table.get_column("cohort")) == {"trial", "paid"}
    # The population has not changed within the training window: no PSI alarm.
    assert not table.get_column("reasons").fill_null("").str.contains("PSI").any()
    rows = export_file(con, latest, tmp_path / "churn.parquet")
    exported = pl.read_parquet(tmp_path / "churn.parquet")
    assert exported.height == rows
    counts = fetch_frame(
        con, "select count(*) as n from marts.churn_scores where score_date = ?", [latest]
    )
    assert counts.item(0, "n") == rows
