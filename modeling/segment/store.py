"""Writing segment predictions to the marts, through Arrow, one transaction per call."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from modeling.segment.features import CLASSES
from warehouse.db import transaction

# DuckDB's row group. An insert of at least this many rows writes them to the database
# file as it runs; a smaller one keeps them in memory and writes them to the write-ahead
# log at commit, which made committing 200k scored events in two inserts take about
# 50 ms against 7 ms for one insert.
ROW_GROUP_ROWS = 122_880


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
    holdout_arrow = prediction_table(  # noqa: F841 - read by DuckDB below
        event_ids, proba, {"segment": pa.array(np.asarray(segments, dtype=np.int8))}
    )
    with transaction(con):
        con.execute("delete from marts.segment_holdout where run_id = ?", [run_id])
        con.execute(
            "insert into marts.segment_holdout (event_id, run_id, segment, p_segment_1, "
            "p_segment_2, p_segment_3, p_segment_4, p_segment_5, predicted_segment) "
            "select event_id, ?, segment, p_segment_1, p_segment_2, p_segment_3, "
            "p_segment_4, p_segment_5, predicted_segment from holdout_arrow",
            [run_id],
        )


def insert_predictions(
    con: duckdb.DuckDBPyConnection, run_id: str, table: pa.Table, scored_at: datetime
) -> None:
    """Append a batch to marts.segment_predictions (the caller holds the transaction)."""
    batch = table  # noqa: F841 - read by DuckDB below
    con.execute(
        "insert into marts.segment_predictions select event_id, ?, p_segment_1, "
        "p_segment_2, p_segment_3, p_segment_4, p_segment_5, predicted_segment, ? from batch",
        [run_id, scored_at],
    )


class PredictionWriter:
    """Appends prediction batches to marts.segment_predictions in inserts of at least
    `rows` rows (but the last), holding back smaller batches until then. The caller holds
    the transaction and calls `finish` before it commits."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: str,
        scored_at: datetime,
        rows: int = ROW_GROUP_ROWS,
    ):
        self.con = con
        self.run_id = run_id
        self.scored_at = scored_at
        self.rows = rows
        self.held: list[pa.Table] = []
        self.held_rows = 0

    def add(self, table: pa.Table) -> None:
        self.held.append(table)
        self.held_rows += table.num_rows
        if self.held_rows >= self.rows:
            self.finish()

    def finish(self) -> None:
        """Insert the batches held back."""
        if self.held:
            table = pa.concat_tables(self.held)
            self.held, self.held_rows = [], 0
            insert_predictions(self.con, self.run_id, table, self.scored_at)
