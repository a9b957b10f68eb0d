"""The segment model's features, read through the SQL files in queries/sql.

features.ad_events (shared by the audience models) is built by
build_ad_event_features.sql; the segment model adds features.bundles (bundle tokens and
shape, one row per bundle) and reads its frame with segment_features.sql.
"""

from __future__ import annotations

import logging
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from queries.runner import execute, run, sql_text
from warehouse.db import table_exists

log = logging.getLogger(__name__)

ALL_ROWS = 1_000_000  # sample_per_million that keeps every row


def _row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # Table names here are constants of this module, never user input.
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def ensure_segment_features(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False) -> None:
    """Build features.ad_events and features.bundles when missing or stale (or always)."""
    stale = rebuild or not table_exists(con, "features.ad_events")
    if not stale:
        stale = _row_count(con, "features.ad_events") != _row_count(con, "raw.ad_events")
    if stale:
        log.info("building features.ad_events")
        execute(con, "build_ad_event_features")
    if stale or not table_exists(con, "features.bundles"):
        log.info("building features.bundles")
        execute(con, "bundle_features")


def segment_period(con: duckdb.DuckDBPyConnection, holdout_days: int) -> dict:
    """first_date, last_date, holdout_start, labeled_rows, labeled_days of the labeled events."""
    row = run(con, "segment_period", {"holdout_days": holdout_days}).row(0, named=True)
    if not row["labeled_rows"]:
        raise ValueError("raw.ad_events has no labeled rows (Segment is empty everywhere)")
    return row


def sample_per_million(total_rows: int, wanted_rows: int | None) -> int:
    """The hash-sample rate (per million) that keeps about `wanted_rows` of `total_rows`."""
    if wanted_rows is None or total_rows <= wanted_rows:
        return ALL_ROWS
    return max(1, int(ALL_ROWS * wanted_rows / total_rows))


def segment_frame(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_million: int = ALL_ROWS,
    seed: int = 0,
) -> pl.DataFrame:
    """The model's frame for a slice of events (see segment_features.sql)."""
    return run(con, "segment_features", _params(labeled, date_from, date_to, per_million, seed))


def segment_batches(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None = False,
    batch_rows: int = 1_000_000,
) -> pa.RecordBatchReader:
    """Stream the frame in Arrow record batches (unlabeled events by default), for scoring."""
    con.complete()
    relation = con.sql(
        sql_text("segment_features"), params=_params(labeled, None, None, ALL_ROWS, 0)
    )
    return relation.to_arrow_reader(batch_rows)


def segment_frequencies(con: duckdb.DuckDBPyConnection, date_to: date) -> pl.DataFrame:
    """feature, value, share of the frequency-encoded columns over events before date_to."""
    return run(con, "segment_frequencies", {"date_to": date_to})


def segment_oracle(con: duckdb.DuckDBPyConnection, date_from: date) -> pl.DataFrame:
    """Demo only: true probabilities of the labeled events from date_from on (may be empty)."""
    if not table_exists(con, "ops.oracle_segment"):
        return pl.DataFrame()
    return run(con, "segment_oracle", {"date_from": date_from})


def _params(labeled, date_from, date_to, per_million, seed) -> dict:
    return {
        "labeled": labeled,
        "date_from": date_from,
        "date_to": date_to,
        "sample_per_million": per_million,
        "seed": seed,
    }
