"""The generic trainer on small tables of mixed types: roles, errors, registry, metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from modeling.contract import Step
from modeling.registry import load_model, load_result, run_info
from modeling.tabular import TableMetrics, TableTrainOptions, infer_roles, train_table
from modeling.tabular.infer import check_target
from warehouse.db import connect, fetch_frame

N = 1_500


def _mixed_table(seed: int = 0) -> pl.DataFrame:
    """Labels from a plan (text), an amount stored as text with blanks, and a city."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "premium", "trial"], N)
    amount = rng.gamma(2.0, 300.0, N)
    city = rng.choice(["Москва", "Казань", "Омск", "Тула"], N)
    logit = (plan == "premium") * 1.5 - (plan == "trial") * 1.0 + (amount - 600) / 400
    churned = rng.random(N) < 1 / (1 + np.exp(-logit))
    amount_text = [f"{a:.2f}".replace(".", ",") if i % 17 else " " for i, a in enumerate(amount)]
    words = ["great service", "too expensive for me", "cancel soon please", "love the films a lot"]
    return pl.DataFrame(
        {
            "customer_id": np.arange(1, N + 1) * 7,
            "plan": plan,
            "amount": amount_text,
            "city": city,
            "comment": [words[i % 4] + f" {i % 5}" for i in range(N)],
            "created": [datetime(2026, 1, 1) + timedelta(hours=int(h)) for h in range(N)],
            "churned": np.where(churned, "yes", "no"),
            "segment": rng.choice(["a", "b", "c"], N),
        }
    )


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("tabular") / "portrait.duckdb"
    con = connect(path)
    mixed = _mixed_table()  # noqa: F841 - read by DuckDB below
    con.execute("create table raw.subscribers as select * from mixed")
    con.execute("create table raw.one_class as select *, 'x' as label from mixed")
    con.close()
    return path


def test_roles_are_inferred_from_values():
    roles = infer_roles(_mixed_table(), "churned", id_column=None, time_column="created")
    assert roles.numeric == ["amount"] and roles.coerced == ["amount"]
    assert roles.categorical == ["plan", "city", "segment"]
    assert roles.text == ["comment"]
    assert "customer_id" in roles.left_out  # unique on every row: an identifier
    assert "created" in roles.left_out


@pytest.mark.parametrize(
    ("values", "message"),
    [(["a", "a", " "], "only one class"), ([str(i) for i in range(60)], "distinct values")],
)
def test_bad_targets_are_clear_errors(values, message):
    with pytest.raises(ValueError, match=message):
        check_target(pl.DataFrame({"t": values}), "t")


def test_binary_on_time_with_registry_round_trip(warehouse_path):
    con = connect(warehouse_path)
    options = TableTrainOptions(
        table="raw.subscribers",
        target="churned",
        id_column="customer_id",
        time_column="created",
        shap_rows=200,
        iterations=60,
    )
    steps: list[Step] = []
    result = train_table(con, options, progress=steps.append)
    assert result.kind == "table" and result.target == "raw.subscribers.churned"
    assert isinstance(result.metrics, TableMetrics)
    assert 0.6 < result.metrics.roc_auc <= 1.0
    assert result.metrics.split.startswith("time")
    assert result.metrics.leakage["flagged"] == []  # nothing here is too good to be true
    assert result.timings["fit"] > 0 and result.timings["total"] >= result.timings["fit"]
    assert [s.done for s in steps] == list(range(1, len(steps) + 1))
    assert steps[-1].done == steps[-1].total
    # The registry gives back the same typed result.
    stored = load_result(con, result.run_id)
    assert stored.metrics == result.metrics and stored.timings == result.timings
    assert set(stored.curves.get_column("curve").unique()) >= {"roc", "pr"}
    info = run_info(con, result.run_id)
    assert "customer_id" in info["features"]["left_out"]
    assert info["features"]["text"] == ["comment"]
    shap = fetch_frame(con, "select * from ml.shap where run_id = $r", {"r": result.run_id})
    assert set(shap["feature"].unique().to_list()) >= {"plan", "amount"}
    assert shap["row_id"].min() % 7 == 0  # the id column, not a row number
    frame = fetch_frame(con, "select * from raw.subscribers order by customer_id limit 50")
    con.close()
    model = load_model(result.run_id, db=str(warehouse_path))
    again = load_model(result.run_id, db=str(warehouse_path))
    np.testing.assert_array_equal(model.predict_proba(frame), again.predict_proba(frame))
    assert model.predict_proba(frame).shape == (50, 2)
    # The export's rows as pandas, straight from the user: the same probabilities.
    np.testing.assert_allclose(model.predict_proba(frame.to_pandas()), model.predict_proba(frame))


def test_multiclass_stratified(warehouse_path):
    con = connect(warehouse_path)
    options = TableTrainOptions(
        table="raw.subscribers", target="segment", shap_rows=100, iterations=30
    )
    result = train_table(con, options)
    assert set(result.metrics.roc_auc_by_class) == {"a", "b", "c"}
    assert result.metrics.split == "stratified random holdout"
    assert result.metrics.headline_figure().name == "roc_auc_macro"
    con.close()


@pytest.mark.parametrize(
    ("table", "target", "message"),
    [
        ("raw.subscribers", "no_such_column", "no target column 'no_such_column'"),
        ("raw.one_class", "label", "only one class"),
        ("raw.missing", "churned", "no table 'raw.missing'"),
    ],
)
def test_wrong_target_or_table_is_a_clear_error(warehouse_path, table, target, message):
    con = connect(warehouse_path)
    try:
        with pytest.raises(ValueError, match=message):
            train_table(con, TableTrainOptions(table=table, target=target))
    finally:
        con.close()
