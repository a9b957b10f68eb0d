"""The segment model's features, read through the SQL files in queries/sql.

features.ad_events (build_ad_event_features.sql) is the view of the features the audience
models share. The segment model's frame (`segment_frame`, one row per event) is made of
two queries over it:

- segment_events.sql: one row per event, with the event's own features and the keys of
  its app, place, device and local hour;
- segment_key_events.sql: the columns that depend on one key alone (the bundle's tokens
  and shape, the region enrichment, the os version, the part of day), asked for one event
  per key value. In its output each key column is followed by the columns that depend on
  it alone: that order is the declared rule `dimension_columns` reads, so a new column
  needs no list here.

`join_dimensions` puts the two together. queries.segment_parts keeps them apart for the
fast paths (training and bulk scoring), which must give what the joined frame gives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Required, TypedDict, Unpack

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from queries.runner import execute, run
from warehouse.db import table_exists
from warehouse.dictionary import copy_column_comments

log = logging.getLogger(__name__)

ALL_ROWS = 1_000_000  # sample_per_million that keeps every row
ID = "event_id"

FEATURES_VIEW = "features.ad_events"  # created by build_ad_event_features.sql
# What build_ad_event_features.sql creates: a missing one rebuilds them all. (Its table
# macro, features.ad_event_features, comes with them: looking for macros in
# duckdb_functions() costs several times more than looking for tables and views.)
FEATURE_OBJECTS = {
    FEATURES_VIEW: "view",
    "features.ad_event_key_rows": "table",
    "features.ad_event_key_rows_loaded": "table",
}
# Tables that earlier versions materialised, with the query that drops each.
LEGACY_TABLES = {
    "features.ad_events": "segment_legacy_ad_events_drop",
    "features.bundles": "segment_legacy_bundles_drop",
}
# The key columns of the event rows, each the first column of its dimension in
# segment_key_events.sql. Hashes are for joining only; the local hour is a feature too.
KEYS = ("app_key", "place_key", "device_key", "local_hour")
HASH_KEYS = ("app_key", "place_key", "device_key")


def ensure_segment_features(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False) -> None:
    """Create the view features.ad_events and its companions (FEATURE_OBJECTS) when one is
    missing, or always with `rebuild`.

    A view is never stale, so `rebuild` matters only after its SQL changed; it empties
    the key rows and drops their stored columns (queries.segment_parts.refresh_key_rows
    computes them again). Tables that earlier versions materialised are dropped.
    """
    kinds = {f"features.{name}": kind for name, kind in run(con, "segment_feature_objects").rows()}
    for name, query in LEGACY_TABLES.items():
        if kinds.get(name) == "table":
            log.info("dropping %s, a table of an earlier version", name)
            execute(con, query)
    if rebuild or any(kinds.get(name) != kind for name, kind in FEATURE_OBJECTS.items()):
        execute(con, "build_ad_event_features")
        # Raw rows: documented as raw.ad_events documents them.
        copy_column_comments(con, "raw.ad_events", "features.ad_event_key_rows")
        execute(con, "segment_key_dimensions_drop")


def dimension_columns(columns: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Key -> the columns that depend on it alone, read from segment_key_events.sql's
    output `columns`: each key (KEYS) is followed by its own columns."""
    dims: dict[str, list[str]] = {}
    key = None
    for column in columns:
        if column in KEYS:
            key = column
            dims[key] = []
        elif key is None:
            raise ValueError(f"segment_key_events.sql: column {column!r} comes before any key")
        else:
            dims[key].append(column)
    missing = [k for k in KEYS if k not in dims]
    if missing:
        raise ValueError(f"segment_key_events.sql lacks key column(s): {', '.join(missing)}")
    return {key: tuple(dims[key]) for key in KEYS}


