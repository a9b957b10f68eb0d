"""Demo exports of an online cinema (the churn case): users, billing, viewing, app events
and communications, one file per data contract, plus the churn oracle.

Users are generated in chunks of CHUNK_USERS, each from its own random stream
(seed, chunk number), so memory stays bounded and the output depends only on the
seed and the arguments. Life cycles: `warehouse.demo.churn_sim`; behaviour:
`warehouse.demo.activity`.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from warehouse.contracts import CONTRACTS
from warehouse.demo import activity, churn_sim
from warehouse.demo.sampling import categorical, seconds_of_day
from warehouse.demo.writer import TableFileWriter, check_format
from warehouse.progress import Progress, Step, silent
from warehouse.reference import regions_table

log = logging.getLogger(__name__)

CHUNK_USERS = 50_000
USERS = "users"  # the progress unit: rows of the users file, each with its whole history
PLATFORM_SHARE = np.array([0.30, 0.35, 0.20, 0.15])  # web, android, ios, smart_tv
PLAN_SHARE = np.array([0.50, 0.35, 0.15])  # basic, standard, premium at average engagement
FADING_SHARE = 0.3
SIGNUP_HOURS = np.array([1, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.4, 1.6, 1.8, 2, 2.2, 2.2, 2.2, 2.3, 2.5, 2.8, 3.2, 3.6, 4, 4, 3.2, 2])  # fmt: skip

_DICT = pa.dictionary(pa.int32(), pa.string())
_TS = pa.timestamp("s")
# Column names and order are exactly the contracts' (checked by tests/warehouse/test_demo_data.py).
SCHEMAS: dict[str, pa.Schema] = {
    "users": pa.schema([("user_id", pa.int64()), ("registered_at", _TS), ("platform", _DICT), ("region", _DICT)]),
    "billing": pa.schema([
        ("payment_id", pa.int64()), ("user_id", pa.int64()), ("paid_at", _TS),
        ("period_start", pa.date32()), ("period_end", pa.date32()), ("amount", pa.decimal128(10, 2)),
        ("plan", _DICT), ("is_trial", pa.bool_()), ("status", _DICT),
    ]),
    "viewing": pa.schema([
        ("session_id", pa.int64()), ("user_id", pa.int64()), ("started_at", _TS), ("content_id", pa.int64()),
        ("genre", _DICT), ("duration_min", pa.float64()), ("content_duration_min", pa.float64()), ("device", _DICT),
    ]),
    "app_events": pa.schema([
        ("event_id", pa.int64()), ("user_id", pa.int64()), ("event_time", _TS), ("platform", _DICT), ("event_type", _DICT),
    ]),
    "communications": pa.schema([
        ("message_id", pa.int64()), ("user_id", pa.int64()), ("channel", _DICT), ("campaign", _DICT),
        ("sent_at", _TS), ("opened_at", _TS), ("clicked_at", _TS),
    ]),
}  # fmt: skip
ORACLE_SCHEMA = pa.schema(
    [
        ("user_id", pa.int64()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("p_churn", pa.float64()),
    ]
)


def _strings(index: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    mask = index < 0
    indices = pa.array(index.astype(np.int32), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values))


class _Clock:
    """Turns day numbers and seconds from the window start into Arrow dates and times."""

    def __init__(self, start: date):
        self.epoch_day = int(np.datetime64(start, "D").astype(np.int64))

    def timestamps(self, seconds: np.ndarray) -> pa.Array:
        values = (seconds + self.epoch_day * 86400).astype("datetime64[s]")
        return pa.array(values, type=_TS, mask=seconds < 0)

    def dates(self, days: np.ndarray) -> pa.Array:
        return pa.array((days + self.epoch_day).astype(np.int32), type=pa.int32()).cast(pa.date32())


def _draw_users(
    rng: np.random.Generator, first_id: int, n: int, last_day: int, population: np.ndarray
) -> churn_sim.Users:
    log_e0 = rng.normal(0.0, 0.55, n)
    fading = rng.random(n) < FADING_SHARE
    drift = np.where(fading, -rng.uniform(0.004, 0.03, n), rng.normal(0.0005, 0.0015, n))
    # Engaged users pick dearer plans.
    plan_logits = np.log(PLAN_SHARE) + np.outer(log_e0, [-0.8, 0.0, 0.8])
    plan_p = np.exp(plan_logits)
    plan_cdf = np.cumsum(plan_p / plan_p.sum(axis=1, keepdims=True), axis=1)
    plan = 1 + (rng.random(n)[:, None] > plan_cdf).sum(axis=1).clip(0, 2)
    card_link = 1.0 / (
        1.0 + np.exp(-(churn_sim.CARD_LINK_INTERCEPT + churn_sim.CARD_LINK_SLOPE * log_e0))
    )
    return churn_sim.Users(
        user_id=np.arange(first_id, first_id + n, dtype=np.int64),
        reg_day=rng.integers(0, last_day + 1, n),
        reg_second=seconds_of_day(SIGNUP_HOURS, rng, n),
        platform=categorical(PLATFORM_SHARE, rng.random(n)),
        region=categorical(population, rng.random(n)),
        log_e0=log_e0,
        drift=drift,
        card_risk=rng.beta(1.2, 14.0, n),
        card_linked=rng.random(n) < card_link,
        plan=plan,
        responsiveness=np.stack([rng.beta(2, 6, n), rng.beta(2, 5, n), rng.beta(1, 8, n)], axis=1),
    )


def _by_user_time(user: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Order rows by user, then time (both non-negative, user < 2**20 within a chunk)."""
    return np.argsort((user.astype(np.int64) << 40) + time, kind="stable")


