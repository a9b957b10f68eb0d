"""`portrait score segment`: probabilities for the unlabeled events, in batches.

The frame comes in parts (queries.segment_features.SegmentParts): the event rows (numbers
and keys only, and only the columns the model uses) stream from DuckDB as Arrow record
batches on their own cursor, and the columns of each app, place, device and hour are
read and encoded once. Predictions go back through Arrow inside one transaction per
call, replacing the run's earlier rows, so a re-run is idempotent and readers never see
half a scoring run; they are written in inserts of at least a row group
(store.PredictionWriter), which DuckDB writes to the file as they run.

Two engines give the same probabilities. "catboost" gathers each batch's design matrix
and calls CatBoost's predict. "forest" (modeling/segment/forest.py) evaluates the trees
per key value instead: no matrix, no binarisation per event; it is checked against
CatBoost on a slice of every batch. It spends about 70 % of CatBoost's CPU per
event; `benchmarks/segment.py` times both.

Three stages overlap: while one batch is predicted, the next is read and turned into its
keys' rows (or design matrix) on one thread and the previous batch's predictions are
written on another. Before the first write, that other thread refreshes, reads and
encodes the columns of every key value of the loads (queries.segment_features:
`refresh_key_rows`, `known_dimensions`; no event is read for them) while the first
thread opens the stream and reads the first events. At most three batches are in memory
whatever the number of events.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from modeling.registry import load_model_from, run_info
from modeling.segment.design import PartsDesign
from modeling.segment.features import ID
from modeling.segment.forest import KeyedForest, kernel_loaded
from modeling.segment.model import SegmentModel
from modeling.segment.store import PredictionWriter, prediction_table
from queries.runner import run
from queries.segment_features import (
    DIMENSIONS,
    SegmentParts,
    ensure_segment_features,
    known_dimensions,
    refresh_key_rows,
    representative_events,
    segment_dimensions,
    segment_event_batches,
    segment_event_columns,
)
from warehouse.db import transaction

log = logging.getLogger(__name__)

ENGINES = ("auto", "catboost", "forest")
# Below this many events numba's start-up (about 0.5 CPU-seconds per process) costs more
# than evaluating the trees per key saves (about 0.6 µs per event).
FOREST_MIN_ROWS = 1_000_000
CHECK_ROWS = 1_000  # events of each batch scored both ways when the forest scores
CHECK_TOLERANCE = 1e-9  # largest difference from CatBoost's probabilities accepted


def score_segment(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    *,
    batch_rows: int = 250_000,
    extra_frame: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> dict:
    """Score every unlabeled event with a segment run (default: the latest one).

    Returns {"run_id", "engine", "rows", "seconds", "rows_per_second"} ("engine": the one
    that scored the last batch, "catboost" after a fallback); `seconds` counts
    from the model loaded to the transaction committed. `progress(n)` is called with the
    number of rows of each finished batch. `engine`: "catboost", "forest" (ValueError
    when the model does not qualify) or "auto" (see `_forest`). Batches of 250k rows
    overlapped best for "catboost" on the 10M-event demo warehouse (better than 500k);
    "forest" hardly cares.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    ensure_segment_features(con)
    model = load_model_from(con, run_id, kind="segment")
    run_id = model.run_id_
    extra = run_info(con, run_id)["params"].get("extra_features") or []
    if extra and extra_frame is None:
        raise ValueError(
            f"run {run_id} was trained with extra features {extra}; pass the same extra_frame"
        )
    scored_at = datetime.now()
    started = time.perf_counter()
    # A numeric model gets only the event columns it uses; the others go to the model as
    # a frame (SegmentParts) and get them all.
    extra_columns = [] if extra_frame is None else extra_frame.columns
    design = None
    columns = None
    if model.takes_matrix():
        design = model.parts_design(segment_event_columns(con) + extra_columns)
        columns = [ID, *DIMENSIONS, *(c for c in design.event_inputs if c not in extra_columns)]
    # The event rows stream on one cursor; the columns of the keys are read on another,
    # since a stream holds its cursor until it is exhausted.
    reader_con, key_con = con.cursor(), con.cursor()
    batches = None
    rows = 0

    writer = PredictionWriter(con, run_id, scored_at)

    def write(event_ids: np.ndarray, proba: np.ndarray) -> None:
        writer.add(prediction_table(event_ids, proba))

    try:
        with (
            transaction(con),
            ThreadPoolExecutor(1, "segment-read") as reading,
            ThreadPoolExecutor(1, "segment-write") as writing,
        ):
            # The writing thread is idle until the first batch is predicted: meanwhile it
            # refreshes, reads and encodes the columns of every key and chooses the
            # engine, while the reading thread opens the stream and reads the first events.
            forest = None
            if design is not None:
                forest = writing.submit(_keys_and_engine, key_con, model, design, engine)
            stream = partial(
                segment_event_batches,
                reader_con,
                labeled=False,
                batch_rows=batch_rows,
                columns=columns,
            )
            batches = _Batches(model, stream, key_con, extra_frame, design, forest)
            prepared = reading.submit(batches.next)
            con.execute("delete from marts.segment_predictions where run_id = ?", [run_id])
            written: Future | None = None
            while (item := prepared.result()) is not None:
                prepared = reading.submit(batches.next)
                event_ids, predict = item
                proba = predict()
                if written is not None:
                    written.result()  # one write in flight: memory stays bounded
                written = writing.submit(write, event_ids, proba)
                rows += len(event_ids)
                if progress:
                    progress(len(event_ids))
            if written is not None:
                written.result()
            writer.finish()
            engine_used = batches.engine()  # raises the forest's error when no batch did
    finally:
        # A stream left open keeps the database open after the connection is closed,
        # and a later connect() to the file then waits for it forever.
        if batches is not None:
            batches.close()
        reader_con.close()
        key_con.close()
    seconds = time.perf_counter() - started
    log.info("scored %d events with run %s in %.1f s", rows, run_id, seconds)
    return {
        "run_id": run_id,
        "engine": engine_used,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / max(seconds, 1e-9),
    }


