"""The segment model's features, read through the SQL files in queries/sql.

features.ad_events (the features the audience models share, build_ad_event_features.sql)
is a view over raw.ad_events. The model's frame comes in parts (`SegmentParts`): one row
per event with the features of the event itself and the keys of its app, place, device
and local hour (segment_events.sql), and one small frame per key with the columns that
depend on that key alone, the bundle's tokens and shape among them
(segment_key_events.sql, asked for one event per key value). Strings such as the bundle
and its tokens then cross from DuckDB once per app instead of once per event, which was
most of what reading the frame cost. Training and scoring read the parts as they are;
`SegmentParts.flat()` joins them into one row per event, for samples and small frames.

Scoring reads the key frames before any event: `refresh_key_rows` keeps one raw row of
each key value of every load (features.ad_event_key_rows) and their columns
(features.ad_event_key_dimensions, recomputed when a load, the reference table, DuckDB or
the query changes), and `known_dimensions` reads those.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from queries.runner import execute, run, sql_text
from warehouse.db import fetch_frame, table_exists, transaction
from warehouse.dictionary import copy_column_comments

log = logging.getLogger(__name__)

ALL_ROWS = 1_000_000  # sample_per_million that keeps every row
ID = "event_id"

FEATURES_VIEW = "features.ad_events"  # created by build_ad_event_features.sql
# The views and tables build_ad_event_features.sql creates: a missing one rebuilds them
# all. (Its table macro, features.ad_event_features, comes with them: looking for macros
# in duckdb_functions() took about 20 ms a call, against under 5 ms for the rest.)
FEATURE_OBJECTS = {
    FEATURES_VIEW: "view",
    "features.ad_event_key_rows": "table",
    "features.ad_event_key_rows_loaded": "table",
    "features.ad_event_key_dimensions": "table",  # created here, from segment_key_events.sql
}
KEY_DIMENSIONS = "features.ad_event_key_dimensions"
# The queries whose text the key dimensions are computed by: a change recomputes them.
KEY_DIMENSION_QUERIES = ("build_ad_event_features", "segment_key_events")
# Tables that earlier versions materialised; features.bundles is now computed per app
# inside segment_key_events.sql.
LEGACY_TABLES = ("features.ad_events", "features.bundles")
# Key column of the event rows -> the columns that depend on that key alone.
DIMENSIONS = {
    "app_key": (
        "gamecategory",
        "subgamecategory",
        "bundle",
        "bundle_vendor",
        "bundle_token_text",
        "bundle_token_count",
        "bundle_dots",
        "bundle_capitals",
        "bundle_digits",
        "bundle_length",
    ),
    "place_key": ("oblast", "city", "region_msk_offset", "region_population", "region_salary_rank"),
    "device_key": ("os", "os_major"),
    "local_hour": ("part_of_day",),
}
# Keys that are hashes for joining only, not features: the flat frame drops them.
HASH_KEYS = ("app_key", "place_key", "device_key")
# Columns of the flat frame, in order (what segment_frame returns).
FRAME_COLUMNS = (
    "event_id",
    "segment",
    "event_date",
    "local_hour",
    "local_weekday",
    "is_weekend",
    "part_of_day",
    "day_of_month",
    "shift_missing",
    "offset_hours",
    "os",
    "os_major",
    "gamecategory",
    "subgamecategory",
    "oblast",
    "city",
    "region_msk_offset",
    "region_population",
    "region_salary_rank",
    "bundle",
    "bundle_vendor",
    "bundle_token_text",
    "bundle_token_count",
    "bundle_dots",
    "bundle_capitals",
    "bundle_digits",
    "bundle_length",
)


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
        """One row per event with every column, in the order of the event rows.

        Raises ValueError when an event's key has no row in its dimension frame.
        """
        parts = [self.events]
        for key, dim in self.dims.items():
            # The row of each event's key in its dimension, by a hash index, then a gather:
            # faster than a join, and each column is copied once.
            rows = pd.Index(dim.get_column(key).to_numpy()).get_indexer(
                self.events.get_column(key).to_numpy()
            )
            if (rows < 0).any():
                raise ValueError(f"some events have a {key} missing from its dimension frame")
            parts.append(dim.drop(key)[rows])
        frame = pl.concat(parts, how="horizontal")
        ordered = [c for c in FRAME_COLUMNS if c in frame.columns]
        rest = [c for c in frame.columns if c not in ordered and c not in HASH_KEYS]
        return frame.select(*ordered, *rest)


def ensure_segment_features(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False) -> None:
    """Create the view features.ad_events and its companions (FEATURE_OBJECTS) when one is
    missing, or always with `rebuild`.

    A view is never stale, so `rebuild` matters only after its SQL changed; it empties
    the key rows (`refresh_key_rows` copies them again). Tables that earlier versions
    materialised (features.ad_events, features.bundles) are dropped.
    """
    kinds = {f"features.{name}": kind for name, kind in run(con, "segment_feature_objects").rows()}
    for name in LEGACY_TABLES:
        if kinds.get(name) == "table":
            log.info("dropping %s, a table of an earlier version", name)
            # The names are constants of this module, never user input.
            con.execute(f"drop table {name}")
    if rebuild or any(kinds.get(name) != kind for name, kind in FEATURE_OBJECTS.items()):
        execute(con, "build_ad_event_features")
        # Raw rows: documented as raw.ad_events documents them.
        copy_column_comments(con, "raw.ad_events", "features.ad_event_key_rows")
        # Empty, as the key rows are: the query's own columns, documented as the view's.
        con.execute(
            f"create or replace table {KEY_DIMENSIONS} as {sql_text('segment_key_events')}",
            _key_rows_params(),
        )
        copy_column_comments(con, FEATURES_VIEW, KEY_DIMENSIONS)
        execute(con, "segment_key_dimensions_comments")


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
        # A full recompute: about 25 ms for the 3,000 apps of the 1M-event demo.
        con.execute(f"delete from {KEY_DIMENSIONS}")
        con.execute(
            f"insert into {KEY_DIMENSIONS} {sql_text('segment_key_events')}", _key_rows_params()
        )
        execute(con, "segment_key_rows_mark", {"through": max(through, after), "inputs": inputs})
    log.info("copied %d key rows from loads %d to %d", added, after + 1, through)
    return int(added)


def _key_rows_params() -> dict:
    """segment_key_events.sql over the key rows alone."""
    return {"event_ids": np.empty(0, dtype=np.int64), "key_rows": True}


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


def segment_events(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_million: int = ALL_ROWS,
    seed: int = 0,
) -> pl.DataFrame:
    """The event rows of a slice: own features and keys (see segment_events.sql)."""
    return run(con, "segment_events", _params(labeled, date_from, date_to, per_million, seed))


def representative_events(events: pl.DataFrame) -> np.ndarray:
    """Event ids with one event for each value of each key among `events`."""
    first = pl.any_horizontal(pl.col(key).is_first_distinct() for key in DIMENSIONS)
    return events.filter(first).get_column(ID).to_numpy()


def segment_dimensions(
    con: duckdb.DuckDBPyConnection, event_ids: np.ndarray | list[int]
) -> dict[str, pl.DataFrame]:
    """Key column -> one row per key value of the events `event_ids`, with the columns that
    depend on that key alone (DIMENSIONS). Give it one event per key value
    (`representative_events`): any event stands for all that share its key."""
    params = {"event_ids": np.asarray(event_ids, dtype=np.int64), "key_rows": False}
    return _split(run(con, "segment_key_events", params))


def known_dimensions(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """As `segment_dimensions`, for every key value of the loads up to the last
    `refresh_key_rows`, as it computed them: no event is read, nothing is computed."""
    return _split(fetch_frame(con, f"select * from {KEY_DIMENSIONS}"))


def _split(key_events: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """segment_key_events.sql's rows as one frame per key, one row per key value."""
    return {
        key: key_events.select(key, *columns).unique(key, keep="any")
        for key, columns in DIMENSIONS.items()
    }


