import polars as pl
import pytest
from fixture_warehouse import scored_rows

from dashboard.serving import ServingDB
from modeling.segment.upload import score_upload

HEADER = "Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv"
ROWS = [
    "3,Puzzle,Puzzle sub,com.studio1.game1,2024-03-05 10:15:00,MSK,Москва,Москва,android,11",
    ",Casual,Casual sub,com.studio2.game2,2024-03-06 21:40:00,MSK+2,Свердловская область,Екатеринбург,ios,14.4.1",
    ",Racing,Racing sub,com.studio3.game3,2024-03-07 08:05:00,MSK,Москва,Москва,android,9.0",
    "4,Word,Word sub,com.studio4.game4,not a date,MSK,Москва,Москва,android,11",
    "9,Board,Board sub,com.studio5.game5,2024-03-07 09:00:00,MSK,Москва,Москва,android,11",
]


@pytest.fixture()
def upload(tmp_path):
    path = tmp_path / "upload.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_uploaded_file_is_validated_scored_and_explained(serving_path, upload):
    serving = ServingDB(serving_path)
    before = serving_path.with_name("portrait.duckdb").stat().st_mtime_ns
    cursor = serving.connection()
    run_id = serving.query("select run_id from ml.model_runs where kind = 'segment'").item()
    result = score_upload(upload, cursor, run_id)
    assert result.rows_read == 5
    assert result.quarantine.height == 2
    assert set(result.quarantine.get_column("line_number").to_list()) == {5, 6}
    assert result.quarantine.get_column("reason").str.len_chars().min() > 0
    assert result.predictions.height == 3
    probabilities = result.predictions.select(pl.col("^p_segment_.*$")).sum_horizontal()
    assert probabilities.min() > 0.99 and probabilities.max() < 1.01
    assert result.shap is not None and set(result.shap.get_column("row_id")) == set(
        result.predictions.get_column("event_id")
    )
    # Nothing was written to the warehouse or the snapshot.
    assert serving_path.with_name("portrait.duckdb").stat().st_mtime_ns == before
    assert serving.query("select count(*) from ops.loads").item() == 1


def test_a_scored_event_outside_the_shap_sample_is_explained_on_demand(store):
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    rows = scored_rows(store, run_id)
    unexplained = rows.filter(~pl.col("explained") & (pl.col("source") == "unlabeled")).row(
        0, named=True
    )
    explained = store.explain_event(run_id, unexplained["event_id"])
    # The features rebuilt from the snapshot give the probabilities the scoring job stored.
    for label, p in explained.probabilities.items():
        assert abs(p - unexplained[f"p_segment_{label}"]) < 1e-3
    assert explained.predicted == str(unexplained["predicted_segment"])
    assert set(explained.shap.get_column("class_label")) == {"1", "2", "3", "4", "5"}
    assert set(explained.shap.get_column("row_id")) == {unexplained["event_id"]}
    # Kept for the session: a second click does not recompute.
    assert store.explain_event(run_id, unexplained["event_id"]) is explained


def test_on_demand_shap_of_a_sampled_event_matches_the_stored_sample(store):
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    event_id = scored_rows(store, run_id).filter(pl.col("explained")).get_column("event_id")[0]
    stored = store.serving.query(
        "select class_label, feature, feature_value, shap_value from ml.shap "
        "where run_id = $run_id and row_id = $row_id",
        {"run_id": run_id, "row_id": int(event_id)},
    )
    computed = store.explain_event(run_id, event_id).shap.drop("row_id")
    joined = stored.join(computed, on=["class_label", "feature"], suffix="_now")
    assert joined.height == stored.height > 0
    assert (joined["feature_value"] == joined["feature_value_now"]).all()
    assert (joined["shap_value"] - joined["shap_value_now"]).abs().max() < 1e-6


def test_an_event_without_exported_fields_says_what_to_run(store):
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    with pytest.raises(ValueError, match="portrait publish"):
        store.explain_event(run_id, 10**12)
