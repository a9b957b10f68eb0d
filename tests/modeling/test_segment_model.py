"""The segment model end to end on the small demo warehouse: train, registry, score, SHAP."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

import numpy as np
import polars as pl
import pytest

from modeling.registry import RunRecord, load_model, load_model_from, run_info, save_run
from modeling.segment import SegmentModel, SegmentTrainOptions, score_segment, train_segment_model
from modeling.segment.features import CATEGORICAL
from modeling.segment.forest import KeyedForest, tree_tables
from modeling.segment.score import _Batches
from queries.segment_features import (
    DIMENSIONS,
    segment_dimensions,
    segment_event_batches,
    segment_event_columns,
    segment_frame,
    segment_frequencies,
    segment_parts,
)
from warehouse.db import connect, fetch_frame

OPTIONS = SegmentTrainOptions(
    holdout_days=7, guard_rows=30_000, shap_rows=300, model={"iterations": 60}
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, demo_warehouse):
    path = tmp_path_factory.mktemp("segment") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    con = connect(path)
    run_id = train_segment_model(con, options=OPTIONS)
    con.close()
    return path, run_id


@pytest.fixture
def con(trained):
    con = connect(trained[0])
    yield con
    con.close()


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


def test_scored_probabilities_equal_those_of_the_flat_frame(trained, con):
    # Scoring encodes each app, place, device and hour once and gathers per batch; the
    # result must be the model's prediction of the one-row-per-event frame.
    run_id = trained[1]
    score_segment(con, run_id, batch_rows=5_000)
    stored = fetch_frame(
        con,
        "select * from marts.segment_predictions where run_id = $r order by event_id",
        {"r": run_id},
    )
    frame = segment_frame(con, labeled=False).sort("event_id")
    model = load_model_from(con, run_id)
    expected = model.predict_proba(frame)
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    assert stored["event_id"].to_list() == frame["event_id"].to_list()
    np.testing.assert_allclose(stored.select(columns).to_numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("batch_rows", [4_000, 250_000])
def test_forest_engine_scores_what_catboost_scores(trained, con, batch_rows):
    # The key-by-key trees must give CatBoost's probabilities, whatever the batches.
    run_id = trained[1]
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    query = "select * from marts.segment_predictions where run_id = $r order by event_id"
    assert score_segment(con, run_id, batch_rows=batch_rows, engine="catboost")["engine"] == (
        "catboost"
    )
    expected = fetch_frame(con, query, {"r": run_id})
    assert score_segment(con, run_id, batch_rows=batch_rows, engine="forest")["engine"] == "forest"
    got = fetch_frame(con, query, {"r": run_id})
    assert got["event_id"].to_list() == expected["event_id"].to_list()
    np.testing.assert_allclose(got.select(columns).to_numpy(), expected.select(columns), atol=1e-7)
    assert got["predicted_segment"].to_list() == expected["predicted_segment"].to_list()


def test_events_whose_keys_no_load_brought_are_scored_too(trained, tmp_path):
    # Scoring encodes the key values of the loads (features.ad_event_key_rows) before
    # reading any event. Events inserted by hand, with an app, place and device no load
    # brought, get theirs read with the batch that meets them, by either engine.
    path = tmp_path / "portrait.duckdb"
    path.write_bytes(trained[0].read_bytes())
    con = connect(path)
    run_id = trained[1]
    score_segment(con, run_id)  # copies the key rows of every load
    con.execute(
        "insert into raw.ad_events select event_id + 10^12, null, 'Hand', 'Made', "
        "'org.by.Hand' || (event_id % 3), created, shift, shift_hours, 'Nowhere', 'Town', "
        "'os' || (event_id % 2), '1.0', load_id, source_line from raw.ad_events "
        "where segment is null limit 50"
    )
    expected = load_model_from(con, run_id).predict_proba(
        segment_frame(con, labeled=False).sort("event_id")
    )
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    query = "select * from marts.segment_predictions where run_id = $r order by event_id"
    for engine, batch_rows in (("catboost", 250_000), ("forest", 250_000), ("forest", 4_000)):
        result = score_segment(con, run_id, batch_rows=batch_rows, engine=engine)
        assert result["engine"] == engine
        stored = fetch_frame(con, query, {"r": run_id})
        assert stored.height == len(expected)
        np.testing.assert_allclose(stored.select(columns).to_numpy(), expected, atol=1e-6)
    con.close()


def test_keyed_forest_equals_catboost_on_the_parts(trained, con):
    model = load_model_from(con, trained[1])
    parts = segment_parts(con, labeled=True)
    design = model.parts_design(parts.events.columns)
    design.add(parts.dims)
    forest = KeyedForest(model, design)
    names, values = design.event_values(parts.events)
    proba = forest.proba(design.rows(parts.events), names, values)
    np.testing.assert_allclose(proba, model.predict_proba(parts.flat()), rtol=0, atol=1e-12)
    # Summed in slices on one thread per core, the events get the same probabilities.
    prepared = forest.prepare(design.rows(parts.events), names, values)
    np.testing.assert_array_equal(forest.evaluate(prepared, slice_rows=len(values) // 3), proba)


def test_trees_kept_with_the_model_are_the_ones_catboost_exports(trained, con):
    model = load_model_from(con, trained[1])
    kept = model.tree_tables_  # kept at training, pickled with the model
    assert tree_tables(model) is kept
    del model.tree_tables_
    exported = tree_tables(model)  # read from CatBoost's JSON export
    np.testing.assert_array_equal(kept.leaf_values, exported.leaf_values)
    assert kept.splits == exported.splits and kept.scale == exported.scale
    np.testing.assert_array_equal(kept.bias, exported.bias)
    # Tables of other trees are never used: the model's own are read instead.
    other = load_model_from(con, trained[1])
    other.tree_tables_ = replace(
        kept, leaf_values=kept.leaf_values + 1, flat_leaf_values=kept.flat_leaf_values + 1
    )
    np.testing.assert_array_equal(tree_tables(other).leaf_values, exported.leaf_values)


def test_forest_engine_refuses_models_it_cannot_evaluate(trained, con):
    frame = segment_frame(con, labeled=True).head(3_000)
    y = frame["segment"].to_numpy()
    ovr = SegmentModel(strategy="ovr", iterations=3).fit(frame, y)
    native = SegmentModel(text="native", iterations=3).fit(frame, y)
    assert "multiclass" in KeyedForest.unsupported(ovr)
    assert "string" in KeyedForest.unsupported(native)
    assert KeyedForest.unsupported(load_model_from(con, trained[1])) is None
    with pytest.raises(ValueError, match="engine must be one of"):
        score_segment(con, trained[1], engine="fast")
    # Asked for by run id, the one-vs-rest model is refused by the thread that chooses the
    # engine while the events already stream: nothing is written, and the warehouse
    # opens again at once (a stream left open kept it open for ever).
    ovr_run = save_run(
        con,
        RunRecord("segment", "segment", ovr, {}, [], {}, "test", status="comparison"),
    ).run_id
    with pytest.raises(ValueError, match="engine 'forest' cannot score"):
        score_segment(con, ovr_run, engine="forest")
    assert not fetch_frame(
        con, "select * from marts.segment_predictions where run_id = $r", {"r": ovr_run}
    ).height
    con.close()
    connect(trained[0], wait_seconds=10).close()


def test_scoring_falls_back_on_catboost_when_the_forest_disagrees(trained, con):
    model = load_model_from(con, trained[1])
    design = model.parts_design(segment_event_columns(con))
    forest = KeyedForest(model, design)
    forest.leaf_values[:, :, 0] += 0.5  # trees that are not the model's any more
    reader_con, key_con = con.cursor(), con.cursor()
    stream = partial(segment_event_batches, reader_con, labeled=False, batch_rows=3_000)
    batches = _Batches(model, stream, key_con, None, design, forest)
    event_ids, predict = batches.next()
    proba = predict()
    batches.close()
    assert batches.forest is None  # CatBoost from now on
    frame = segment_frame(con, labeled=False)
    flat = pl.DataFrame({"event_id": event_ids}).join(frame, on="event_id", maintain_order="left")
    np.testing.assert_allclose(proba, model.predict_proba(flat), atol=1e-12)
    reader_con.close()
    key_con.close()


def test_parts_design_encodes_keys_once_and_matches_the_flat_design(trained, con):
    model = load_model_from(con, trained[1])
    parts = segment_parts(con, labeled=True)
    flat = parts.flat()
    np.testing.assert_array_equal(model.predict_proba(parts), model.predict_proba(flat))
    design = model.parts_design(parts.events.columns)
    with pytest.raises(ValueError, match="missing from its dimension"):
        design.matrix(parts.events)  # nothing added, nothing to fetch with
    fetched = []

    def fetch(event_ids):
        fetched.append(len(event_ids))
        return segment_dimensions(con, event_ids)

    half = parts.events.height // 2
    first = design.matrix(parts.events.head(half), fetch)
    second = design.matrix(parts.events.tail(parts.events.height - half), fetch)
    # Every key value is encoded once: the second half fetches only the keys it adds.
    assert fetched[0] > 0 and len(fetched) <= 2
    keys = sum(parts.events[key].n_unique() for key in DIMENSIONS)
    assert sum(len(block.keys) for block in design.blocks) == keys
    expected = model.design(flat).to_numpy().astype(np.float32)
    np.testing.assert_array_equal(np.vstack([first, second]), expected)


@pytest.mark.parametrize(
    "choice", [{}, {"strategy": "ovr", "class_weights": "sqrt"}], ids=["multiclass", "ovr"]
)
def test_fitting_on_parts_gives_the_model_of_the_joined_frame(con, choice):
    parts = segment_parts(con, labeled=True)
    # An event-level category (a cluster id) is encoded from the event rows themselves.
    events = parts.events.sort("event_id").with_columns(
        (pl.col("event_id") % 4).cast(pl.String).alias("cluster_id")
    )
    parts = parts.with_events(events)
    y = events.get_column("segment").to_numpy()
    frequencies = segment_frequencies(con, events.get_column("event_date").max())
    options = {"categorical": (*CATEGORICAL, "cluster_id"), "iterations": 15, **choice}
    on_frame = SegmentModel(**options).fit(parts.flat(), y, frequencies=frequencies)
    on_parts = SegmentModel(**options).fit(parts, y, frequencies=frequencies)
    assert on_parts._fits_parts(frequencies)  # the parts path ran, not the fallback
    assert on_parts.feature_names_ == on_frame.feature_names_
    sample = parts.sample(2_000, seed=1)
    np.testing.assert_array_equal(on_parts.predict_proba(sample), on_frame.predict_proba(sample))


def test_fitting_on_parts_falls_back_to_the_joined_frame_for_string_inputs(con):
    parts = segment_parts(con, labeled=True).sample(3_000, seed=2)
    y = parts.events.get_column("segment").to_numpy()
    model = SegmentModel(cat_handling="native", iterations=5).fit(parts, y)
    assert model.predict_proba(parts).shape == (3_000, 5)


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
    run_id = train_segment_model(
        con, options=options, extra_frame=extra, extra_categorical=["cluster_id"]
    )
    info = run_info(con, run_id)
    assert "cluster_id" in info["features"]["inputs"]
    assert info["params"]["extra_features"] == ["cluster_id"]
    with pytest.raises(ValueError, match="extra features"):
        score_segment(con, run_id)
    assert score_segment(con, run_id, extra_frame=extra)["rows"] > 0
    # The cluster's encodings are the events' own columns: the forest splits on them per
    # event, and must still give CatBoost's probabilities.
    query = "select * exclude (scored_at) from marts.segment_predictions where run_id = $r"
    score_segment(con, run_id, extra_frame=extra, engine="catboost")
    expected = fetch_frame(con, query + " order by event_id", {"r": run_id})
    score_segment(con, run_id, extra_frame=extra, engine="forest", batch_rows=5_000)
    got = fetch_frame(con, query + " order by event_id", {"r": run_id})
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    np.testing.assert_allclose(got.select(columns).to_numpy(), expected.select(columns), atol=1e-7)
    assert json.loads(json.dumps(info["metrics"]))["roc_auc_macro"] > 0.5
