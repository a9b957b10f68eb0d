"""The dashboard over the real demo warehouse and the real segment model (not fixtures)."""

from __future__ import annotations

import polars as pl
import pytest
from fixture_warehouse import scored_rows

from dashboard.serving import ServingDB
from dashboard.store import DataStore
from modeling.segment import SegmentTrainOptions
from modeling.segment.upload import score_upload
from queries.cubes import build_cubes
from warehouse.db import connect, fetch_frame
from warehouse.publish import publish

OPTIONS = SegmentTrainOptions(
    holdout_days=7, guard_rows=20_000, shap_rows=200, model={"iterations": 40}
)


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory, trained_segment):
    path = tmp_path_factory.mktemp("dash-demo") / "portrait.duckdb"
    path.write_bytes(trained_segment[0].read_bytes())
    run_id = trained_segment[1]
    con = connect(path)
    build_cubes(con)
    snapshot = publish(con)
    events = con.execute("select count(*) from raw.ad_events").fetchone()[0]
    sample = fetch_frame(
        con,
        "select coalesce(segment::varchar, '') as Segment, gamecategory, subgamecategory, bundle, "
        "strftime(created, '%Y-%m-%d %H:%M:%S') as created, shift, oblast, city, os, osv "
        "from raw.ad_events order by event_id limit 20",
    )
    con.close()
    return snapshot, run_id, events, sample


def test_explorer_counts_cover_the_demo_and_predictions_fill_the_cube(demo_snapshot):
    snapshot, _, events, _ = demo_snapshot
    store = DataStore(ServingDB(snapshot))
    assert store.selected_events() == (events, events)
    predicted = store.dimension_counts("predicted_segment")
    scored = predicted.filter(pl.col("value") != "not scored").get_column("events").sum()
    assert scored > 0
    store.set_selection("predicted_segment", ["3"])
    assert 0 < store.selected_events()[0] < events
    run_id = demo_snapshot[1]
    assert store.shap_for_selection(run_id).height > 0


def test_score_a_file_with_the_real_segment_model(demo_snapshot, tmp_path):
    snapshot, run_id, _, sample = demo_snapshot
    upload = tmp_path / "sample.csv"
    sample.write_csv(upload)
    cursor = ServingDB(snapshot).connection()
    result = score_upload(upload, cursor, run_id)
    assert result.predictions.height + result.quarantine.height == 20
    assert result.predictions.height > 0
    assert result.shap is not None
    assert set(result.shap.get_column("class_label")) == {"1", "2", "3", "4", "5"}


def test_any_scored_event_is_explained_by_the_real_model(demo_snapshot):
    snapshot, run_id, _, _ = demo_snapshot
    store = DataStore(ServingDB(snapshot))
    scored = store.serving.query(
        "select count(*) from (select event_id from marts.segment_holdout union "
        "select event_id from marts.segment_predictions)"
    ).item()
    assert store.serving.query("select count(*) from marts.event_inputs").item() == scored
    rows = scored_rows(store, run_id)
    outside = rows.filter(~pl.col("explained")).row(0, named=True)
    explained = store.explain_event(run_id, outside["event_id"])
    for label, p in explained.probabilities.items():
        assert abs(p - outside[f"p_segment_{label}"]) < 1e-3
    # Where the stored sample has the event, the values computed now are the stored ones.
    sampled = int(rows.filter(pl.col("explained")).get_column("event_id")[0])
    stored = store.serving.query(
        "select class_label, feature, shap_value from ml.shap where run_id = $run and row_id = $row",
        {"run": run_id, "row": sampled},
    )
    now = store.explain_event(run_id, sampled).shap
    joined = stored.join(now, on=["class_label", "feature"], suffix="_now")
    assert joined.height == stored.height > 0
    assert (joined["shap_value"] - joined["shap_value_now"]).abs().max() < 1e-6