def dimensions_of(key_events: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """segment_key_events.sql's rows as one frame per key (the key, then its columns), one
    row per key value. ValueError when a column takes two values for one key value: it
    depends on more than that key and belongs to the event rows."""
    dims = {}
    for key, columns in dimension_columns(key_events.columns).items():
        dim = key_events.select(key, *columns).unique(maintain_order=True)
        if dim.height != dim.get_column(key).n_unique():
            varying = [
                c
                for c in columns
                if dim.group_by(key).agg(pl.col(c).n_unique()).get_column(c).max() > 1
            ]
            raise ValueError(
                f"segment_key_events.sql: {', '.join(varying) or 'a column'} does not depend "
                f"on {key} alone; compute it in segment_events.sql"
            )
        dims[key] = dim
    return dims


def join_dimensions(events: pl.DataFrame, dims: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per event, in the order of `events`: its own columns (hash keys dropped),
    then the columns of each of its keys' dimensions.

    Raises ValueError when an event's key has no row in its dimension frame.
    """
    parts = [events.drop([c for c in HASH_KEYS if c in events.columns])]
    for key, dim in dims.items():
        # The row of each event's key in its dimension, by a hash index, then a gather:
        # faster than a join, and each column is copied once.
        rows = pd.Index(dim.get_column(key).to_numpy()).get_indexer(
            events.get_column(key).to_numpy()
        )
        if (rows < 0).any():
            raise ValueError(f"some events have a {key} missing from its dimension frame")
        parts.append(dim.drop(key)[rows])
    return pl.concat(parts, how="horizontal")


def segment_period(
    con: duckdb.DuckDBPyConnection,
    holdout_days: int,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict:
    """first_date, last_date, holdout_start, labeled_rows, labeled_days of the labeled
    events in the slice [date_from, date_to) (None: no bound)."""
    params = {"holdout_days": holdout_days, "date_from": date_from, "date_to": date_to}
    row = run(con, "segment_period", params).row(0, named=True)
    if not row["labeled_rows"]:
        where = "" if date_from is None and date_to is None else f" from {date_from} to {date_to}"
        raise ValueError(f"raw.ad_events has no labeled rows{where} (Segment is empty)")
    return row


def sample_per_million(total_rows: int, wanted_rows: int | None) -> int:
    """The hash-sample rate (per million) that keeps about `wanted_rows` of `total_rows`."""
    if wanted_rows is None or total_rows <= wanted_rows:
        return ALL_ROWS
    return max(1, int(ALL_ROWS * wanted_rows / total_rows))


class EventSlice(TypedDict, total=False):
    """Which events a frame holds: labeled (True), unlabeled (False) or all (None); the
    dates [date_from, date_to) (None: no bound); a hash sample of per_million rows per
    million (ALL_ROWS: every row) drawn with seed."""

    labeled: Required[bool | None]
    date_from: date | None
    date_to: date | None
    per_million: int
    seed: int


def segment_events(con: duckdb.DuckDBPyConnection, **events: Unpack[EventSlice]) -> pl.DataFrame:
    """The event rows of a slice: own features and keys (see segment_events.sql)."""
    return run(con, "segment_events", events_params(**events))


def representative_events(events: pl.DataFrame) -> np.ndarray:
    """Event ids with one event for each value of each key among `events`."""
    first = pl.any_horizontal(pl.col(key).is_first_distinct() for key in KEYS)
    return events.filter(first).get_column(ID).to_numpy()


def segment_dimensions(
    con: duckdb.DuckDBPyConnection, event_ids: np.ndarray | list[int]
) -> dict[str, pl.DataFrame]:
    """Key column -> one row per key value of the events `event_ids`, with the columns that
    depend on that key alone. Give it one event per key value (`representative_events`):
    any event stands for all that share its key."""
    params = {"event_ids": np.asarray(event_ids, dtype=np.int64), "key_rows": False}
    return dimensions_of(run(con, "segment_key_events", params))


def segment_events_with_dimensions(
    con: duckdb.DuckDBPyConnection, **events: Unpack[EventSlice]
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The event rows of a slice and the dimension frames of their keys."""
    rows = segment_events(con, **events)
    return rows, segment_dimensions(con, representative_events(rows))


def segment_frame(con: duckdb.DuckDBPyConnection, **events: Unpack[EventSlice]) -> pl.DataFrame:
    """The model's frame for a slice of events: one row per event (`join_dimensions`)."""
    return join_dimensions(*segment_events_with_dimensions(con, **events))


def segment_frequencies(con: duckdb.DuckDBPyConnection, date_to: date) -> pl.DataFrame:
    """feature, value, share of the frequency-encoded columns over events before date_to."""
    return run(con, "segment_frequencies", {"date_to": date_to})


def segment_oracle(con: duckdb.DuckDBPyConnection, date_from: date) -> pl.DataFrame:
    """Demo only: true probabilities of the labeled events from date_from on (may be empty)."""
    if not table_exists(con, "ops.oracle_segment"):
        return pl.DataFrame()
    return run(con, "segment_oracle", {"date_from": date_from})


def unlabeled_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many events have no segment (what scoring scores)."""
    ensure_segment_features(con)
    return int(run(con, "segment_unlabeled_count").item())


def events_params(
    labeled: bool | None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_million: int = ALL_ROWS,
    seed: int = 0,
) -> dict:
    """The parameters of segment_events.sql."""
    return {
        "labeled": labeled,
        "date_from": date_from,
        "date_to": date_to,
        "sample_per_million": per_million,
        "seed": seed,
    }
