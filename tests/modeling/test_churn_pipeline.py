"""Churn end to end on a small synthetic service: train, score, re-score, monitor, export."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
import numpy as np
import polars as pl
import psycopg
import pytest
from churn_world import RAW_COLUMNS, build_world
from click.testing import CliRunner
from postgres_server import postgres_server, server_binaries

from modeling.churn.labels import GRACE_DAYS, HORIZON_DAYS
from modeling.churn.monitor import MonitorReport, judge, monitor
from modeling.churn.score import score_day
from modeling.churn.subscription import train_subscription
from modeling.churn.train import ChurnTrainOptions, rolling_origin_folds
from modeling.churn.vitrine import VITRINE_COLUMNS, replace_scores
from modeling.registry import load_model_from, run_info
from portrait.churn_cmds import churn, train_churn
from warehouse.db import connect, fetch_frame

OPTIONS = ChurnTrainOptions(snapshots=8, every_days=7, folds=2, iterations=80, shap_rows=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("churn") / "w.duckdb"
    con = connect(path)
    world = build_world(con, users=1200, days=200)
    results = train_subscription(con, OPTIONS)
    return {"con": con, "path": path, "as_of": world["as_of"], "results": results}


def _scores(con, day) -> pl.DataFrame:
    return fetch_frame(
        con, "select * from marts.churn_scores where score_date = ? order by user_id", [day]
    )


def test_both_cohorts_are_registered_with_time_validated_metrics(trained):
    con = trained["con"]
    kinds = {r.kind for r in trained["results"]}
    assert kinds == {"churn_trial", "churn_paid"}
    for result in trained["results"]:
        info = run_info(con, result.run_id)
        metrics = info["metrics"]
        assert {"roc_auc", "pr_auc", "brier", "calibration_error", "folds"} <= set(metrics)
        assert metrics["roc_auc"] == pytest.approx(
            sum(f["roc_auc"] for f in metrics["folds"]) / len(metrics["folds"])
        )
        assert "oracle_roc_auc" in metrics and "oracle_gap" in metrics
        for fold in metrics["folds"]:
            # Every training snapshot had matured by the day the fold was judged.
            gap = (pl.Series([fold["validate_on"]]).str.to_date()[0]
                   - pl.Series([fold["train_until"]]).str.to_date()[0]).days  # fmt: skip
            assert gap >= HORIZON_DAYS + GRACE_DAYS
    paid = next(r for r in trained["results"] if r.kind == "churn_paid")
    assert paid.metrics.roc_auc > 0.6  # the synthetic world plants a learnable signal


def test_registry_holds_curves_and_a_readable_shap_sample(trained):
    con = trained["con"]
    run_id = next(r.run_id for r in trained["results"] if r.kind == "churn_paid")
    curves = fetch_frame(con, "select distinct curve from ml.curves where run_id = ?", [run_id])
    assert {"roc", "pr", "calibration"} <= set(curves.get_column("curve").to_list())
    shap = fetch_frame(con, "select * from ml.shap where run_id = ?", [run_id])
    per_row = shap.group_by("row_id").len().get_column("len").unique().to_list()
    assert len(per_row) == 1  # one value per feature for every explained row: ids unique
    days = shap.get_column("row_id") % 100_000
    assert days.min() > 19_000  # the date part decodes to days since 1970 (2022 onwards)
    tenure = shap.filter(pl.col("feature") == "tenure_days").get_column("feature_value")
    assert tenure.drop_nulls().str.contains(r"^\d+$").all()


@pytest.mark.parametrize(
    ("weeks", "folds", "expected"),
    [
        # (validation day, last training day), days from the first snapshot
        (10, 3, [(49, 14), (56, 21), (63, 28)]),
        (7, 4, [(35, 0), (42, 7)]),  # earlier dates have no matured history: fewer folds
        (4, 2, []),
    ],
)
def test_rolling_origin_trains_only_on_matured_snapshots(weeks, folds, expected):
    first = date(2024, 1, 1)
    days = [first + timedelta(days=7 * k) for k in range(weeks)]
    plan = rolling_origin_folds(days, folds=folds, gap_days=32)
    got = [((v - first).days, (max(train) - first).days) for v, train in plan]
    assert got == expected


def test_scoring_writes_the_vitrine_and_rescoring_replaces_it(trained):
    con, day = trained["con"], trained["as_of"] - timedelta(days=3)
    first = score_day(con, day)
    rows = _scores(con, day)
    assert rows.columns == VITRINE_COLUMNS
    assert rows.height == sum(first.rows_by_cohort.values()) > 100
    assert rows.select("user_id", "cohort").is_duplicated().sum() == 0
    assert set(rows.get_column("risk_band").unique()) <= {"low", "medium", "high"}
    assert rows.get_column("churn_probability").is_between(0, 1).all()
    shown = rows.filter(pl.col("factor_3").is_not_null())
    assert (shown.get_column("factor_1_shap") >= shown.get_column("factor_2_shap")).all()
    assert (shown.get_column("factor_2_shap") >= shown.get_column("factor_3_shap")).all()
    assert (shown.get_column("factor_3_shap") > 0).all()
    assert shown.get_column("factor_1_text").str.len_chars().min() > 5
    assert rows.get_column("recommended_channel").is_in(["email", "push", "sms"]).all()

    score_day(con, day)
    again = _scores(con, day)
    assert again.height == rows.height
    same = ["user_id", "cohort", "churn_probability", "factor_1", "factor_1_text", "run_id"]
    assert again.select(same).equals(rows.select(same))


def test_a_failed_rescore_leaves_the_previous_rows(trained):
    con, day = trained["con"], trained["as_of"] - timedelta(days=4)
    score_day(con, day)
    before = _scores(con, day)
    broken = before.with_columns(pl.lit(None, pl.Int64).alias("user_id"))  # violates not null
    with pytest.raises(Exception, match="(?i)null"):
        replace_scores(con, day, ["trial", "paid"], broken)
    after = _scores(con, day)
    assert after.equals(before)


def test_monitoring_judges_matured_dates_only(trained):
    con, as_of = trained["con"], trained["as_of"]
    matured = as_of - timedelta(days=HORIZON_DAYS + GRACE_DAYS + 5)
    immature = as_of - timedelta(days=10)
    score_day(con, matured)
    score_day(con, immature)
    report = monitor(con)
    judged = set(report.table.get_column("score_date").to_list())
    assert matured in judged
    assert all(d + timedelta(days=HORIZON_DAYS + GRACE_DAYS) <= as_of for d in judged)
    assert immature not in judged
    paid = report.table.filter((pl.col("score_date") == matured) & (pl.col("cohort") == "paid"))
    row = paid.row(0, named=True)
    assert row["rows"] > 100 and 0 < row["positives"] < row["rows"]
    assert 0.5 < row["roc_auc"] <= 1 and 0 <= row["brier"] < 0.5
    psi = json.loads(row["psi_features"])
    assert len(psi) == 5 and all(v >= 0 for v in psi.values())
    assert row["status"] in ("green", "red")
    # Nothing new to judge: a second run computes nothing and keeps the table.
    assert monitor(con).computed.height == 0


@pytest.mark.parametrize(
    ("labels", "scores", "psi_score", "status"),
    [
        ([0, 0, 1, 1] * 5, [0.1, 0.2, 0.8, 0.9] * 5, 0.01, "green"),
        ([1, 0, 0, 1] * 5, [0.1, 0.2, 0.8, 0.9] * 5, 0.01, "red"),  # ROC-AUC 0.5
        ([0, 0, 1, 1] * 5, [0.1, 0.2, 0.8, 0.9] * 5, 0.35, "red"),  # score drifted
        ([0, 0, 0, 0] * 5, [0.1, 0.2, 0.8, 0.9] * 5, 0.01, "green"),  # AUC undefined
    ],
)
def test_status_turns_red_on_low_auc_or_high_psi(labels, scores, psi_score, status):
    row = judge(labels, scores, psi_score, {"watch_min_7d": 0.05})
    assert row["status"] == status
    assert (row["reasons"] is None) == (status == "green" and len(set(labels)) == 2)


def test_monitor_command_exits_non_zero_exactly_when_red(trained):
    result = CliRunner().invoke(churn, ["monitor", "--recompute"], obj={"db": str(trained["path"])})
    report = MonitorReport(
        pl.DataFrame(), fetch_frame(trained["con"], "select * from marts.churn_monitoring")
    )
    expected = 3 if report.red().height else 0
    assert result.exit_code == expected, result.output
    assert "score date" in result.output


def test_export_to_files(trained, tmp_path):
    con, day = trained["con"], trained["as_of"] - timedelta(days=3)
    score_day(con, day)
    expected = _scores(con, day).sort("user_id", "cohort")
    for name in ("scores.csv", "scores.parquet"):
        result = CliRunner().invoke(
            churn, ["export", "--date", day.isoformat(), "--to", str(tmp_path / name)],
            obj={"db": str(trained["path"])},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    parquet = pl.read_parquet(tmp_path / "scores.parquet").sort("user_id", "cohort")
    assert parquet.equals(expected)
    # The expected schema, not inference: a run id of hex digits can look like an integer.
    csv = pl.read_csv(tmp_path / "scores.csv", schema=expected.schema).sort("user_id", "cohort")
    assert csv.equals(expected)


@pytest.fixture(scope="module")
def postgres_url():
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    with postgres_server(binaries) as url:
        yield url


@pytest.mark.postgres
def test_postgres_round_trip_is_idempotent_per_date(trained, postgres_url):
    con, as_of = trained["con"], trained["as_of"]
    days = [as_of - timedelta(days=3), as_of - timedelta(days=4)]
    for day in days:
        score_day(con, day)
    runner = CliRunner()
    args = ["--postgres", postgres_url, "--table", "marketing.churn_scores"]
    for day in (days[0], days[1], days[0]):  # the first date twice: replaced, not doubled
        result = runner.invoke(churn, ["export", "--date", day.isoformat(), *args],
                               obj={"db": str(trained["path"])})  # fmt: skip
        assert result.exit_code == 0, result.output
    with psycopg.connect(postgres_url) as pg:
        for day in days:
            expected = _scores(con, day).sort("user_id", "cohort")
            cursor = pg.execute(
                "select user_id, cohort, churn_probability, risk_band, factor_1_text, "
                "factor_2_shap, recommended_channel, run_id, scored_at "
                "from marketing.churn_scores where score_date = %s order by user_id, cohort",
                [day],
            )
            got = cursor.fetchall()
            assert len(got) == expected.height
            want = expected.select(
                "user_id", "cohort", "churn_probability", "risk_band", "factor_1_text",
                "factor_2_shap", "recommended_channel", "run_id", "scored_at",
            ).rows()  # fmt: skip
            assert got == want


def test_train_command_prints_folds_and_registers(trained):
    # `portrait train churn` as the lead will attach it to the `train` group.
    group = click.Group("train", commands={"churn": train_churn})
    result = CliRunner().invoke(
        group, ["churn", "--snapshots", "8", "--folds", "2", "--iterations", "30"],
        obj={"db": str(trained["path"])},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "churn_paid run" in result.output and "oracle" in result.output
    assert "fold validate on" in " ".join(result.output.split())
    model = load_model_from(trained["con"], kind="churn_paid")
    # --iterations caps the trees; early stopping on the latest snapshots picks how many.
    assert 1 <= model.iterations <= 30


def _export_tables(con) -> dict[str, pl.DataFrame]:
    """The subscription export as a user has it: each raw table in its contract's columns."""
    return {
        table.removeprefix("raw."): fetch_frame(con, f"select {', '.join(columns)} from {table}")
        for table, columns in RAW_COLUMNS.items()
    }


