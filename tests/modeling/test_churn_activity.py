"""Activity churn: labels from any event table, then the same training, vitrine and monitoring."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
import polars as pl
import pytest
from churn_world import build_world
from click.testing import CliRunner

from modeling.churn.activity import ActivitySource, define_events
from modeling.churn.explain_words import has_words
from modeling.churn.monitor import monitor
from modeling.churn.score import score_day
from modeling.registry import load_model_from, run_info
from portrait.churn_cmds import train_churn
from queries import runner
from warehouse.db import connect, fetch_frame

T = date(2024, 5, 1)


def _events(con, rows: list[tuple[int, int]]) -> None:
    """raw.orders(customer, at, total): one event per (customer, day offset from T)."""
    # "at" is a keyword: the activity view must quote the names it is given.
    con.execute('create table raw.orders (customer bigint, "at" timestamp, total double)')
    frame = pl.DataFrame(
        [(c, datetime.combine(T, datetime.min.time()) + timedelta(days=d, hours=12), 10.0)
         for c, d in rows],
        schema=["customer", "at", "total"], orient="row",
    )  # fmt: skip
    con.register("order_rows", frame.to_arrow())
    con.execute("insert into raw.orders select * from order_rows")
    con.unregister("order_rows")


# customer: (event days relative to T, expected label at T, or None when not active at T)
CASES = {
    1: ([-3, 32], 0),  # back on the last day of horizon + grace
    2: ([-3, 33], 1),  # back a day too late
    3: ([-3], 1),  # never back
    4: ([-31, 5], 0),  # last seen 31 days ago: still active, returns
    5: ([-32, 40], None),  # last seen 32 days ago: already churned at T
    6: ([0, 1], 0),  # active on T itself
}


def test_activity_labels_on_hand_built_timelines(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _events(con, [(c, d) for c, (days, _) in CASES.items() for d in days])
    source = ActivitySource("raw.orders", "customer", "at", "total")
    define_events(con, source)
    runner.execute(con, "churn_activity_snapshots", {"snapshot_dates": [T], "lookback": 32})
    labels = runner.run(
        con, "churn_activity_labels", {"horizon": 30, "grace": 2, "as_of": T + timedelta(days=60)}
    )
    got = dict(labels.select("user_id", "label").iter_rows())
    assert got == {c: label for c, (_, label) in CASES.items() if label is not None}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (ActivitySource("raw.nope", "customer", "at"), "no table raw.nope"),
        (ActivitySource("orders", "customer", "at"), "schema.table"),
        (ActivitySource("raw.orders", "client", "at"), "--user-col 'client'"),
        (ActivitySource("raw.orders", "customer", "at", "sum"), "--amount-col 'sum'"),
    ],
)
def test_activity_source_is_checked_against_the_table(tmp_path, source, message):
    con = connect(tmp_path / "w.duckdb")
    _events(con, [(1, 0)])
    with pytest.raises(ValueError, match=message):
        define_events(con, source)


@pytest.fixture(scope="module")
def activity_world(tmp_path_factory):
    path = tmp_path_factory.mktemp("activity") / "w.duckdb"
    con = connect(path)
    world = build_world(con, users=1000, days=200, seed=5)
    group = click.Group("train", commands={"churn": train_churn})
    result = CliRunner().invoke(
        group,
        ["churn", "--activity-table", "raw.viewing", "--user-col", "user_id",
         "--time-col", "started_at", "--amount-col", "duration_min", "--horizon", "21",
         "--grace", "3", "--snapshots", "10", "--folds", "2", "--iterations", "60"],
        obj={"db": str(path)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {"con": con, "as_of": world["as_of"], "output": result.output}


def test_activity_model_is_validated_on_time_and_registered(activity_world):
    con = activity_world["con"]
    assert "churn_activity run" in activity_world["output"]
    run = fetch_frame(con, "select run_id from ml.model_runs where kind = 'churn_activity'")
    info = run_info(con, run.item(0, "run_id"))
    assert info["params"]["activity"]["table"] == "raw.viewing"
    assert info["params"]["horizon_days"] == 21 and info["params"]["grace_days"] == 3
    assert len(info["metrics"]["folds"]) == 2 and info["metrics"]["roc_auc"] > 0.6
    features = info["features"]["features"]
    assert {"recency_days", "events_30d", "amount_30d", "mean_gap_days"} <= set(features)
    assert [f for f in features if not has_words(f)] == []


def test_activity_vitrine_and_monitoring(activity_world):
    con, as_of = activity_world["con"], activity_world["as_of"]
    matured = as_of - timedelta(days=30)
    result = score_day(con, matured, kinds=["activity"])
    assert result.rows_by_cohort["activity"] > 100
    rows = fetch_frame(
        con, "select * from marts.churn_scores where cohort = 'activity' and score_date = ?",
        [matured],
    )  # fmt: skip
    assert rows.height == result.rows_by_cohort["activity"]
    assert rows.get_column("factor_1_text").drop_nulls().len() > 0
    score_day(con, as_of - timedelta(days=5), kinds=["activity"])  # not matured yet
    table = monitor(con).table.filter(pl.col("cohort") == "activity")
    assert table.get_column("score_date").to_list() == [matured]
    assert table.item(0, "rows") == rows.height


def test_activity_model_predicts_from_the_event_table_as_exported(activity_world):
    con, as_of = activity_world["con"], activity_world["as_of"]
    day = as_of - timedelta(days=30)
    score_day(con, day, kinds=["activity"])
    scored = fetch_frame(
        con,
        "select user_id, churn_probability from marts.churn_scores "
        "where cohort = 'activity' and score_date = ?",
        [day],
    )
    events = fetch_frame(
        con,
        "select session_id, user_id, started_at, content_id, genre, duration_min from raw.viewing",
    )
    model = load_model_from(con, kind="churn_activity")
    proba = model.predict_proba(events.to_pandas(), as_of=day)  # one per event row
    assert proba.shape == (events.height,)
    per_user = (
        events.select("user_id")
        .with_columns(pl.Series("p", proba))
        .filter(pl.col("p").is_not_nan())
        .unique("user_id")
    )
    both = per_user.join(scored, on="user_id")
    assert both.height == scored.height == per_user.height > 100
    assert (both["p"] - both["churn_probability"]).abs().max() < 1e-9
