import polars as pl
import pytest

from dashboard.scoring import score_upload
from dashboard.serving import ServingDB

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