def test_a_registered_model_predicts_from_the_export_tables(trained):
    con, as_of = trained["con"], trained["as_of"]
    tables = _export_tables(con)
    scored_users = {}
    for cohort, kind in (("paid", "churn_paid"), ("trial", "churn_trial")):
        model = load_model_from(con, kind=kind)
        proba = model.predict_proba(tables)  # the users table's rows, in its order
        assert proba.shape == (tables["users"].height,)
        day = score_day(con, as_of, kinds=["subscription"]).score_date
        scored = fetch_frame(
            con,
            "select user_id, churn_probability from marts.churn_scores "
            "where score_date = ? and cohort = ?",
            [day, cohort],
        )
        got = tables["users"].select("user_id").with_columns(pl.Series("p", proba))
        both = got.join(scored, on="user_id")
        # Every user the vitrine scores, and only them, gets the same probability.
        assert both.height == scored.height
        assert got.filter(pl.col("p").is_not_nan()).height == scored.height
        if scored.height:
            assert (both["p"] - both["churn_probability"]).abs().max() < 1e-9
        scored_users[cohort] = scored.height
    assert scored_users["paid"] > 100
    # The same rows as pandas frames, as a notebook would have them.
    pandas_tables = {name: frame.to_pandas() for name, frame in tables.items()}
    model = load_model_from(con, kind="churn_paid")
    np.testing.assert_array_equal(model.predict_proba(pandas_tables), model.predict_proba(tables))


def test_raw_tables_that_break_the_contract_are_refused_by_row_and_column(trained):
    tables = _export_tables(trained["con"])
    bad = tables["billing"].with_columns(pl.col("amount").cast(pl.String))
    bad = bad.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("lots"))
        .otherwise("amount")
        .alias("amount")
    )
    model = load_model_from(trained["con"], kind="churn_paid")
    with pytest.raises(ValueError, match=r"billing contract.*column amount"):
        model.predict_proba({**tables, "billing": bad})
    with pytest.raises(ValueError, match="users and billing"):
        model.predict_proba({"users": tables["users"]})
