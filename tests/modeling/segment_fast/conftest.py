"""A segment run trained once on a copy of the small demo warehouse, for the fast paths'
tests: each holds a fast path to what the reference (SegmentModel on the joined frame)
gives."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modeling.registry import load_model_from
from modeling.segment import SegmentTrainOptions
from queries.segment_features import segment_frame
from warehouse.db import connect, fetch_frame

OPTIONS = SegmentTrainOptions(
    holdout_days=7, guard_rows=30_000, shap_rows=300, model={"iterations": 60}
)
COLUMNS = [f"p_segment_{k}" for k in range(1, 6)]
STORED = "select * from marts.segment_predictions where run_id = $r order by event_id"


@pytest.fixture
def own_con(trained, tmp_path):
    """A connection to a private copy of the trained warehouse, for tests that change it."""
    path = tmp_path / "portrait.duckdb"
    path.write_bytes(trained[0].read_bytes())
    con = connect(path)
    yield con
    con.close()


def stored(con, run_id: str) -> pl.DataFrame:
    """The run's rows of marts.segment_predictions, by event id."""
    return fetch_frame(con, STORED, {"r": run_id})


def reference(con, run_id: str, model=None) -> tuple[np.ndarray, np.ndarray]:
    """(event ids, probabilities) of every unlabeled event by the reference path: the
    model's predict_proba on the joined frame."""
    model = model or load_model_from(con, run_id)
    frame = segment_frame(con, labeled=False).sort("event_id")
    return frame["event_id"].to_numpy(), model.predict_proba(frame)
