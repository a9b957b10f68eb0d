"""Bulk scoring of the unlabeled events into marts.segment_predictions, in batches.

The frame comes in parts (queries.segment_parts.SegmentParts): the event rows (numbers
and keys only, and only the columns the model uses) stream from DuckDB as Arrow record
batches on their own cursor, and the columns of each app, place, device and hour are
read and encoded once. Predictions go back through Arrow inside one transaction per
call, replacing the run's earlier rows, so a re-run is idempotent and readers never see
half a scoring run; they are written in inserts of at least a row group
(writer.PredictionWriter), which DuckDB writes to the file as they run.

Two engines give the same probabilities. "catboost" gathers each batch's design matrix
and calls CatBoost's predict. "forest" (forest.py) evaluates the trees per key value
instead: no matrix, no binarisation per event; it is checked against CatBoost on a slice
of every batch, and CatBoost takes over when they differ.

Three stages overlap: while one batch is predicted, the next is read and turned into its
keys' rows (or design matrix) on one thread and the previous batch's predictions are
written on another. Before the first write, that other thread refreshes, reads and
encodes the columns of every key value of the loads (queries.segment_parts:
`refresh_key_rows`, `known_dimensions`; no event is read for them) while the first
thread opens the stream and reads the first events. At most three batches are in memory
whatever the number of events.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from modeling.segment.fast.design import PartsDesign, parts_design
from modeling.segment.fast.forest import KeyedForest, kernel_loaded
from modeling.segment.fast.writer import PredictionWriter
from modeling.segment.features import ID
from modeling.segment.model import SegmentModel
from modeling.segment.store import prediction_table
from queries.runner import execute
from queries.segment_features import (
    KEYS,
    join_dimensions,
    representative_events,
    segment_dimensions,
    unlabeled_count,
)
from queries.segment_parts import (
    known_dimensions,
    refresh_key_rows,
    segment_dimension_columns,
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


@dataclass(frozen=True)
class Scored:
    """What a scoring call did: rows written, and the engine of its last batch
    ("catboost" after a fallback)."""

    rows: int
    engine: str


def score_unlabeled(
    con: duckdb.DuckDBPyConnection,
    model: SegmentModel,
    *,
    batch_rows: int = 250_000,
    extra_frame: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> Scored:
    """Score every unlabeled event with a fitted `model` loaded from the registry (its
    `run_id_` names the rows) into marts.segment_predictions, replacing the run's rows,
    in one transaction: the probabilities `model.predict_proba` gives on the joined frame
    (queries.segment_features.segment_frame).

    `engine`: "catboost", "forest" (ValueError when the model does not qualify) or
    "auto" (see `_forest`). `extra_frame` (event_id plus columns) is joined onto the
    events as in training. `progress(n)` is called with the rows of each finished batch.
    Call `ensure_segment_features` first.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    run_id = model.run_id_
    scored_at = datetime.now()
    # A numeric model gets only the event columns it uses; the others get every column
    # and are given each batch's joined frame.
    extra_columns = [] if extra_frame is None else extra_frame.columns
    design = None
    columns = None
    if model.takes_matrix():
        event_columns = segment_event_columns(con) + extra_columns
        design = parts_design(model, event_columns, segment_dimension_columns(con))
        columns = [ID, *KEYS, *(c for c in design.event_inputs if c not in extra_columns)]
    elif engine == "forest":
        reason = KeyedForest.unsupported(model)
        raise ValueError(f"engine 'forest' cannot score run {run_id}: {reason}")
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
            execute(con, "segment_predictions_delete", {"run_id": run_id})
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
    return Scored(rows=rows, engine=engine_used)


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
    """The key-by-key evaluator of `model` (forest.py), or None for CatBoost.

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
            pool = model.pool(join_dimensions(events, dims))
            return event_ids, partial(model.proba_from_pool, pool)
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
