"""The segment frame in parts, for the fast paths (modeling.segment.fast).

`SegmentParts` holds the event rows (segment_events.sql: numbers and keys) and one small
frame per app, place, device and local hour (segment_key_events.sql): strings such as
the bundle and its tokens cross from DuckDB once per app instead of once per event, which
was most of what reading the frame cost. `SegmentParts.flat()` is the reference frame
(queries.segment_features.segment_frame) of the same events.

Bulk scoring streams the event rows (`segment_event_batches`) and reads the key frames
before any event: `refresh_key_rows` keeps one raw row of each key value of every load
(features.ad_event_key_rows) and their columns (features.ad_event_key_dimensions,
recomputed when a load, the reference table, DuckDB or the query changes), and
`known_dimensions` reads those.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Unpack

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from queries.runner import execute, run, sql_text
from queries.segment_features import (
    ALL_ROWS,
    FEATURES_VIEW,
    EventSlice,
    dimension_columns,
    dimensions_of,
    events_params,
    join_dimensions,
    segment_events_with_dimensions,
)
from warehouse.db import table_exists, transaction
from warehouse.dictionary import copy_column_comments

log = logging.getLogger(__name__)

KEY_DIMENSIONS = "features.ad_event_key_dimensions"
# The queries whose text the key dimensions are computed by: a change recomputes them.
KEY_DIMENSION_QUERIES = ("build_ad_event_features", "segment_key_events")


@dataclass(frozen=True)
class SegmentParts:
    """The segment frame in parts: event rows with keys, and one frame per key.

    `dims` maps a key column of `events` to a frame with one row per value of that key
    and the columns that depend on it alone.
    """

    events: pl.DataFrame
    dims: dict[str, pl.DataFrame]

    @property
    def height(self) -> int:
        return self.events.height

    def sample(self, n: int, seed: int) -> SegmentParts:
        """`n` events (at most all) picked as DataFrame.sample picks rows of the flat frame."""
        return SegmentParts(self.events.sample(n=min(n, self.height), seed=seed), self.dims)

    def with_events(self, events: pl.DataFrame) -> SegmentParts:
        """The same dimension frames with other event rows (a sample, or more columns)."""
        return SegmentParts(events, self.dims)

    def flat(self) -> pl.DataFrame:
        """One row per event with every column, in the order of the event rows
        (queries.segment_features.join_dimensions)."""
        return join_dimensions(self.events, self.dims)


def segment_parts(con: duckdb.DuckDBPyConnection, **events: Unpack[EventSlice]) -> SegmentParts:
    """The model's frame for a slice of events, in parts."""
    return SegmentParts(*segment_events_with_dimensions(con, **events))


def refresh_key_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Copy one raw row of each key value first met in the loads since the last refresh
    into features.ad_event_key_rows, and compute their columns into
    features.ad_event_key_dimensions (`known_dimensions` reads them); return how many
    rows were copied.

    Call it after `ensure_segment_features`. The columns are computed again, from the few
    thousand key rows, after a new load or when the reference table, the DuckDB version
    or the query text changed; otherwise a refresh costs a look at the last load and a
    fingerprint of the reference table. Rows that reached raw.ad_events without a new
    load (inserted by hand) are not seen: scoring then reads their key values from the
    events themselves, as it does for any key not known here.
    """
    code = "".join(sql_text(name) for name in KEY_DIMENSION_QUERIES)
    after, through, inputs, stale = run(con, "segment_key_rows_loads", {"code": code}).row(0)
    if through <= after and not stale:
        return 0
    added = 0
    with transaction(con):
        if through > after:
            added = con.execute(
                sql_text("segment_key_rows_add"), {"after": after, "through": through}
            ).fetchone()[0]
        _store_key_dimensions(con)
        execute(con, "segment_key_rows_mark", {"through": max(through, after), "inputs": inputs})
    log.info("copied %d key rows from loads %d to %d", added, after + 1, through)
    return int(added)


def _store_key_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """features.ad_event_key_dimensions created afresh from segment_key_events.sql over the
    key rows alone (its columns follow the query's), and documented."""
    execute(con, "segment_key_dimensions_drop")
    _key_events(con, key_rows=True).create(KEY_DIMENSIONS)
    copy_column_comments(con, FEATURES_VIEW, KEY_DIMENSIONS)
    execute(con, "segment_key_dimensions_comments")


def _key_events(con: duckdb.DuckDBPyConnection, *, key_rows: bool) -> duckdb.DuckDBPyRelation:
    params = {"event_ids": np.empty(0, dtype=np.int64), "key_rows": key_rows}
    con.complete()  # a relation needs the connection free of unread results
    return con.sql(sql_text("segment_key_events"), params=params)


def known_dimensions(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """As `segment_dimensions`, for every key value of the loads up to the last
    `refresh_key_rows`, as it computed them: no event is read, nothing is computed.
    Empty before the first refresh."""
    if not table_exists(con, KEY_DIMENSIONS):
        return dimensions_of(_key_events(con, key_rows=False).pl())
    return dimensions_of(run(con, "segment_key_dimensions"))


def segment_event_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the event rows (segment_events.sql), without reading any row."""
    con.complete()
    return con.sql(
        sql_text("segment_events"), params=events_params(None, None, None, ALL_ROWS, 0)
    ).columns


def segment_event_batches(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None = False,
    batch_rows: int = 1_000_000,
    columns: list[str] | None = None,
) -> pa.RecordBatchReader:
    """Stream the event rows in Arrow record batches (unlabeled events by default).

    `columns` keeps only those columns (in the query's order): DuckDB then skips the
    work of the others, e.g. the calendar columns a model does not use. The reader holds
    `con` until it is exhausted: read the dimensions of the batches' keys
    (`segment_dimensions`) on another cursor.
    """
    con.complete()
    params = events_params(labeled, None, None, ALL_ROWS, 0)
    relation = con.sql(sql_text("segment_events"), params=params)
    if columns is not None:
        unknown = set(columns) - set(relation.columns)
        if unknown:
            raise ValueError(f"segment_events has no column(s): {', '.join(sorted(unknown))}")
        # Names checked against the query's own columns above, never free text.
        relation = relation.select(
            *(duckdb.ColumnExpression(c) for c in relation.columns if c in columns)
        )
    return relation.to_arrow_reader(batch_rows)


def segment_dimension_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Key -> the columns of its dimension frame, key first (segment_key_events.sql's
    order), without reading any row."""
    text = sql_text("segment_key_events")
    # The names of the query's columns follow from its text alone: planning it once per
    # text spares every scoring call a few milliseconds on its serial path.
    if text not in _DIMENSION_COLUMNS:
        columns = _key_events(con, key_rows=False).columns
        _DIMENSION_COLUMNS[text] = {
            key: [key, *own] for key, own in dimension_columns(columns).items()
        }
    return {key: list(columns) for key, columns in _DIMENSION_COLUMNS[text].items()}


_DIMENSION_COLUMNS: dict[str, dict[str, list[str]]] = {}