def _keys_and_engine(
    con: duckdb.DuckDBPyConnection, model: SegmentModel, design: PartsDesign, engine: str
) -> KeyedForest | None:
    """Add every key value known from the loads (`known_dimensions`, after
    `refresh_key_rows` in a transaction of its own on `con`) to `design`, then `_forest`.
    Keys missing there are read with the first batch that has them."""
    refresh_key_rows(con)
    design.add(known_dimensions(con))
    return _forest(con, model, design, engine)


def _forest(
    con: duckdb.DuckDBPyConnection, model: SegmentModel, design: PartsDesign, engine: str
) -> KeyedForest | None:
    """The key-by-key evaluator of `model` (modeling.segment.forest), or None for CatBoost.

    "auto" takes it when the model qualifies and numba is installed, for FOREST_MIN_ROWS
    events or more or once this process has loaded the kernel: below that, numba's
    start-up costs more than the evaluator saves.
    """
    if engine == "catboost":
        return None
    reason = KeyedForest.unsupported(model)
    if reason is None and importlib.util.find_spec("numba") is None:
        reason = "numba is not installed"
    if reason is None and engine == "auto" and not kernel_loaded():
        if unlabeled_count(con) < FOREST_MIN_ROWS:
            return None
    try:
        if reason is None:
            return KeyedForest(model, design)
    except ValueError as error:
        reason = str(error)
    if engine == "forest":
        raise ValueError(f"engine 'forest' cannot score run {model.run_id_}: {reason}")
    log.info("scoring with CatBoost: %s", reason)
    return None


