"""Writing segment predictions: batches gathered into large inserts, nothing lost."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from modeling.segment.store import PredictionWriter, prediction_table
from warehouse.db import connect, transaction


def _stored(con) -> list[tuple]:
    return con.execute(
        "select event_id, run_id, predicted_segment from marts.segment_predictions "
        "order by event_id"
    ).fetchall()


def test_writer_holds_small_batches_back_and_writes_each_row_once(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    proba = np.eye(5)[[0, 1, 2, 3, 4, 0, 1]]  # segments 1..5, 1, 2
    writer = PredictionWriter(con, "run-a", datetime(2026, 11, 23), rows=4)
    with transaction(con):
        writer.add(prediction_table(np.array([1, 2]), proba[:2]))
        assert _stored(con) == []  # 2 rows: held back
        writer.add(prediction_table(np.array([3, 4, 5]), proba[2:5]))
        assert len(_stored(con)) == 5  # 5 rows reached 4: written together
        writer.add(prediction_table(np.array([6, 7]), proba[5:]))
        assert len(_stored(con)) == 5
        writer.finish()
        writer.finish()  # nothing held: nothing written twice
    assert _stored(con) == [(i, "run-a", segment) for i, segment in
                            zip(range(1, 8), [1, 2, 3, 4, 5, 1, 2], strict=True)]  # fmt: skip
