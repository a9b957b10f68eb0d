"""The point-in-time guard: no churn feature reads data after its snapshot date t.

The proof is by intervention. Features at t are built, then everything after the end of
day t is rewritten (rows deleted, new rows added, late opens and clicks, payments made
after t for periods around t) and the features are built again: they must not move.
A control shows the same check does notice a change before t.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from modeling.churn.activity import ActivitySource, activity_frame, define_events
from modeling.churn.features import (
    FEATURE_GROUPS,
    FEATURE_QUERIES,
    build_features,
    feature_columns,
)
from warehouse.db import connect

START = date(2024, 1, 1)
T = date(2024, 3, 20)
CUTOFF = datetime(2024, 3, 21)  # end of day T


def _insert(con, table: str, frame: pl.DataFrame) -> None:
    frame = frame.with_columns(pl.lit(1).alias("load_id"), pl.lit(1).alias("source_line"))
    con.complete()  # DuckDB 2 wants earlier results finished before a register
    con.register("new_rows", frame.to_arrow())
    con.execute(f"insert into {table} select * from new_rows")
    con.unregister("new_rows")


def _random_world(con, rng: np.random.Generator, first_id: int, days: int, start: date) -> None:
    """Random rows in every subscription table for users 1..40 over `days` from `start`."""
    users, n = np.arange(1, 41), 40
    t0 = datetime.combine(start, datetime.min.time())

    def times(count: int) -> list[datetime]:
        return [t0 + timedelta(minutes=int(m)) for m in rng.integers(0, days * 1440, count)]

    def ids(count: int) -> np.ndarray:
        return np.arange(first_id, first_id + count)

    periods = []
    for user in users:
        begin = start + timedelta(days=int(rng.integers(0, 20)))
        while begin < start + timedelta(days=days):
            length = 14 if not periods or rng.random() < 0.2 else 30
            status = "failed" if rng.random() < 0.15 else "success"
            paid_at = datetime.combine(begin, datetime.min.time()) + timedelta(
                hours=int(rng.integers(0, 30))  # sometimes paid the day after the start
            )
            plan = "trial" if length == 14 else "standard"
            periods.append((int(user), paid_at, begin, begin + timedelta(days=length),
                            0.0 if plan == "trial" else 499.0, plan, plan == "trial", status))  # fmt: skip
            begin += timedelta(days=length + int(rng.integers(0, 2) * rng.integers(0, 6)))
    billing = pl.DataFrame(
        periods,
        schema=[
            "user_id",
            "paid_at",
            "period_start",
            "period_end",
            "amount",
            "plan",
            "is_trial",
            "status",
        ],  # fmt: skip
        orient="row",
    )
    _insert(con, "raw.billing", billing.select(pl.Series("payment_id", ids(billing.height)),
                                               pl.all()))  # fmt: skip
    if con.execute("select count(*) from raw.users").fetchone()[0] == 0:
        _insert(con, "raw.users", pl.DataFrame({
            "user_id": users, "registered_at": [t0] * n,
            "platform": rng.choice(["web", "android", "ios", "smart_tv"], n),
            "region": rng.choice(["Москва", "Тверская область"], n),
        }))  # fmt: skip
    m = 3000
    _insert(con, "raw.viewing", pl.DataFrame({
        "session_id": ids(m), "user_id": rng.choice(users, m), "started_at": times(m),
        "content_id": rng.integers(1, 60, m), "genre": rng.choice(["drama", "comedy", "kids"], m),
        "duration_min": rng.uniform(1, 120, m), "content_duration_min": rng.choice([45.0, 120.0], m),
        "device": rng.choice(["tv", "mobile"], m),
    }))  # fmt: skip
    _insert(con, "raw.app_events", pl.DataFrame({
        "event_id": ids(m), "user_id": rng.choice(users, m), "event_time": times(m),
        "platform": rng.choice(["web", "android", "ios", "smart_tv"], m),
        "event_type": rng.choice(["app_open", "search", "link_card"], m, p=[0.5, 0.497, 0.003]),
    }))  # fmt: skip
    k = 800
    sent = times(k)
    opened = [s + timedelta(hours=int(h)) if h < 60 else None for s, h in zip(sent, rng.integers(0, 90, k), strict=True)]  # fmt: skip
    _insert(con, "raw.communications", pl.DataFrame({
        "message_id": ids(k), "user_id": rng.choice(users, k),
        "channel": rng.choice(["email", "push", "sms"], k), "campaign": ["promo"] * k,
        "sent_at": sent, "opened_at": opened,
        "clicked_at": [o + timedelta(minutes=3) if o and rng.random() < 0.4 else None for o in opened],
    }))  # fmt: skip


def _rewrite_future(con, rng: np.random.Generator) -> None:
    """Delete and invent data after the end of day T, and reveal late opens and clicks."""
    con.execute("delete from raw.billing where paid_at >= ?", [CUTOFF])
    con.execute("delete from raw.viewing where started_at >= ?", [CUTOFF])
    con.execute("delete from raw.app_events where event_time >= ?", [CUTOFF])
    con.execute("delete from raw.communications where sent_at >= ?", [CUTOFF])
    con.execute(
        "update raw.communications set opened_at = sent_at + interval 400 day, "
        "clicked_at = sent_at + interval 401 day where opened_at is null"
    )
    _random_world(con, rng, first_id=1_000_000, days=60, start=T + timedelta(days=1))
    # Payments made after t for periods that started before t: unknown at t.
    con.execute(
        "insert into raw.billing select payment_id + 5000000, user_id, ?::timestamp, "
        "period_start - 20, period_end - 20, amount, 'premium', false, 'success', load_id, "
        "source_line from raw.billing where paid_at >= ? limit 15",
        [CUTOFF + timedelta(hours=2), CUTOFF],
    )


@pytest.fixture
def world(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _random_world(con, np.random.default_rng(3), first_id=1, days=140, start=START)
    return con


def _subscription_features(con) -> pl.DataFrame:
    return build_features(con, [T])


def _activity_features(con) -> pl.DataFrame:
    define_events(con, ActivitySource("raw.viewing", "user_id", "started_at", "duration_min"))
    return activity_frame(
        con, ActivitySource("raw.viewing", "user_id", "started_at", "duration_min"), [T]
    )


@pytest.mark.parametrize("build", [_subscription_features, _activity_features])
def test_no_feature_reads_data_after_t(world, build):
    before = build(world)
    assert before.height >= 20, "the world should put most users in the snapshot"
    assert len(feature_columns(before)) >= 15
    _rewrite_future(world, np.random.default_rng(11))
    after = build(world)
    assert_frame_equal(before, after)


@pytest.mark.parametrize("build", [_subscription_features, _activity_features])
def test_the_guard_notices_a_change_before_t(world, build):
    before = build(world)
    # Control: the same comparison fails when data *before* t changes.
    world.execute(
        "delete from raw.viewing where started_at between ? and ?",
        [CUTOFF - timedelta(days=10), CUTOFF - timedelta(seconds=1)],
    )
    after = build(world)
    with pytest.raises(AssertionError):
        assert_frame_equal(before, after)


def test_every_feature_query_is_guarded(world):
    # The guard above builds through build_features, which runs every feature query.
    frame = _subscription_features(world)
    assert len(FEATURE_QUERIES) == 6
    # And every feature they return belongs to a group (the vitrine's offers rely on it).
    grouped = {name for names in FEATURE_GROUPS.values() for name in names}
    assert set(feature_columns(frame)) == grouped
