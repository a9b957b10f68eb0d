"""Dashboard interaction latency: selection change -> every explorer view's data, server side.

Builds (or reuses, with --db) a warehouse of N ad events, builds the cubes and publishes
the serving snapshot, then replays random selection changes through a DataStore (the
same object a browser session uses) and times the queries of all views. The baseline
runs the same aggregates with the same filters over the per-event rows (one row per
event, the table the cube was rolled up from), in the same run.

    .venv/bin/python benchmarks/dashboard.py --events 10000000
    .venv/bin/python benchmarks/dashboard.py --events 45000000 --db data/bench45.duckdb

Until `portrait demo-data` is available the events are generated here with DuckDB SQL:
realistic shapes (Zipf bundles with a fixed category each, regions weighted by
population with their Moscow offset, a daily curve), and model outputs (predicted
segment, cluster) that are functions of the features, as a model's are.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

# This script is named like the package it measures; keep its own folder off the import
# path so that `import dashboard` finds the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import duckdb  # noqa: E402
from tqdm import tqdm  # noqa: E402

from dashboard.filters import DIMENSIONS  # noqa: E402
from dashboard.serving import ServingDB  # noqa: E402
from dashboard.store import DataStore  # noqa: E402
from queries.cubes import build_cubes  # noqa: E402
from queries.runner import execute, sql_text  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.publish import publish  # noqa: E402
from warehouse.reference import load_reference  # noqa: E402
from warehouse.sql import Fragment, with_identifiers  # noqa: E402

GENERATE = """
insert into raw.ad_events
with
regions as (
    select region, msk_offset_hours, row_number() over (order by population desc) - 1 as r,
        sum(population) over (order by population desc) / sum(population) over () as cum
    from ref.regions
),
base as (
    select
        i as event_id,
        -- Zipf-like bundle popularity: 3000 bundles, a few very common.
        floor(3000 * pow(random(), 3))::int as bundle_no,
        random() as region_u,
        floor(30 * random())::int as day,
        -- More requests in the evening: hour drawn from a skewed curve.
        (floor(24 * pow(random(), 0.7))::int + 6) % 24 as hour,
        floor(60 * random())::int as minute,
        random() as seg_u,
        random() as label_u,
        random() < 0.7 as android
    from range(1, $n + 1) t(i)
),
with_region as (
    select base.*, regions.region, regions.msk_offset_hours
    from base
    asof join regions on base.region_u <= regions.cum
),
final as (
    select
        event_id,
        case when label_u < 0.7 then
            case
                when seg_u < 0.02 + 0.02 * (bundle_no % 40 = 3)::int then 1
                when seg_u < 0.06 + 0.03 * (hour >= 20)::int then 2
                when seg_u < 0.37 + 0.1 * (bundle_no % 40 < 8)::int then 3
                when seg_u < 0.62 then 4
                else 5
            end
        end::tinyint as segment,
        'Category ' || (bundle_no % 40) as gamecategory,
        'Sub ' || (bundle_no % 97) as subgamecategory,
        'com.studio' || bundle_no || '.app' as bundle,
        timestamp '2024-03-01' + to_days(day) + to_hours(hour) + to_minutes(minute) as created,
        case when msk_offset_hours = 0 then 'MSK' else 'MSK' || printf('%+d', msk_offset_hours) end as shift,
        msk_offset_hours::tinyint as shift_hours,
        region as oblast,
        region || ' city' as city,
        case when android then 'android' else 'ios' end as os,
        case when android then '11' else '16.1' end as osv,
        1::bigint as load_id,
        event_id + 1 as source_line
    from with_region
)
select * from final
"""

MODEL_OUTPUTS = """
insert into marts.cluster_assignments
select event_id, 'bench-clusters', (hash(gamecategory, part_of_day, is_weekend, region_msk_offset) % 8)::smallint
from features.ad_events;
create table if not exists marts.segment_predictions (event_id bigint, run_id varchar,
    p_segment_1 double, p_segment_2 double, p_segment_3 double, p_segment_4 double,
    p_segment_5 double, predicted_segment tinyint, scored_at timestamp);
