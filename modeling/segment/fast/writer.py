"""Appending scored batches to marts.segment_predictions in inserts of a row group or more."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from queries.runner import execute

# DuckDB's row group. An insert of at least this many rows writes them to the database
# file as it runs; a smaller one keeps them in memory and writes them to the write-ahead
# log at commit, which made committing many small inserts several times slower than one.
ROW_GROUP_ROWS = 122_880
BATCH_VIEW = "segment_prediction_batch"  # the name segment_predictions_insert.sql reads


class PredictionWriter:
    """Appends prediction batches (store.prediction_table) to marts.segment_predictions in
    inserts of at least `rows` rows (but the last), holding back smaller batches until
    then. The caller holds the transaction and calls `finish` before it commits."""

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
        if not self.held:
            return
        table = pa.concat_tables(self.held)
        self.held, self.held_rows = [], 0
        self.con.register(BATCH_VIEW, table)
        try:
            params = {"run_id": self.run_id, "scored_at": self.scored_at}
            execute(self.con, "segment_predictions_insert", params)
        finally:
            self.con.unregister(BATCH_VIEW)
