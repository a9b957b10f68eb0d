"""Segment feature SQL against hand-computed rows: shifts, midnight crossings, odd bundles.

The key rows and the frame in parts (queries.segment_parts) are held to these in
tests/modeling/segment_fast."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from queries.runner import sql_text
from queries.segment_features import (
    KEYS,
    dimension_columns,
    dimensions_of,
    ensure_segment_features,
    join_dimensions,
    representative_events,
    segment_dimensions,
    segment_events,
    segment_frame,
    segment_frequencies,
    segment_period,
)
from warehouse.db import connect, fetch_frame

REGIONS = [
    # region, offset, population, salary rank
    ("Москва", 0, 13_000_000, 1),
    ("Калининградская область", -1, 1_000_000, 30),
    ("Новосибирская область", 4, 2_800_000, 20),
]

# event_id, segment, bundle, created (Moscow), shift, shift_hours, oblast, os, osv
EVENTS = [
    (
        1,
        1,
        "com.nexters.art.water.color",
        datetime(2026, 9, 7, 23, 30),
        "MSK-1",
        -1,
        "Калининградская область",
        "android",
        "11.0",
    ),
    (
        2,
        2,
        "com.HTTPServer.MyApp",
        datetime(2026, 9, 7, 23, 30),
        "MSK+4",
        4,
        "Новосибирская область",
        "ios",
        "14.4.1",
    ),
    (
        3,
        3,
        "my_game_2",
        datetime(2026, 9, 6, 0, 30),
        "MSK-1",
        -1,
        "Калининградская область",
        "android",
        None,
    ),
    (
        4,
        4,
        "com.app.android",
        datetime(2026, 9, 8, 12, 0),
        None,
        None,
        "Новосибирская область",
        None,
        None,
    ),
    (
        5,
        None,
        "COM.Yandex.BrowserLite",
        datetime(2026, 9, 8, 5, 59),
        "MSK",
        0,
        "Москва",
        "android",
        "9",
    ),
    (
        6,
        5,
        "com.kidsGames3D.puzzleKids",
        datetime(2026, 9, 9, 10, 0),
        None,
        None,
        "Регион без справки",
        "ios",
        "17.2",
    ),
    (7, 5, "", datetime(2026, 9, 9, 10, 0), "MSK", 0, "Москва", "ios", "17"),
]

# event_id -> (local_hour, local_weekday, is_weekend, part_of_day, offset_hours, shift_missing)
EXPECTED_TIME = {
    1: (22, 1, 0, "evening", -1, 0),  # Monday 23:30 MSK is Monday 22:30 in Kaliningrad
    2: (3, 2, 0, "night", 4, 0),  # crosses midnight forward: Tuesday 03:30 in Novosibirsk
    3: (23, 6, 1, "evening", -1, 0),  # crosses midnight back: Sunday 00:30 MSK is Saturday 23:30
    4: (16, 2, 0, "afternoon", 4, 1),  # missing shift: the region's offset (+4)
    5: (5, 2, 0, "night", 0, 0),
    6: (10, 3, 0, "morning", None, 1),  # no shift and no known region: Moscow time, offset unknown
    7: (10, 3, 0, "morning", 0, 0),
}

# bundle -> (tokens text, vendor, dots, capitals, digits, length)
EXPECTED_BUNDLE = {
    "com.nexters.art.water.color": ("nexters.art.water.color", "com.nexters", 4, 0, 0, 27),
    "com.HTTPServer.MyApp": ("http.server.my", "com.httpserver", 2, 7, 0, 20),
    "my_game_2": ("my.game.2", "my_game_2.", 0, 0, 1, 9),
    "com.app.android": ("", "com.app", 2, 0, 0, 15),
    "COM.Yandex.BrowserLite": ("yandex.browser.lite", "com.yandex", 2, 6, 0, 22),
    "com.kidsGames3D.puzzleKids": ("kids.games3d.puzzle.kids", "com.kidsgames3d", 2, 3, 1, 26),
    "": ("", ".", 0, 0, 0, 0),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("features") / "portrait.duckdb")
    for region, offset, population, rank in REGIONS:
        con.execute(
            "insert into ref.regions values (?, ?, 'x', ?, 'x', ?, 50000, ?)",
            [region, region, offset, population, rank],
        )
    for event_id, segment, bundle, created, shift, hours, oblast, os_, osv in EVENTS:
        con.execute(
            "insert into raw.ad_events values (?, ?, 'Games', 'Puzzle', ?, ?, ?, ?, ?, 'city', ?, ?, 1, ?)",
            [event_id, segment, bundle, created, shift, hours, oblast, os_, osv, event_id + 1],
        )
    ensure_segment_features(con)
    return con


def test_local_time_follows_shift_and_region(con):
    frame = segment_frame(con, labeled=None).sort("event_id")
    for row in frame.iter_rows(named=True):
        hour, weekday, weekend, part, offset, missing = EXPECTED_TIME[row["event_id"]]
        assert (row["local_hour"], row["local_weekday"], row["is_weekend"]) == (
            hour,
            weekday,
            weekend,
        ), row
        assert row["part_of_day"] == part
        assert row["offset_hours"] == offset
        assert row["shift_missing"] == missing


@pytest.fixture(scope="module")
def apps(con):
    """The app dimension of every event: one row per app with the bundle's columns."""
    events = segment_events(con, labeled=None)
    return segment_dimensions(con, representative_events(events))["app_key"]


