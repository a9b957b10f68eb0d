"""Predictions from what a user has: an export's rows in a data contract's raw columns.

    model = load_model(kind="segment")
    model.predict_proba(rows)            # rows of raw.ad_events as exported

A model builds its features from such rows with the same SQL as training: the rows are
ingested into a scratch warehouse (`modeling.scratch`, the validation of real
ingestion), the kind's feature queries run there, and the model predicts on what they
return. A row the contract rejects is a ValueError naming its row, column and reason:
a prediction never skips a row silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import duckdb
import polars as pl

from modeling.scratch import Rows, Scratch, scratch_warehouse
from queries.runner import run
from queries.segment_features import ensure_segment_features
from warehouse.contracts import get_contract

SHOWN_REJECTIONS = 3


def looks_raw(rows: object, contract: str, feature_columns: list[str]) -> bool:
    """Whether `rows` are the contract's raw rows rather than the model's own feature frame:
    they hold the contract's required columns and not every feature column."""
    if not hasattr(rows, "columns"):
        return False
    columns = set(rows.columns)
    return set(get_contract(contract).required) <= columns and not set(feature_columns) <= columns


@contextmanager
def ingested(rows: Mapping[str, Rows]) -> Iterator[Scratch]:
    """A scratch warehouse holding `rows` (contract name -> rows); ValueError naming the
    first rejected rows when the contract rejects any."""
    with scratch_warehouse(rows) as scratch:
        rejected = scratch.quarantine()
        if rejected.height:
            broken = [name for name, load in scratch.loads.items() if load.rows_quarantined]
            raise ValueError(rejection_message(rejected, broken or list(rows)))
        yield scratch


def rejection_message(rejected: pl.DataFrame, contracts: list[str]) -> str:
    """One line: how many rows broke the contract, and where and why the first did."""
    shown = "; ".join(
        f"row {r['line_number']} (counting from 1), column {r['column_name']}: {r['reason']}"
        for r in rejected.head(SHOWN_REJECTIONS).iter_rows(named=True)
    )
    more = rejected.height - SHOWN_REJECTIONS
    return (
        f"{rejected.height} value(s) break the {' and '.join(contracts)} contract, nothing "
        f"was predicted: {shown}" + (f"; and {more} more" if more > 0 else "")
    )


def ad_event_features(
    rows: Rows, build: Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]
) -> pl.DataFrame:
    """`build(con)` run on a scratch warehouse holding `rows` as raw.ad_events (with the
    features view over them), its rows put in the order of `rows`.

    `build` returns one row per event with an `event_id` column.
    """
    with ingested({"ad_events": rows}) as scratch:
        ensure_segment_features(scratch.con)
        frame = build(scratch.con)
        lines = run(scratch.con, "raw_ad_event_lines")
    ordered = frame.join(lines, on="event_id", how="inner").sort("source_line")
    if ordered.height != lines.height:
        raise ValueError(f"{lines.height} events in, {ordered.height} rows of features out")
    return ordered.drop("source_line")
