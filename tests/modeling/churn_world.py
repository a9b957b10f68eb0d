"""A small synthetic subscription service for the churn tests, with planted signal.

Users fade before they leave: a fading user watches less and opens fewer messages, and a
period ends in churn far more often when the user fades or a payment failed. That is
enough for a model to learn something real in seconds, so the pipeline tests (score,
monitor, export) run on a fitted model without waiting for the full demo generator.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

START = date(2024, 1, 1)
RAW_COLUMNS = {
    "raw.users": ["user_id", "registered_at", "platform", "region"],
    "raw.billing": [
        "payment_id",
        "user_id",
        "paid_at",
        "period_start",
        "period_end",
        "amount",
        "plan",
        "is_trial",
        "status",
    ],
    "raw.viewing": [
        "session_id",
        "user_id",
        "started_at",
        "content_id",
        "genre",
        "duration_min",
        "content_duration_min",
        "device",
    ],
    "raw.app_events": ["event_id", "user_id", "event_time", "platform", "event_type"],
    "raw.communications": [
        "message_id",
        "user_id",
        "channel",
        "campaign",
        "sent_at",
        "opened_at",
        "clicked_at",
    ],
}
GENRES = ["drama", "comedy", "thriller", "kids", "documentary", "anime"]
REGIONS = ["Москва", "Санкт-Петербург", "Новосибирская область", "Республика Татарстан"]
PLATFORMS = ["web", "android", "ios", "smart_tv"]
CHANNELS = ["email", "push", "sms"]
PRICES = {"basic": 299.0, "standard": 499.0, "premium": 799.0}


def insert_rows(con, table: str, rows: list[tuple] | pl.DataFrame) -> None:
    """Append rows (contract columns, in order) to a raw table, with lineage columns."""
    frame = (
        rows
        if isinstance(rows, pl.DataFrame)
        else pl.DataFrame(rows, schema=RAW_COLUMNS[table], orient="row")
    )
    frame = frame.with_columns(pl.lit(1).alias("load_id"), pl.lit(1).alias("source_line"))
    con.complete()
    con.register("rows_to_insert", frame.to_arrow())
    con.execute(f"insert into {table} select * from rows_to_insert")  # noqa: S608
    con.unregister("rows_to_insert")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def build_world(con, *, users: int = 1500, days: int = 200, seed: int = 7) -> dict:
    """Fill the raw tables and ops.oracle_churn; return the data's last date and counts."""
    rng = np.random.default_rng(seed)
    end = START + timedelta(days=days)
    out = {table: [] for table in RAW_COLUMNS}
    oracle = []
    ids = {"payment": 0, "session": 0, "event": 0, "message": 0}

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    for user in range(1, users + 1):
        reg = START + timedelta(days=int(rng.integers(0, days - 15)))
        platform = PLATFORMS[int(rng.integers(0, 4))]
        out["raw.users"].append(
            (
                user,
                datetime.combine(reg, datetime.min.time()) + timedelta(hours=9),
                platform,
                REGIONS[int(rng.integers(0, len(REGIONS)))],
            )
        )
        taste = float(rng.lognormal(0.0, 0.5))
        favourite = CHANNELS[int(rng.integers(0, 3))]
        plan = ["basic", "standard", "premium"][int(rng.integers(0, 3))]
        start, trial, active = reg, rng.random() < 0.6, True
        while active and start < end:
            length = 14 if trial else 30
            stop = start + timedelta(days=length)
            fading = rng.random() < 0.25
            failed = (not trial) and rng.random() < 0.1
            if failed:
                out["raw.billing"].append(
                    (
                        next_id("payment"),
                        user,
                        datetime.combine(start, datetime.min.time()) + timedelta(hours=7),
                        start,
                        stop,
                        PRICES[plan],
                        plan,
                        False,
                        "failed",
                    )
                )
            out["raw.billing"].append(
                (
                    next_id("payment"),
                    user,
                    datetime.combine(start, datetime.min.time()) + timedelta(hours=8),
                    start,
                    stop,
                    0.0 if trial else PRICES[plan],
                    "trial" if trial else plan,
                    trial,
                    "success",
                )
            )
            p_churn = _sigmoid(
                -2.3 + 2.6 * fading + 1.2 * failed + 0.6 * trial - 0.8 * np.log(taste)
            )
            oracle.append((user, start, stop, float(p_churn)))
            for offset in range(length):
                day = start + timedelta(days=offset)
                if day >= end:
                    break
                decay = 1.0 - 0.85 * (offset / length) if fading else 1.0
                for _ in range(rng.poisson(0.9 * taste * decay)):
                    at = datetime.combine(day, datetime.min.time()) + timedelta(
                        minutes=int(rng.integers(8 * 60, 23 * 60))
                    )
                    length_min = float(rng.choice([25.0, 45.0, 100.0]))
                    watched = length_min * float(rng.uniform(0.2 if fading else 0.6, 1.0))
                    out["raw.viewing"].append(
                        (
                            next_id("session"),
                            user,
                            at,
                            int(rng.integers(1, 400)),
                            GENRES[int(rng.integers(0, len(GENRES)))],
                            watched,
                            length_min,
                            "tv",
                        )
                    )
                    out["raw.app_events"].append(
                        (next_id("event"), user, at - timedelta(minutes=2), platform, "app_open")
                    )
                if rng.random() < 0.15:
                    channel = CHANNELS[int(rng.integers(0, 3))]
                    sent = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
                    p_open = (0.6 if channel == favourite else 0.15) * (0.4 if fading else 1.0)
                    opened = sent + timedelta(hours=3) if rng.random() < p_open else None
                    clicked = (
                        opened + timedelta(minutes=5) if opened and rng.random() < 0.4 else None
                    )
                    out["raw.communications"].append(
                        (next_id("message"), user, channel, "retention", sent, opened, clicked)
                    )
            if rng.random() < p_churn:
                active = rng.random() < 0.15  # some come back after a while
                start = stop + timedelta(days=int(rng.integers(5, 40)))
                trial = False
            else:
                start = stop + timedelta(days=int(rng.random() < 0.05))  # a day late, in grace
                trial = False
    for table, rows in out.items():
        insert_rows(con, table, rows)
    frame = pl.DataFrame(
        oracle, schema=["user_id", "period_start", "period_end", "p_churn"], orient="row"
    )
    con.complete()
    con.register("oracle_rows", frame.to_arrow())
    con.execute("insert into ops.oracle_churn select * from oracle_rows")
    con.unregister("oracle_rows")
    return {"as_of": end - timedelta(days=1), **{t: len(r) for t, r in out.items()}}