class _Batches:
    """The next batch of event rows as (event ids, its prediction to run); None when done."""

    def __init__(
        self,
        model: SegmentModel,
        stream: Callable[[], pa.RecordBatchReader],
        key_con,
        extra_frame: pl.DataFrame | None,
        design: PartsDesign | None,
        forest: KeyedForest | Future | None = None,
    ):
        """`stream` opens the event rows' stream (on the reading thread, at the first
        `next`; `close` closes it). `design`: numeric models encode each app, place,
        device and hour once, when first met, and then only gather; the others (design
        None) get each batch's parts.
        `forest` (numeric models only), or the future of `_forest`: evaluates the trees per
        key instead of CatBoost."""
        self.model = model
        self.stream = stream
        self.reader: pa.RecordBatchReader | None = None
        self.batches: Iterator[pa.RecordBatch] = iter(())
        self.key_con = key_con
        self.extra_frame = extra_frame
        self.design = design
        self.forest_future = forest if isinstance(forest, Future) else None
        self.forest: KeyedForest | None = None if isinstance(forest, Future) else forest
        # The reading thread grows the design while a batch is predicted: a fallback to
        # CatBoost reads it from the predicting thread.
        self.design_lock = threading.Lock()

    def next(self) -> tuple[np.ndarray, Callable[[], np.ndarray]] | None:
        if self.reader is None:
            self.reader = self.stream()
            self.batches = iter(self.reader)
        batch = next(self.batches, None)
        while batch is not None and batch.num_rows == 0:
            batch = next(self.batches, None)
        if batch is None:
            return None
        events = pl.from_arrow(batch)
        if self.extra_frame is not None:
            events = events.join(self.extra_frame, on=ID, how="left", maintain_order="left")
        event_ids = events.get_column(ID).to_numpy()
        model = self.model
        if self.design is None:
            dims = segment_dimensions(self.key_con, representative_events(events))
            return event_ids, partial(model.proba_from_pool, model.pool(SegmentParts(events, dims)))
        fetch = partial(segment_dimensions, self.key_con)
        with self.design_lock:
            forest = self._resolve_forest()  # the design has every key known so far then
            rows = self.design.rows(events, fetch)
            if forest is not None:
                prepared = forest.prepare(rows, *self.design.event_values(events))
                # CatBoost's probabilities for the events checked (the design is only read
                # here), on this thread rather than the predicting one, which then only
                # runs the forest.
                check = model.matrix_pool(self.design.matrix(events.head(CHECK_ROWS)))
                expected = model.proba_from_pool(check)
                return event_ids, partial(self._forest_proba, events, prepared, expected)
            pool = model.matrix_pool(self.design.matrix(events))
        return event_ids, partial(model.proba_from_pool, pool)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()

    def _resolve_forest(self) -> KeyedForest | None:
        """The forest once `_forest` is done (waits for it the first time)."""
        if self.forest_future is not None:
            future, self.forest_future = self.forest_future, None
            self.forest = future.result()
        return self.forest

    def engine(self) -> str:
        """The engine of the last batch: "forest", or "catboost" (also after a fallback)."""
        return "catboost" if self._resolve_forest() is None else "forest"

    def _forest_proba(
        self, events: pl.DataFrame, prepared: tuple, expected: np.ndarray
    ) -> np.ndarray:
        """The forest's probabilities, compared with CatBoost's on the batch's first
        CHECK_ROWS events; CatBoost from then on if they differ."""
        forest = self.forest
        if forest is not None:
            proba = forest.evaluate(prepared)
            gap = float(np.abs(proba[: len(expected)] - expected).max(initial=0.0))
            if gap <= CHECK_TOLERANCE:
                return proba
            log.warning("key-by-key trees differ from CatBoost by %.2g: CatBoost from now on", gap)
            self.forest = None
        with self.design_lock:
            matrix = self.design.matrix(events)
        return self.model.proba_from_pool(self.model.matrix_pool(matrix))


def unlabeled_count(con: duckdb.DuckDBPyConnection) -> int:
    ensure_segment_features(con)
    return int(run(con, "segment_unlabeled_count").item())
