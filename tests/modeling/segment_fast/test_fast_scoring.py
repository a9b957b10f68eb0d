"""score_unlabeled equals the reference: predict_proba on the joined frame, stored."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from modeling.registry import RunRecord, load_model_from, save_run
from modeling.segment import SegmentModel, SegmentTrainOptions, train_segment
from modeling.segment.fast import score_unlabeled
from queries.segment_features import segment_frame
from tests.modeling.segment_fast.conftest import COLUMNS, reference, stored
from warehouse.db import connect, fetch_frame


def test_every_unlabeled_event_gets_the_reference_probabilities_once(trained, con):
    # Batches smaller than a row group are held back and written together: each row once.
    run_id = trained[1]
    model = load_model_from(con, run_id)
    ids, expected = reference(con, run_id, model)
    for batch_rows in (5_000, 7_000):
        scored = score_unlabeled(con, model, batch_rows=batch_rows, engine="catboost")
        assert scored.rows == len(ids) > 0 and scored.engine == "catboost"
        got = stored(con, run_id)  # a second call replaced the first one's rows
        assert got["event_id"].to_list() == ids.tolist()
        np.testing.assert_allclose(got.select(COLUMNS).to_numpy(), expected, atol=1e-6)
        assert (got["predicted_segment"].to_numpy() == expected.argmax(axis=1) + 1).all()


@pytest.mark.parametrize("batch_rows", [4_000, 250_000])
def test_forest_engine_scores_the_reference_probabilities(trained, con, batch_rows):
    run_id = trained[1]
    model = load_model_from(con, run_id)
    ids, expected = reference(con, run_id, model)
    assert score_unlabeled(con, model, batch_rows=batch_rows, engine="forest").engine == "forest"
    got = stored(con, run_id)
    assert got["event_id"].to_list() == ids.tolist()
    np.testing.assert_allclose(got.select(COLUMNS).to_numpy(), expected, atol=1e-7)
    score_unlabeled(con, model, batch_rows=batch_rows, engine="catboost")
    assert stored(con, run_id)["predicted_segment"].equals(got["predicted_segment"])


def test_forest_summed_on_several_threads_gives_the_reference(trained, own_con):
    # A batch of 100,000 events or more is cut into one slice per core, each summed on
    # its own thread: every event unlabeled makes one such batch.
    own_con.execute("update raw.ad_events set segment = null")
    model = load_model_from(own_con, trained[1])
    ids, expected = reference(own_con, trained[1], model)
    assert len(ids) >= 50_000
    scored = score_unlabeled(own_con, model, batch_rows=len(ids), engine="forest")
    assert scored.engine == "forest"
    got = stored(own_con, trained[1]).select(COLUMNS).to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-7)


def test_events_whose_keys_no_load_brought_are_scored_too(trained, own_con):
    # The key values of the loads are encoded before any event is read. Events inserted
    # by hand, with an app, place and device no load brought, get theirs read with the
    # batch that meets them, by either engine.
    run_id = trained[1]
    model = load_model_from(own_con, run_id)
    score_unlabeled(own_con, model)  # copies the key rows of every load
    own_con.execute(
        "insert into raw.ad_events select event_id + 10^12, null, 'Hand', 'Made', "
        "'org.by.Hand' || (event_id % 3), created, shift, shift_hours, 'Nowhere', 'Town', "
        "'os' || (event_id % 2), '1.0', load_id, source_line from raw.ad_events "
        "where segment is null limit 50"
    )
    ids, expected = reference(own_con, run_id, model)
    for engine, batch_rows in (("catboost", 250_000), ("forest", 250_000), ("forest", 4_000)):
        assert score_unlabeled(own_con, model, batch_rows=batch_rows, engine=engine).engine == (
            engine
        )
        got = stored(own_con, run_id)
        assert got["event_id"].to_list() == ids.tolist()
        np.testing.assert_allclose(got.select(COLUMNS).to_numpy(), expected, atol=1e-6)


def test_a_forest_that_disagrees_gives_way_to_catboost(trained, con):
    # Tree tables that describe the model's trees but hold other leaf values: the forest
    # then differs from CatBoost on the events it checks, and CatBoost scores instead.
    model = load_model_from(con, trained[1])
    kept = model.tree_tables_
    leaf_values = kept.leaf_values.copy()
    leaf_values[:, :, 0] += 0.5
    model.tree_tables_ = replace(kept, leaf_values=leaf_values)
    ids, expected = reference(con, trained[1], model)
    scored = score_unlabeled(con, model, batch_rows=3_000, engine="forest")
    assert scored.engine == "catboost"
    np.testing.assert_allclose(stored(con, trained[1]).select(COLUMNS), expected, atol=1e-6)


def test_trees_are_read_from_catboost_when_none_or_others_are_kept(trained, con):
    # The tables kept at training spare reading the trees from CatBoost's JSON export;
    # without them, or with tables of other trees, the trees are read and still give the
    # reference's probabilities.
    model = load_model_from(con, trained[1])
    assert model.tree_tables_ is not None
    ids, expected = reference(con, trained[1], model)
    kept = model.tree_tables_
    del model.tree_tables_
    assert score_unlabeled(con, model, engine="forest").engine == "forest"
    np.testing.assert_allclose(stored(con, trained[1]).select(COLUMNS), expected, atol=1e-7)
    model.tree_tables_ = replace(
        kept, leaf_values=kept.leaf_values + 1, flat_leaf_values=kept.flat_leaf_values + 1
    )
    assert score_unlabeled(con, model, engine="forest").engine == "forest"
    np.testing.assert_allclose(stored(con, trained[1]).select(COLUMNS), expected, atol=1e-7)


def test_forest_engine_refuses_models_it_cannot_evaluate(trained, con):
    frame = segment_frame(con, labeled=True).head(3_000)
    y = frame["segment"].to_numpy()
    ovr = SegmentModel(strategy="ovr", iterations=3).fit(frame, y)
    native = SegmentModel(text="native", iterations=3).fit(frame, y)
    model = load_model_from(con, trained[1])
    with pytest.raises(ValueError, match="engine must be one of"):
        score_unlabeled(con, model, engine="fast")
    # Refused by the thread that chooses the engine while the events already stream:
    # nothing is written, and the warehouse opens again at once (a stream left open kept
    # it open for ever).
    for refused, reason in ((ovr, "multiclass"), (native, "string")):
        run_id = save_run(
            con,
            RunRecord("segment", "segment", refused, {}, [], {}, "test", status="comparison"),
        ).run_id
        loaded = load_model_from(con, run_id)
        with pytest.raises(ValueError, match=f"engine 'forest' cannot score.*{reason}"):
            score_unlabeled(con, loaded, engine="forest")
        assert not stored(con, run_id).height
        # "auto" and "catboost" score it, as the reference does.
        ids, expected = reference(con, run_id, loaded)
        assert score_unlabeled(con, loaded, engine="auto").engine == "catboost"
        np.testing.assert_allclose(stored(con, run_id).select(COLUMNS), expected, atol=1e-6)
    con.close()
    connect(trained[0], wait_seconds=10).close()


def test_extra_features_score_as_the_reference(own_con):
    # The cluster's encodings are the events' own columns: the forest splits on them per
    # event, and must still give the reference's probabilities.
    ids = fetch_frame(own_con, "select event_id from raw.ad_events order by event_id")
    extra = ids.with_columns((pl.col("event_id") % 3).cast(pl.String).alias("cluster_id"))
    options = SegmentTrainOptions(
        holdout_days=7, guard_rows=20_000, shap_rows=100, model={"iterations": 20}
    )
    run_id = train_segment(
        own_con, options, extra_frame=extra, extra_categorical=["cluster_id"]
    ).run_id
    model = load_model_from(own_con, run_id)
    frame = segment_frame(own_con, labeled=False).sort("event_id")
    frame = frame.join(extra, on="event_id", how="left", maintain_order="left")
    expected = model.predict_proba(frame)
    for engine, batch_rows in (("catboost", 250_000), ("forest", 5_000)):
        scored = score_unlabeled(own_con, model, extra_frame=extra, engine=engine,
                                 batch_rows=batch_rows)  # fmt: skip
        assert scored.engine == engine
        got = stored(own_con, run_id)
        assert got["event_id"].to_list() == frame["event_id"].to_list()
        np.testing.assert_allclose(got.select(COLUMNS).to_numpy(), expected, atol=1e-6)
