"""Scratch warehouses validate outside rows exactly like ingestion, and touch nothing else."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from modeling.scratch import memory_scratch, scratch_warehouse
from warehouse.db import fetch_frame
from warehouse.reference import regions_table

GOOD = {
    "Segment": ["3", None, "4"],  # unlabeled: null in a frame, empty in a CSV
    "gamecategory": ["Puzzle", "Casual", "Word"],
    "subgamecategory": ["Puzzle sub", "Casual sub", "Word sub"],
    "bundle": ["com.studio1.game1", "com.studio2.game2", "com.studio4.game4"],
    "created": ["2024-03-05 10:15:00", "2024-03-06 21:40:00", "2024-03-07 08:05:00"],
    "shift": ["MSK", "MSK+2", "MSK"],
    "oblast": ["Москва", "Свердловская область", "Москва"],
    "city": ["Москва", "Екатеринбург", "Москва"],
    "os": ["android", "ios", "android"],
    "osv": ["11", "14.4.1", "9.0"],
}


def events_with_a_bad_date() -> pl.DataFrame:
    bad = {column: [values[0]] for column, values in GOOD.items()} | {"created": ["not a date"]}
    return pl.concat([pl.DataFrame(GOOD), pl.DataFrame(bad)])


def raw_bundles(scratch) -> list[str]:
    frame = fetch_frame(scratch.con, "select bundle from raw.ad_events order by bundle")
    return frame.get_column("bundle").to_list()


def test_a_bad_row_of_a_frame_is_quarantined_with_its_column_and_reason():
    with scratch_warehouse({"ad_events": events_with_a_bad_date()}) as scratch:
        rejected = scratch.quarantine()
        load = scratch.loads["ad_events"]
        assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (4, 3, 1)
        assert rejected.height == 1
        row = rejected.row(0, named=True)
        assert row["column_name"] == "created"
        assert "not a date" in row["reason"] or "created" in row["reason"]
        assert "not a date" in row["raw_text"]
        assert raw_bundles(scratch) == sorted(GOOD["bundle"])


def test_a_pandas_frame_is_ingested_like_a_polars_one():
    with scratch_warehouse({"ad_events": events_with_a_bad_date().to_pandas()}) as scratch:
        assert scratch.quarantine().height == 1
        assert raw_bundles(scratch) == sorted(GOOD["bundle"])


def test_a_csv_file_is_ingested_with_its_line_numbers(tmp_path):
    path = tmp_path / "events.csv"
    events_with_a_bad_date().write_csv(path)
    with scratch_warehouse({"ad_events": path}) as scratch:
        rejected = scratch.quarantine()
        assert rejected.get_column("line_number").to_list() == [5]  # header is line 1
        assert raw_bundles(scratch) == sorted(GOOD["bundle"])


def test_the_connection_is_closed_on_exit():
    with scratch_warehouse({"ad_events": pl.DataFrame(GOOD)}) as scratch:
        con = scratch.con
    with pytest.raises(Exception, match="(?i)closed"):
        con.execute("select 1")


def test_given_reference_tables_replace_the_shipped_ones():
    regions = pl.from_arrow(regions_table()).filter(pl.col("region") == "Москва")
    prices = pl.DataFrame({"region": ["Москва"], "price_level": [1.4]})
    reference = {"regions": regions, "prices": prices}
    with scratch_warehouse({"ad_events": pl.DataFrame(GOOD)}, reference=reference) as s:
        shown = fetch_frame(s.con, "select region from ref.regions")
        assert shown.get_column("region").to_list() == ["Москва"]
        assert fetch_frame(s.con, "select count(*) as n from ref.cities").item() == 0
        assert fetch_frame(s.con, "select price_level from ref.prices").item() == 1.4


def test_an_unknown_contract_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="ad_events"):
        with scratch_warehouse({"adevents": pl.DataFrame(GOOD)}):
            pass


def test_the_memory_scratch_holds_raw_and_reference_tables():
    events = pl.DataFrame({"event_id": [7], "created": [datetime(2024, 3, 5, 10)]})
    regions = pl.DataFrame({"region": ["Москва"]})
    with memory_scratch({"ad_events": events}, {"regions": regions}) as con:
        assert fetch_frame(con, "select event_id from raw.ad_events").item() == 7
        assert fetch_frame(con, "select region from ref.regions").item() == "Москва"
    with pytest.raises(ValueError, match="must match"):
        with memory_scratch({"ad events; drop": events}, {}):
            pass
