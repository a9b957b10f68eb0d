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
from modeling.churn.train import TrainOptions
from warehouse.db import connect, fetch_frame


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_warehouse):
    path = tmp_path_factory.mktemp("churn_demo") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    con = connect(path)
    options = TrainOptions(snapshots=30, folds=3, iterations=150, shap_rows=500)
    return con, train_subscription(con, options)


def test_demo_models_are_judged_against_the_oracle(demo):
    _, results = demo
    by_kind = {r.kind: r for r in results}
    assert set(by_kind) == {"churn_trial", "churn_paid"}
    paid = by_kind["churn_paid"].metrics
    assert paid["roc_auc"] >= 0.70
    assert 0 < paid["oracle_roc_auc"] - paid["roc_auc"] < 0.1
    for result in results:
        assert all(f["oracle_rows"] == f["rows"] for f in result.metrics["folds"])


def test_demo_vitrine_monitoring_and_export(demo, tmp_path):
    con, _ = demo
    as_of = data_as_of(con)
    latest, matured = as_of, as_of - timedelta(days=40)
    for day in (latest, matured):
        assert sum(score_day(con, day).rows_by_cohort.values()) > 100
    table = monitor(con).table
    assert table.get_column("score_date").unique().to_list() == [matured]
    assert set(table.get_column("cohort")) == {"trial", "paid"}
    rows = export_file(con, latest, tmp_path / "churn.parquet")
    exported = pl.read_parquet(tmp_path / "churn.parquet")
    assert exported.height == rows
    counts = fetch_frame(
        con, "select count(*) as n from marts.churn_scores where score_date = ?", [latest]
    )
    assert counts.item(0, "n") == rows
