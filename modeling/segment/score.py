"""`portrait score segment`: probabilities for the unlabeled events, in batches.

The frame comes in parts (queries.segment_features.SegmentParts): the event rows (numbers
and keys only) stream from DuckDB as Arrow record batches on their own cursor, and the
columns of each app, place, device and hour are read and encoded once, when first met.
Predictions go back through Arrow inside one transaction per call, replacing the run's
earlier rows, so a re-run is idempotent and readers never see half a scoring run.

Three stages overlap: while CatBoost scores a batch, the next batch is read and turned
into its design matrix on one thread and the previous batch's predictions are written on
another. Each stage is partly single-threaded (numpy gathers, Arrow conversion, the
insert), so on two cores the overlap keeps both busy. At most three batches are in
memory whatever the number of events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import duckdb
import numpy as np
import polars as pl
from catboost import Pool

from modeling.registry import load_model_from, run_info
from modeling.segment.features import ID
from modeling.segment.model import SegmentModel
from modeling.segment.store import insert_predictions, prediction_table
from queries.runner import run
from queries.segment_features import (
    SegmentParts,
    ensure_segment_features,
    representative_events,
    segment_dimensions,
    segment_event_batches,
)
from warehouse.db import transaction

log = logging.getLogger(__name__)


def score_segment(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    *,
    batch_rows: int = 250_000,
    extra_frame: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Score every unlabeled event with a segment run (default: the latest one).

    Returns {"run_id", "rows", "seconds", "rows_per_second"}. `progress(n)` is called
    with the number of rows of each finished batch. Batches of 250k rows overlapped best
    on two cores (10M demo events: 1.0M rows/s against 0.8M with batches of 1M).
    """
    ensure_segment_features(con)
    model = load_model_from(con, run_id, kind="segment")
    run_id = model.run_id_
    extra = run_info(con, run_id)["params"].get("extra_features") or []
    if extra and extra_frame is None:
        raise ValueError(
            f"run {run_id} was trained with extra features {extra}; pass the same extra_frame"
        )
    scored_at = datetime.now()
    # The event rows stream on one cursor; the columns of newly met keys are read on
    # another, since a stream holds its cursor until it is exhausted.
    reader_con, key_con = con.cursor(), con.cursor()
    rows = 0
    started = time.perf_counter()
    try:
        reader = segment_event_batches(reader_con, labeled=False, batch_rows=batch_rows)
        batches = _Batches(model, reader, key_con, extra_frame)

        def write(event_ids: np.ndarray, proba: np.ndarray) -> None:
            insert_predictions(con, run_id, prediction_table(event_ids, proba), scored_at)

        with (
            transaction(con),
            ThreadPoolExecutor(1, "segment-read") as reading,
            ThreadPoolExecutor(1, "segment-write") as writing,
        ):
            con.execute("delete from marts.segment_predictions where run_id = ?", [run_id])
            written: Future | None = None
            prepared = reading.submit(batches.next)
            while (item := prepared.result()) is not None:
                prepared = reading.submit(batches.next)
                event_ids, pool = item
                proba = model.proba_from_pool(pool)
                if written is not None:
                    written.result()  # one write in flight: memory stays bounded
                written = writing.submit(write, event_ids, proba)
                rows += len(event_ids)
                if progress:
                    progress(len(event_ids))
            if written is not None:
                written.result()
    finally:
        reader_con.close()
        key_con.close()
    seconds = time.perf_counter() - started
    log.info("scored %d events with run %s in %.1f s", rows, run_id, seconds)
    return {
        "run_id": run_id,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / max(seconds, 1e-9),
    }


class _Batches:
    """The next batch of event rows as (event ids, CatBoost pool); None when done."""

    def __init__(self, model: SegmentModel, reader, key_con, extra_frame: pl.DataFrame | None):
        self.model = model
        self.batches = iter(reader)
        self.key_con = key_con
        self.extra_frame = extra_frame
        columns = reader.schema.names + ([] if extra_frame is None else extra_frame.columns)
        # Numeric models encode each app, place, device and hour once, when first met, and
        # then only gather; the others get each batch's parts.
        self.design = model.parts_design(columns) if model.takes_matrix() else None

    def next(self) -> tuple[np.ndarray, Pool] | None:
        batch = next(self.batches, None)
        while batch is not None and batch.num_rows == 0:
            batch = next(self.batches, None)
        if batch is None:
            return None
        events = pl.from_arrow(batch)
        if self.extra_frame is not None:
            events = events.join(self.extra_frame, on=ID, how="left", maintain_order="left")
        event_ids = events.get_column(ID).to_numpy()
        if self.design is None:
            dims = segment_dimensions(self.key_con, representative_events(events))
            return event_ids, self.model.pool(SegmentParts(events, dims))
        matrix = self.design.matrix(events, lambda ids: segment_dimensions(self.key_con, ids))
        return event_ids, self.model.matrix_pool(matrix)


def unlabeled_count(con: duckdb.DuckDBPyConnection) -> int:
    ensure_segment_features(con)
    return int(run(con, "segment_unlabeled_count").item())
