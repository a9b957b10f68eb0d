"""`portrait score segment`: probabilities for the unlabeled events, in batches.

Features stream from DuckDB as Arrow record batches on their own cursor; predictions go
back through Arrow inside one transaction per call, replacing the run's earlier rows,
so a re-run is idempotent and readers never see half a scoring run. Memory stays at a
few batches whatever the number of events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

import duckdb
import polars as pl

from modeling.registry import load_model_from, run_info
from modeling.segment.features import ID
from modeling.segment.store import insert_predictions, prediction_table
from queries.runner import run
from queries.segment_features import ensure_segment_features, segment_batches
from warehouse.db import transaction

log = logging.getLogger(__name__)


def score_segment(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    *,
    batch_rows: int = 1_000_000,
    extra_frame: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Score every unlabeled event with a segment run (default: the latest one).

    Returns {"run_id", "rows", "seconds", "rows_per_second"}. `progress(n)` is called
    with the number of rows of each finished batch.
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
    reader_con = con.cursor()
    rows = 0
    started = time.perf_counter()
    try:
        reader = segment_batches(reader_con, labeled=False, batch_rows=batch_rows)
        with transaction(con):
            con.execute("delete from marts.segment_predictions where run_id = ?", [run_id])
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                frame = pl.from_arrow(batch)
                if extra_frame is not None:
                    frame = frame.join(extra_frame, on=ID, how="left", maintain_order="left")
                proba = model.predict_proba(frame)
                table = prediction_table(frame.get_column(ID).to_numpy(), proba)
                insert_predictions(con, run_id, table, scored_at)
                rows += frame.height
                if progress:
                    progress(frame.height)
    finally:
        reader_con.close()
    seconds = time.perf_counter() - started
    log.info("scored %d events with run %s in %.1f s", rows, run_id, seconds)
    return {
        "run_id": run_id,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / max(seconds, 1e-9),
    }


def unlabeled_count(con: duckdb.DuckDBPyConnection) -> int:
    ensure_segment_features(con)
    return int(run(con, "segment_unlabeled_count").item())
