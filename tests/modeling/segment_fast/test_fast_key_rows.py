"""The key rows: scoring reads the columns of every app, place, device and hour from one
stored row per key value, and must still give the reference's probabilities after new
loads, reference changes and rebuilds."""

from __future__ import annotations

import numpy as np
import polars as pl

from modeling.registry import load_model_from
from modeling.segment.fast import score_unlabeled
from queries.runner import sql_text
from queries.segment_features import (
    KEYS,
    ensure_segment_features,
    representative_events,
    segment_dimensions,
    segment_events,
)
from queries.segment_parts import known_dimensions, refresh_key_rows
from tests.modeling.segment_fast.conftest import COLUMNS, reference, stored

NEW_LOAD = (
    "insert into raw.ad_events select event_id + $offset, null, 'Games', 'Puzzle', $bundle, "
    "created, shift, shift_hours, oblast, city, os, osv, "
    "(select max(load_id) from raw.ad_events) + $loads, source_line "
    "from raw.ad_events where segment is null order by event_id limit 5"
)


def _sorted(dims: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {key: dim.sort(key) for key, dim in dims.items()}


def _scores_as_the_reference(con, run_id: str) -> None:
    model = load_model_from(con, run_id)
    ids, expected = reference(con, run_id, model)
    assert score_unlabeled(con, model, engine="forest").engine == "forest"
    got = stored(con, run_id)
    assert got["event_id"].to_list() == ids.tolist()
    np.testing.assert_allclose(got.select(COLUMNS).to_numpy(), expected, atol=1e-7)


def _bundles(con) -> list[str]:
    return known_dimensions(con)["app_key"]["bundle"].to_list()


def test_key_rows_give_the_columns_of_every_key_value_without_the_events(own_con):
    # One raw row per key value, copied once: the same key frames as read from the events.
    ensure_segment_features(own_con, rebuild=True)
    assert all(dim.is_empty() for dim in known_dimensions(own_con).values())
    assert refresh_key_rows(own_con) > 0
    assert refresh_key_rows(own_con) == 0
    events = segment_events(own_con, labeled=None)
    expected = _sorted(segment_dimensions(own_con, representative_events(events)))
    known = _sorted(known_dimensions(own_con))
    for key in KEYS:
        assert known[key].equals(expected[key], null_equal=True), key
    rows = own_con.execute("select count(*) from features.ad_event_key_rows").fetchone()[0]
    assert rows <= sum(events[key].n_unique() for key in KEYS)


def test_key_rows_follow_new_loads_and_the_reference_tables(trained, own_con):
    run_id = trained[1]
    refresh_key_rows(own_con)
    # A second load brings a new app; a region's population changes afterwards.
    own_con.execute(NEW_LOAD, {"offset": 10**12, "bundle": "org.new.Game", "loads": 1})
    region = own_con.execute("select oblast from raw.ad_events limit 1").fetchone()[0]
    own_con.execute("update ref.regions set population = 1 where region = $r", {"r": region})
    assert refresh_key_rows(own_con) == 1  # only the app is new
    assert "org.new.Game" in _bundles(own_con)
    assert 1 in known_dimensions(own_con)["place_key"]["region_population"].to_list()
    _scores_as_the_reference(own_con, run_id)
    # The stored key columns follow a reference change that no load brought.
    own_con.execute("update ref.regions set population = 2 where region = $r", {"r": region})
    assert refresh_key_rows(own_con) == 0
    populations = known_dimensions(own_con)["place_key"]["region_population"].to_list()
    assert 2 in populations and 1 not in populations
    _scores_as_the_reference(own_con, run_id)
    # So does a change of the query text or of DuckDB (its hash() makes the keys).
    fingerprint = "select inputs from ({}) as loads".format(sql_text("segment_key_rows_loads"))
    assert (
        own_con.execute(fingerprint, {"code": "a"}).fetchone()
        != own_con.execute(fingerprint, {"code": "b"}).fetchone()
    )
    own_con.execute("drop table features.ad_event_key_dimensions")
    own_con.execute("update features.ad_event_key_rows_loaded set inputs_fingerprint = 0")
    assert refresh_key_rows(own_con) == 0
    assert "org.new.Game" in _bundles(own_con)
    # Rows inserted without a new load are not seen by the key rows (scoring reads their
    # keys from the events); rebuilding the view empties the key rows, and the next
    # refresh copies them.
    own_con.execute(NEW_LOAD, {"offset": 2 * 10**12, "bundle": "org.other.Game", "loads": 0})
    assert refresh_key_rows(own_con) == 0
    assert "org.other.Game" not in _bundles(own_con)
    _scores_as_the_reference(own_con, run_id)
    ensure_segment_features(own_con, rebuild=True)
    assert known_dimensions(own_con)["app_key"].is_empty()
    refresh_key_rows(own_con)
    assert "org.other.Game" in _bundles(own_con)
    _scores_as_the_reference(own_con, run_id)
