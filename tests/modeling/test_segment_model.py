"""The segment model end to end on the small demo warehouse: train, registry, score, SHAP.

The fast paths are held to the reference in tests/modeling/segment_fast."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from modeling.registry import load_model, load_model_from, run_info
from modeling.segment import SegmentModel, SegmentTrainOptions, score_segment, train_segment
from queries.segment_features import segment_frame
from warehouse.db import connect, fetch_frame

OPTIONS = SegmentTrainOptions(
    holdout_days=7, guard_rows=30_000, shap_rows=300, model={"iterations": 60}
)


def test_run_is_registered_with_honest_headline_metrics(trained, con):
    run_id = trained[1]
    info = run_info(con, run_id)
    metrics = info["metrics"]
    assert info["kind"] == "segment" and info["status"] == "succeeded"
    assert set(metrics["roc_auc_by_class"]) == {"1", "2", "3", "4", "5"}
    assert 0.6 < metrics["roc_auc_macro"] < 1.0
    assert metrics["roc_auc_macro"] == pytest.approx(
        np.mean(list(metrics["roc_auc_by_class"].values()))
    )
    # The planted artifact is caught, left out of the model, and reported only aside.
    assert "day_of_month" in metrics["leakage"]["flagged"]
    assert "day_of_month" not in info["features"]["inputs"]
    assert "day_of_month" in info["features"]["left_out"]
    assert "day_of_month" in metrics["with_flagged_features"]["features"]
    assert set(metrics["oracle_roc_auc_by_class"]) == set(metrics["roc_auc_by_class"])
    assert len(metrics["confusion_matrix"]) == 5
    curves = fetch_frame(
        con, "select distinct curve, class_label from ml.curves where run_id = $r", {"r": run_id}
    )
    assert {"roc", "pr", "lift", "calibration"} <= set(curves["curve"].to_list())
    assert set(curves["class_label"].to_list()) == {"1", "2", "3", "4", "5"}


def test_registry_round_trip_predicts_identically(trained):
    path, run_id = trained
    con = connect(path)
    holdout = fetch_frame(
        con,
        "select * from marts.segment_holdout where run_id = $r order by event_id",
        {"r": run_id},
    )
    assert holdout.height > 0
    frame = (
        segment_frame(con, labeled=True)
        .join(holdout.select("event_id"), on="event_id")
        .sort("event_id")
    )
    con.close()
    model = load_model(run_id, db=str(path))
    assert isinstance(model, SegmentModel) and model.classes_ == [1, 2, 3, 4, 5]
    proba = model.predict_proba(frame)
    stored = holdout.select([f"p_segment_{k}" for k in range(1, 6)]).to_numpy()
    np.testing.assert_allclose(proba, stored, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


def test_scoring_writes_every_unlabeled_event_once_and_is_idempotent(trained, con):
    run_id = trained[1]
    first = score_segment(con, run_id, batch_rows=7_000)
    second = score_segment(con, run_id, batch_rows=10_000)
    unlabeled = con.execute("select count(*) from raw.ad_events where segment is null").fetchone()[
        0
    ]
    assert first["rows"] == second["rows"] == unlabeled > 0
    stats = fetch_frame(
        con,
        "select count(*) as n, count(distinct event_id) as ids, "
        "max(abs(p_segment_1 + p_segment_2 + p_segment_3 + p_segment_4 + p_segment_5 - 1)) as off "
        "from marts.segment_predictions where run_id = $r",
        {"r": run_id},
    ).row(0, named=True)
    assert stats["n"] == stats["ids"] == unlabeled
    assert stats["off"] < 1e-5


def test_scoring_stores_the_models_probabilities_of_the_flat_frame(trained, con):
    run_id = trained[1]
    result = score_segment(con, run_id, batch_rows=5_000)
    assert result["engine"] in ("catboost", "forest") and result["rows_per_second"] > 0
    stored = fetch_frame(
        con,
        "select * from marts.segment_predictions where run_id = $r order by event_id",
        {"r": run_id},
    )
    frame = segment_frame(con, labeled=False).sort("event_id")
    expected = load_model_from(con, run_id).predict_proba(frame)
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    assert stored["event_id"].to_list() == frame["event_id"].to_list()
    np.testing.assert_allclose(stored.select(columns).to_numpy(), expected, atol=1e-6)
    with pytest.raises(ValueError, match="engine must be one of"):
        score_segment(con, run_id, engine="fast")


def test_model_follows_the_estimator_contract(con):
    frame = segment_frame(con, labeled=True).sort("event_id").head(3_000)
    model = SegmentModel(iterations=5)
    with pytest.raises(ValueError, match="not fitted"):
        model.predict_proba(frame)
    assert model.fit(frame, frame["segment"].to_numpy()) is model
    assert {"encoder_", "tfidf_", "models_", "feature_names_"} <= set(vars(model))
    assert not [k for k in vars(SegmentModel()) if k.endswith("_")]
    with pytest.raises(ValueError, match="lacks column.*bundle"):
        model.predict_proba(frame.drop("bundle"))
    with pytest.raises(ValueError, match="labels must be 1..5"):
        SegmentModel(iterations=5).fit(frame, np.full(frame.height, 7))


def test_shap_is_stored_long_form_per_class_and_feature(trained, con):
    run_id = trained[1]
    shap = fetch_frame(con, "select * from ml.shap where run_id = $r", {"r": run_id})
    rows = shap.get_column("row_id").n_unique()
    assert 250 <= rows <= 320
    assert set(shap.get_column("class_label").unique().to_list()) == {"1", "2", "3", "4", "5"}
    assert "bundle" in shap.get_column("feature").to_list()
    assert "te_bundle_1" not in shap.get_column("feature").to_list()
    # Every explained row is a holdout row, so the dashboard can show its waterfall.
    holdout_ids = set(
        fetch_frame(
            con, "select event_id from marts.segment_holdout where run_id = $r", {"r": run_id}
        )
        .get_column("event_id")
        .to_list()
    )
    assert set(shap.get_column("row_id").unique().to_list()) <= holdout_ids
    top = fetch_frame(
        con,
        "select feature from ml.shap_global where run_id = $r and class_label = '2' "
        "order by mean_abs_shap desc limit 3",
        {"r": run_id},
    )
    assert "bundle" in top.get_column("feature").to_list()


def test_extra_features_join_on_event_id(con):
    ids = fetch_frame(con, "select event_id from raw.ad_events order by event_id")
    extra = ids.with_columns((pl.col("event_id") % 3).cast(pl.String).alias("cluster_id"))
    options = SegmentTrainOptions(
        holdout_days=7, guard_rows=20_000, shap_rows=100, model={"iterations": 20}
    )
    run_id = train_segment(con, options, extra_frame=extra, extra_categorical=["cluster_id"]).run_id
    info = run_info(con, run_id)
    assert "cluster_id" in info["features"]["inputs"]
    assert info["params"]["extra_features"] == ["cluster_id"]
    with pytest.raises(ValueError, match="extra features"):
        score_segment(con, run_id)
    assert score_segment(con, run_id, extra_frame=extra)["rows"] > 0
    assert json.loads(json.dumps(info["metrics"]))["roc_auc_macro"] > 0.5


def test_raw_rows_with_a_bad_value_are_refused_by_row_and_column(trained, con):
    rows = fetch_frame(
        con,
        "select gamecategory, subgamecategory, bundle, created, shift, oblast, city, os, osv "
        "from raw.ad_events where segment is null order by event_id limit 5",
    ).with_columns(pl.col("shift").cast(pl.String))
    model = load_model_from(con, trained[1])
    from_pandas = model.predict_proba(rows.to_pandas())
    np.testing.assert_allclose(from_pandas, model.predict_proba(rows))
    bad = rows.with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("MSK+99x"))
        .otherwise("shift")
        .alias("shift")
    )
    with pytest.raises(ValueError, match=r"ad_events contract.*row 4 .*column shift"):
        model.predict_proba(bad)