insert into marts.segment_predictions by name
select event_id, 'bench-segment' as run_id, 0.2::double as p_segment_1, 0.2::double as p_segment_2,
    0.2::double as p_segment_3, 0.2::double as p_segment_4, 0.2::double as p_segment_5,
    (1 + hash(gamecategory, local_hour // 3, os, region_salary_rank // 20) % 5)::tinyint as predicted_segment,
    current_timestamp::timestamp as scored_at
from features.ad_events where segment is null;
insert into ml.model_runs (run_id, kind, target, created_at, params, features, metrics,
    data_fingerprint, library_versions, status)
values ('bench-segment', 'segment', 'segment', now()::timestamp, '{}', '[]', '{}', 'bench', '{}', 'succeeded'),
       ('bench-clusters', 'clusters', 'none', now()::timestamp, '{}', '[]', '{}', 'bench', '{}', 'succeeded');
"""


def build_warehouse(path: Path, events: int) -> Path:
    con = connect(path)
    load_reference(con)
    steps = [
        ("generate events", lambda: con.execute(GENERATE, {"n": events})),
        ("features", lambda: execute(con, "build_ad_event_features")),
        ("model outputs", lambda: con.execute(MODEL_OUTPUTS)),
        ("cubes", lambda: build_cubes(con)),
        ("per-event baseline table", lambda: con.execute(EVENT_ROWS)),
        ("publish", lambda: publish(con)),
    ]
    for name, step in tqdm(steps, desc="building warehouse"):
        started = time.perf_counter()
        step()
        tqdm.write(f"  {name}: {time.perf_counter() - started:.1f} s")
    con.close()
    return path


# The baseline's table: every event with its dimensions, i.e. the cube before roll-up,
# with events = 1 per row so that the very same SQL runs on it. It lives in a schema the
# snapshot does not copy, and the baseline reads it from the warehouse file itself.
EVENT_ROWS = """
create schema if not exists bench;
create or replace table bench.event_rows as
with dims as (select * from features.ad_events),
top_r as (select oblast from dims group by 1 order by count(*) desc limit 12),
top_c as (select gamecategory from dims group by 1 order by count(*) desc limit 12),
top_b as (select bundle from dims group by 1 order by count(*) desc limit 15),
pred as (select event_id, predicted_segment::varchar as p from marts.segment_predictions),
clu as (select event_id, cluster::varchar as c from marts.cluster_assignments)
select d.local_hour, d.local_weekday,
    case when d.oblast in (select oblast from top_r) then d.oblast else 'other' end as region_group,
    case when d.gamecategory in (select gamecategory from top_c) then d.gamecategory else 'other' end as gamecategory,
    case when d.bundle in (select bundle from top_b) then d.bundle else 'other' end as bundle_group,
    coalesce(d.segment::varchar, 'unlabeled') as segment,
    coalesce(pred.p, 'not scored') as predicted_segment,
    coalesce(clu.c, 'none') as cluster,
    1::bigint as events
from dims d left join pred using (event_id) left join clu using (event_id)
"""


def random_walk(store: DataStore, domains: dict[str, list], steps: int, seed: int):
    """Yield after each random selection change (set or clear one dimension's filter)."""
    rng = random.Random(seed)
    for _ in range(steps):
        dimension = rng.choice(list(DIMENSIONS))
        if dimension in store.filters and rng.random() < 0.4:
            store.set_selection(dimension, [])
        elif dimension == "local_hour" and rng.random() < 0.5:
            low = rng.randint(0, 20)
            store.set_selection(dimension, (low, low + rng.randint(0, 3)))
        else:
            values = domains[dimension]
            store.set_selection(
                dimension, rng.sample(values, k=min(len(values), rng.randint(1, 3)))
            )
        yield


def time_cube(store: DataStore, steps: int, seed: int) -> tuple[list[float], list[dict]]:
    domains = {d: store.domain(d) for d in DIMENSIONS}
    timings, selections = [], []
    for _ in tqdm(random_walk(store, domains, steps, seed), total=steps, desc="cube (DataStore)"):
        # Time cold queries (a new selection is a cache miss); the value dictionary stays
        # warm, as it does in a running app.
        store.serving._cache.clear()
        store._counts_memo = (None, None)
        store.domain("segment")
        started = time.perf_counter()
        store.refresh_views()
        timings.append(time.perf_counter() - started)
        selections.append(dict(store.filters))
    return timings, selections


def ensure_event_rows(db: Path) -> None:
    con = connect(db)
    if not con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'bench' and table_name = 'event_rows'"
    ).fetchone()[0]:
        con.execute(EVENT_ROWS)
    con.close()


def time_raw(store: DataStore, db: Path, selections: list[dict]) -> list[float]:
    cursor = duckdb.connect(str(db), read_only=True)
    counts = sql_text("dashboard_dimension_counts").replace(
        "marts.audience_cube", "bench.event_rows"
    )
    total = sql_text("dashboard_selection_total").replace("marts.audience_cube", "bench.event_rows")
    timings = []
    for filters in tqdm(selections, desc="raw events (baseline)"):
        store.filters = filters
        started = time.perf_counter()
        for dimension in DIMENSIONS:
            clause, params = store.where(exclude=dimension)
            sql = with_identifiers(counts, dimension=dimension, where=clause)
            cursor.execute(sql, params).fetchall()
        clause, params = store.where()
        cursor.execute(with_identifiers(total, where=clause), params).fetchall()
        timings.append(time.perf_counter() - started)
    return timings


def p(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100)[int(q) - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="Reuse (or create) this warehouse file.")
    parser.add_argument("--selections", type=int, default=200)
    parser.add_argument("--baseline-selections", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    db = args.db or Path("data") / "bench" / f"dashboard-{args.events}.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        build_warehouse(db, args.events)
    serving = ServingDB(db.with_name(db.name.removesuffix(".duckdb") + ".serving.duckdb"))
    store = DataStore(serving)
    events = store.query("dashboard_selection_total", {}, where=Fragment("true")).item()
    cube_rows = serving.table_rows("marts.audience_cube")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
    print(
        f"events {events:,}; cube rows {cube_rows:,} ({events / max(cube_rows, 1):.1f} events per row)"
    )
    cube, selections = time_cube(store, args.selections, args.seed)
    ensure_event_rows(db)
    raw = time_raw(store, db, selections[: args.baseline_selections])
    paired = cube[: len(raw)]
    print(
        f"cube  ({len(cube)} selections; DataStore: one statement, 1 + selected views scans): "
        f"p50 {p(cube, 50):.1f} ms, p95 {p(cube, 95):.1f} ms"
    )
    print(
        f"raw   ({len(raw)} selections; one query per view and the total, per-event rows): "
        f"p50 {p(raw, 50):.1f} ms, p95 {p(raw, 95):.1f} ms"
    )
    print(
        f"ratio raw/cube on the same selections: median {statistics.median(raw) / statistics.median(paired):.1f}x"
    )


if __name__ == "__main__":
    main()
