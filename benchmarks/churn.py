"""Benchmark: churn feature build and daily scoring for N active subscribers (default 1M).

    .venv/bin/python benchmarks/churn.py --users 1000000 --repeats 3

Phases, each in its own process so that its peak memory (RSS, DuckDB included) is its own:
  world     setup: a synthetic service in DuckDB with N subscribers active on the score
            date and about 120 days of history (billing, ~20 views, ~25 app events and
            ~8 messages per user), generated in SQL from hashes (deterministic)
  model     setup: a default-size churn model (300 trees, depth 6) registered as churn_paid
            and churn_trial, fitted on 50k users' features with a synthetic label
  scan      baseline: one grouped pass over the four event tables, the floor any feature
            build pays (it reads the same columns and does no windowing)
  features  build_snapshots + snapshot_features for the score date: seconds and rows/s
  score     the whole `portrait churn score --date D`: features, probabilities, SHAP, the
            three factors in words, channel, offer, and the atomic write of the vitrine
Medians over --repeats; ratios compare features and scoring against the scan baseline.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
import traceback
from datetime import date, timedelta
from pathlib import Path
from queue import Empty

SCORE_DATE = date(2024, 4, 30)
HISTORY_DAYS = 120

WORLD_SQL = """
create or replace temp table bench_users as
select range + 1 as user_id,
       hash(range, 'reg') % 60 as reg_offset,
       hash(range, 'trial') % 10 = 0 as on_trial,
       hash(range, 'busy') % 40 as sessions,
       hash(range, 'app') % 50 as app_events,
       hash(range, 'msg') % 16 as messages
from range($users);

insert into raw.users
select user_id, $start::timestamp + to_days(reg_offset::integer) + interval 9 hour,
       ['web', 'android', 'ios', 'smart_tv'][(1 + hash(user_id, 'p') % 4)::bigint],
       ['Москва', 'Санкт-Петербург', 'Тверская область', 'Республика Татарстан'][(1 + hash(user_id, 'r') % 4)::bigint],
       1, user_id
from bench_users;

-- Trial users: one 14-day trial covering the score date. Paid users: back-to-back 30-day
-- periods from registration until one covers the score date, some renewals declined once.
insert into raw.billing
select row_number() over () as payment_id, user_id, period_start::timestamp + interval 8 hour,
       period_start, period_start + length, amount, plan, plan = 'trial', status, 1, 0
from (
    select user_id, $score_date::date - (hash(user_id, 'tr') % 14)::integer as period_start,
           14 as length, 0 as amount, 'trial' as plan, 'success' as status
    from bench_users where on_trial
    union all
    select user_id, $start::date + reg_offset::integer + (30 * k)::integer, 30, 299 + 200 * (user_id % 3),
           ['basic', 'standard', 'premium'][1 + user_id % 3], status
    from bench_users, range(0, 7) as periods(k),
         (values ('success'), ('failed')) as attempts(status)
    where not on_trial
      and $start::date + reg_offset::integer + (30 * k)::integer <= $score_date::date
      and (status = 'success' or hash(user_id, k) % 20 = 0)
);

insert into raw.viewing
select row_number() over (), user_id,
       $score_date::timestamp + interval 1 day
           - to_seconds((1 + hash(user_id, s, 't') % ($days * 86400))::bigint),
       100001 + hash(user_id, s, 'c') % 4000,
       ['drama', 'comedy', 'thriller', 'kids', 'documentary'][(1 + hash(user_id, s, 'g') % 5)::bigint],
       (hash(user_id, s, 'd') % 120)::double, 120.0, 'tv', 1, 0
from bench_users, range(0, 40) as k(s)
where s < sessions;

insert into raw.app_events
select row_number() over (), user_id,
       $score_date::timestamp + interval 1 day
           - to_seconds((1 + hash(user_id, s, 'a') % ($days * 86400))::bigint),
       ['web', 'android', 'ios', 'smart_tv'][(1 + hash(user_id, s, 'p') % 4)::bigint], 'app_open', 1, 0
from bench_users, range(0, 50) as k(s)
where s < app_events;

insert into raw.communications
select row_number() over (), user_id, ['email', 'push', 'sms'][(1 + hash(user_id, s, 'ch') % 3)::bigint],
       'digest', sent_at,
       case when hash(user_id, s, 'o') % 3 = 0 then sent_at + interval 2 hour end,
       case when hash(user_id, s, 'o') % 9 = 0 then sent_at + interval 3 hour end, 1, 0