@pytest.mark.parametrize("bundle", list(EXPECTED_BUNDLE))
def test_bundle_tokens_and_shape(apps, bundle):
    row = apps.filter(bundle=bundle).row(0, named=True)
    text, vendor, dots, capitals, digits, length = EXPECTED_BUNDLE[bundle]
    assert row["bundle_token_text"] == text
    assert row["bundle_vendor"] == vendor
    assert (
        row["bundle_dots"],
        row["bundle_capitals"],
        row["bundle_digits"],
        row["bundle_length"],
    ) == (
        dots,
        capitals,
        digits,
        length,
    )
    tokens = text.split(".") if text else []
    assert row["bundle_token_count"] == len(tokens)
    assert not {"com", "org", "android", "app", ""} & set(tokens)


def test_frame_filters_labels_dates_and_samples(con):
    assert segment_frame(con, labeled=False).get_column("event_id").to_list() == [5]
    labeled = segment_frame(con, labeled=True, date_from=date(2026, 9, 8))
    assert sorted(labeled.get_column("event_id").to_list()) == [4, 6, 7]
    assert segment_frame(con, labeled=None, per_million=0).is_empty()
    day = segment_frame(con, labeled=None).filter(event_id=3).row(0, named=True)
    assert day["day_of_month"] == 6 and day["event_date"] == date(2026, 9, 6)


def test_period_and_holdout_counts(con):
    period = segment_period(con, holdout_days=2)
    assert period["last_date"] == date(2026, 9, 9)
    assert period["holdout_start"] == date(2026, 9, 8)
    assert (period["train_rows"], period["holdout_rows"]) == (3, 3)


def test_frequencies_use_only_the_training_period(con):
    shares = segment_frequencies(con, date(2026, 9, 8))
    bundles = dict(shares.filter(feature="bundle").select("value", "share").iter_rows())
    # Events 1-3 are before 8 September; the later ones are not counted at all.
    assert set(bundles) == {"com.nexters.art.water.color", "com.HTTPServer.MyApp", "my_game_2"}
    assert bundles["my_game_2"] == pytest.approx(1 / 3)


def test_frame_joins_back_to_the_shared_feature_view(con):
    # The frame is made of the event rows and one row per key value; joined, every column
    # must equal features.ad_events row by row.
    frame = segment_frame(con, labeled=None).sort("event_id")
    view = fetch_frame(con, "select * from features.ad_events order by event_id")
    shared = [c for c in frame.columns if c in view.columns]
    assert len(shared) >= 18
    for column in shared:
        # The frame gives the view's flags as 0/1.
        kind = pl.Int64 if view[column].dtype == pl.Boolean else pl.String
        assert frame[column].cast(kind).eq_missing(view[column].cast(kind)).all(), column
    # The event rows' own columns (without the hash keys), then each key's columns.
    events = segment_events(con, labeled=None)
    key_events = con.sql(
        sql_text("segment_key_events"), params={"event_ids": [], "key_rows": False}
    ).columns
    own = [c for c in events.columns if c not in ("app_key", "place_key", "device_key")]
    per_key = [c for columns in dimension_columns(key_events).values() for c in columns]
    assert frame.columns == own + per_key


def test_dimensions_hold_one_row_per_key_value(con):
    events = segment_events(con, labeled=None)
    dims = segment_dimensions(con, representative_events(events))
    assert list(dims) == list(KEYS)
    for key, dim in dims.items():
        assert dim.columns[0] == key
        assert dim.height == dim[key].n_unique() == events[key].n_unique()
    assert dims["app_key"].columns[1:4] == ["gamecategory", "subgamecategory", "bundle"]
    assert dims["local_hour"].columns == ["local_hour", "part_of_day"]
    # Event 4 has no os and no os version: its device is "unknown ?".
    device = events.filter(event_id=4)["device_key"].item()
    assert dims["device_key"].filter(device_key=device)["os_major"].item() == "unknown ?"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["gamecategory", "app_key", "place_key", "device_key", "local_hour"], "before any key"),
        (["app_key", "bundle", "place_key", "local_hour"], "device_key"),
    ],
)
def test_dimension_columns_refuse_a_query_that_breaks_the_rule(columns, message):
    with pytest.raises(ValueError, match=message):
        dimension_columns(columns)


def test_a_column_that_depends_on_more_than_its_key_is_refused():
    # Two events of one app with different values of an "app" column: it is an event's.
    rows = pl.DataFrame(
        {
            "app_key": [1, 1],
            "bundle": ["a", "a"],
            "event_hour": [3, 4],
            "place_key": [7, 7],
            "device_key": [8, 8],
            "local_hour": [3, 4],
            "part_of_day": ["night", "night"],
        }
    )
    with pytest.raises(ValueError, match="event_hour does not depend on app_key alone"):
        dimensions_of(rows)


def test_frame_refuses_events_without_their_dimension_row(con):
    events = segment_events(con, labeled=None)
    dims = segment_dimensions(con, representative_events(events))
    dims["place_key"] = dims["place_key"].head(1)
    with pytest.raises(ValueError, match="place_key"):
        join_dimensions(events, dims)


def test_legacy_feature_tables_give_way_to_the_view(tmp_path):
    # Earlier versions materialised features.ad_events and features.bundles as tables.
    legacy = connect(tmp_path / "legacy.duckdb")
    legacy.execute("create table features.ad_events as select 1 as event_id")
    legacy.execute("create table features.bundles as select '' as bundle")
    ensure_segment_features(legacy)
    features = legacy.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'features' order by table_name"
    ).fetchall()
    assert features == [
        ("ad_event_key_rows", "BASE TABLE"),
        ("ad_event_key_rows_loaded", "BASE TABLE"),
        ("ad_events", "VIEW"),
    ]
    assert segment_frame(legacy, labeled=None).is_empty()
    legacy.close()
