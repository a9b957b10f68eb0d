"""Segment predictions as Arrow tables, and a run's holdout predictions in the marts."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from modeling.segment.features import CLASSES
from queries.runner import execute
from warehouse.db import transaction

HOLDOUT_VIEW = "segment_holdout_batch"  # the name segment_holdout_insert.sql reads


def prediction_table(
    event_ids: np.ndarray, proba: np.ndarray, extra: dict | None = None
) -> pa.Table:
    """event_id, p_segment_1..5, predicted_segment (+ extra columns) as Arrow.

    The run id is the same on every row: it travels as a bound parameter instead.
    """
    columns = {"event_id": pa.array(np.asarray(event_ids, dtype=np.int64))}
    for i, label in enumerate(CLASSES):
        columns[f"p_segment_{label}"] = pa.array(proba[:, i].astype(np.float32))
    predicted = np.asarray(CLASSES, dtype=np.int8)[proba.argmax(axis=1)]
    columns["predicted_segment"] = pa.array(predicted)
    for name, values in (extra or {}).items():
        columns[name] = values
    return pa.table(columns)


def write_holdout(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    event_ids: np.ndarray,
    segments: np.ndarray,
    proba: np.ndarray,
) -> None:
    """Replace the run's rows of marts.segment_holdout."""
    table = prediction_table(
        event_ids, proba, {"segment": pa.array(np.asarray(segments, dtype=np.int8))}
    )
    con.register(HOLDOUT_VIEW, table)
    try:
        with transaction(con):
            execute(con, "segment_holdout_delete", {"run_id": run_id})
            execute(con, "segment_holdout_insert", {"run_id": run_id})
    finally:
        con.unregister(HOLDOUT_VIEW)