def segment_parts(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_million: int = ALL_ROWS,
    seed: int = 0,
) -> SegmentParts:
    """The model's frame for a slice of events, in parts."""
    events = segment_events(
        con,
        labeled=labeled,
        date_from=date_from,
        date_to=date_to,
        per_million=per_million,
        seed=seed,
    )
    return SegmentParts(events, segment_dimensions(con, representative_events(events)))


def segment_frame(
    con: duckdb.DuckDBPyConnection,
    *,
    labeled: bool | None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_million: int = ALL_ROWS,
    seed: int = 0,
) -> pl.DataFrame:
    """The model's frame for a slice of events: one row per event (FRAME_COLUMNS)."""
    return segment_parts(
        con,
        labeled=labeled,
        date_from=date_from,
        date_to=date_to,
        per_million=per_million,
        seed=seed,
    ).flat()


def segment_event_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the event rows (segment_events.sql), without reading any row."""
    con.complete()
    return con.sql(
        sql_text("segment_events"), params=_params(None, None, None, ALL_ROWS, 0)
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
    relation = con.sql(sql_text("segment_events"), params=_params(labeled, None, None, ALL_ROWS, 0))
    if columns is not None:
        unknown = set(columns) - set(relation.columns)
        if unknown:
            raise ValueError(f"segment_events has no column(s): {', '.join(sorted(unknown))}")
        # Names checked against the query's own columns above, never free text.
        relation = relation.select(
            *(duckdb.ColumnExpression(c) for c in relation.columns if c in columns)
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