from (
    select user_id, s, $score_date::timestamp + interval 1 day
           - to_seconds((1 + hash(user_id, s, 'm') % ($days * 86400))::bigint) as sent_at
    from bench_users, range(0, 16) as k(s)
    where s < messages
);
"""

SCAN_SQL = """
select count(*) from (
    select user_id, count(*), sum(duration_min), max(started_at) from raw.viewing group by all
    union all
    select user_id, count(*), count(distinct platform), max(event_time) from raw.app_events group by all
    union all
    select user_id, count(*), count(opened_at), max(sent_at) from raw.communications group by all
    union all
    select user_id, count(*), sum(amount), max(paid_at) from raw.billing group by all
)
"""


class PeakRss:
    """Samples the process's resident memory (DuckDB's native memory included) in a thread."""

    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            self.peak = max(self.peak, rss)
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 2**20


def phase_world(db: str, users: int) -> dict:
    from warehouse.db import connect

    con = connect(db)
    start = time.perf_counter()
    params = {
        "users": users,
        "start": SCORE_DATE - timedelta(days=HISTORY_DAYS),
        "score_date": SCORE_DATE,
        "days": HISTORY_DAYS,
    }
    for statement in WORLD_SQL.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
    counts = {
        t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
        for t in ("users", "billing", "viewing", "app_events", "communications")
    }
    return {"seconds": time.perf_counter() - start, "rows": counts}


def phase_model(db: str) -> dict:
    import numpy as np
    import polars as pl

    from modeling.churn.features import CATEGORICAL, build_features, feature_columns
    from modeling.churn.model import ChurnModel
    from modeling.registry import RunRecord, data_fingerprint, save_run
    from warehouse.db import connect

    con = connect(db)
    start = time.perf_counter()
    frame = build_features(con, [SCORE_DATE])
    frame = frame.sample(n=min(50_000, frame.height), seed=0)
    features = feature_columns(frame)
    rng = np.random.default_rng(0)
    activity = frame.get_column("activity_30d").fill_null(0).to_numpy()
    label = (rng.random(frame.height) < 1 / (1 + np.exp(activity / 10 - 1))).astype(int)
    model = ChurnModel(categorical=CATEGORICAL).fit(frame.select(features), label)
    importance = dict(
        zip(
            features,
            np.abs(model.shap_values(frame.head(2000).select(features))).mean(0),
            strict=True,
        )
    )
    model.set_reference(
        frame.select(features), model.predict_proba(frame.select(features)), importance
    )
    for kind in ("churn_trial", "churn_paid"):
        save_run(con, RunRecord(kind, "benchmark", model, {"horizon_days": 30, "grace_days": 2},
                                {"features": features}, {"roc_auc": None},
                                data_fingerprint(pl.DataFrame({"label": label}))))  # fmt: skip
    return {"seconds": time.perf_counter() - start}


def phase_scan(db: str) -> dict:
    from warehouse.db import connect

    con = connect(db)
    start = time.perf_counter()
    con.execute(SCAN_SQL).fetchall()
    return {"seconds": time.perf_counter() - start}


def phase_features(db: str) -> dict:
    from modeling.churn.features import build_features
    from warehouse.db import connect

    con = connect(db)
    start = time.perf_counter()
    frame = build_features(con, [SCORE_DATE])
    return {"seconds": time.perf_counter() - start, "rows": frame.height, "columns": frame.width}


def phase_score(db: str) -> dict:
    from modeling.churn.score import score_day
    from warehouse.db import connect

    con = connect(db)
    start = time.perf_counter()
    result = score_day(con, SCORE_DATE, kinds=["subscription"])
    return {"seconds": time.perf_counter() - start, "rows": sum(result.rows_by_cohort.values())}


def _child(target, args, queue) -> None:
    try:
        with PeakRss() as peak:
            out = target(*args)
        out["peak_mb"] = peak.mb
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        out = {"error": traceback.format_exc()}
    queue.put(out)


def run_phase(target, *args) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise RuntimeError(
                    f"{target.__name__} died (exit code {process.exitcode})"
                ) from None
    process.join()
    if "error" in result:
        raise RuntimeError(f"{target.__name__} failed:\n{result['error']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", help="Warehouse file to build (default: a temporary one).")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="portrait-churn-bench-")
    db = args.db or str(Path(folder.name) / "bench.duckdb")

    world = run_phase(phase_world, db, args.users)
    print(f"world: {world['seconds']:.1f} s, rows {world['rows']}, peak {world['peak_mb']:.0f} MB")
    model = run_phase(phase_model, db)
    print(f"model: {model['seconds']:.1f} s (setup), peak {model['peak_mb']:.0f} MB")

    runs = {"scan": [], "features": [], "score": []}
    for _ in range(args.repeats):
        runs["scan"].append(run_phase(phase_scan, db))
        runs["features"].append(run_phase(phase_features, db))
        runs["score"].append(run_phase(phase_score, db))
    medians = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    peaks = {name: max(r["peak_mb"] for r in rs) for name, rs in runs.items()}
    rows = runs["features"][0]["rows"]
    print(f"\n{args.users:,} users, {rows:,} active on {SCORE_DATE}, "
          f"{runs['features'][0]['columns']} feature columns, median of {args.repeats}")  # fmt: skip
    print(f"{'phase':<10} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} {'x scan':>7}")
    for name in ("scan", "features", "score"):
        print(
            f"{name:<10} {medians[name]:>8.1f} {rows / medians[name]:>10,.0f} "
            f"{peaks[name]:>8.0f} {medians[name] / medians['scan']:>7.1f}"
        )
    print(f"score without features: {medians['score'] - medians['features']:.1f} s")
    folder.cleanup()


if __name__ == "__main__":
    main()