def _chunk_tables(
    users: churn_sim.Users,
    rng: np.random.Generator,
    last_day: int,
    clock: _Clock,
    regions: list[str],
):
    """The five contract tables (ids not yet assigned) and the oracle of one chunk."""
    cycles = churn_sim.simulate(users, rng, last_day)
    uid = users.user_id
    tables = {
        "users": pa.table({
            "user_id": uid, "registered_at": clock.timestamps(users.reg_day * 86400 + users.reg_second),
            "platform": _strings(users.platform, activity.PLATFORMS), "region": _strings(users.region, regions),
        }),
    }  # fmt: skip
    order = _by_user_time(cycles.pay_user, cycles.pay_time)
    pay = {
        k: getattr(cycles, k)[order]
        for k in ("pay_user", "pay_time", "pay_start", "pay_end", "pay_plan", "pay_failed")
    }
    tables["billing"] = pa.table({
        "user_id": uid[pay["pay_user"]], "paid_at": clock.timestamps(pay["pay_time"]),
        "period_start": clock.dates(pay["pay_start"]), "period_end": clock.dates(pay["pay_end"]),
        "amount": pa.array(churn_sim.PRICES[pay["pay_plan"]].astype(np.int16)).cast(pa.decimal128(10, 2)),
        "plan": _strings(pay["pay_plan"], churn_sim.PLANS), "is_trial": pay["pay_plan"] == 0,
        "status": _strings(pay["pay_failed"].astype(np.int64), ["success", "failed"]),
    })  # fmt: skip
    view = activity.viewing(users, cycles, rng)
    o = _by_user_time(view["user"], view["time"])
    tables["viewing"] = pa.table({
        "user_id": uid[view["user"][o]], "started_at": clock.timestamps(view["time"][o]),
        "content_id": view["content_id"][o], "genre": _strings(view["genre"][o], activity.GENRES),
        "duration_min": view["duration_min"][o], "content_duration_min": view["content_duration_min"][o],
        "device": _strings(view["device"][o], activity.DEVICES),
    })  # fmt: skip
    app = activity.app_events(users, cycles, rng)
    o = _by_user_time(app["user"], app["time"])
    tables["app_events"] = pa.table({
        "user_id": uid[app["user"][o]], "event_time": clock.timestamps(app["time"][o]),
        "platform": _strings(app["platform"][o], activity.PLATFORMS),
        "event_type": _strings(app["event_type"][o], activity.EVENT_TYPES),
    })  # fmt: skip
    msg = activity.communications(users, rng, last_day)
    o = _by_user_time(msg["user"], msg["time"])
    tables["communications"] = pa.table({
        "user_id": uid[msg["user"][o]], "channel": _strings(msg["channel"][o], activity.CHANNELS),
        "campaign": _strings(msg["campaign"][o], activity.CAMPAIGN_NAMES), "sent_at": clock.timestamps(msg["time"][o]),
        "opened_at": clock.timestamps(msg["opened_at"][o]), "clicked_at": clock.timestamps(msg["clicked_at"][o]),
    })  # fmt: skip
    o = _by_user_time(cycles.oracle_user, cycles.oracle_start)
    oracle = pa.table({
        "user_id": uid[cycles.oracle_user[o]], "period_start": clock.dates(cycles.oracle_start[o]),
        "period_end": clock.dates(cycles.oracle_end[o]), "p_churn": cycles.oracle_p_churn[o],
    })  # fmt: skip
    return tables, oracle


def _with_id(table: pa.Table, name: str, first: int) -> pa.Table:
    """Prepend the table's id column, numbered from `first`, in contract column order."""
    ids = pa.array(np.arange(first, first + table.num_rows, dtype=np.int64))
    return table.add_column(0, CONTRACTS[name].columns[0].name, ids).select(SCHEMAS[name].names)


def write_subscription_service(
    out_dir: Path,
    n_users: int,
    seed: int = 42,
    fmt: str = "parquet",
    start: date = date(2025, 11, 1),
    end: date = date(2026, 10, 31),
    progress: Progress | None = None,
) -> tuple[dict[str, Path], Path]:
    """Write users, billing, viewing, app_events and communications files and the oracle.

    Files are out_dir/<contract>.<fmt>; the oracle (one row per trial or paid period,
    with the true probability of churn at its end) is out_dir/oracle/churn_oracle.parquet.
    `progress` hears the subscribers written (unit USERS), from 0 to n_users.
    """
    suffix = check_format(fmt)
    if n_users < 0:
        raise ValueError("n_users must be >= 0")
    if end < start:
        raise ValueError("end must not be before start")
    out_dir = Path(out_dir)
    last_day = (end - start).days
    clock = _Clock(start)
    regions = regions_table()
    region_names = regions["region"].to_pylist()
    population = regions["population"].to_numpy().astype(float)
    paths = {name: out_dir / f"{name}{suffix}" for name in SCHEMAS}
    oracle_path = out_dir / "oracle" / "churn_oracle.parquet"
    writers = {name: TableFileWriter(paths[name], SCHEMAS[name], fmt) for name in SCHEMAS}
    next_id = dict.fromkeys(SCHEMAS, 1)
    report = progress or silent
    report(Step("subscribers", 0, n_users, USERS))
    try:
        with TableFileWriter(oracle_path, ORACLE_SCHEMA, "parquet") as oracle_writer:
            for number, first in enumerate(range(0, n_users, CHUNK_USERS)):
                rng = np.random.default_rng([seed, number])
                size = min(CHUNK_USERS, n_users - first)
                users = _draw_users(rng, first + 1, size, last_day, population)
                tables, oracle = _chunk_tables(users, rng, last_day, clock, region_names)
                for name, table in tables.items():
                    if name != "users":
                        table = _with_id(table, name, next_id[name])
                        next_id[name] += table.num_rows
                    writers[name].write(table.cast(SCHEMAS[name]))
                oracle_writer.write(oracle.cast(ORACLE_SCHEMA))
                report(Step("subscribers", first + size, n_users, USERS))
    finally:
        for writer in writers.values():
            writer.close()
    log.info("wrote %d subscribers (%s) to %s", n_users, fmt, out_dir)
    return paths, oracle_path
