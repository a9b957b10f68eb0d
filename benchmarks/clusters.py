"""Benchmark: fit and assign behavioural clusters on N demo ad events (default 10M).

    .venv/bin/python benchmarks/clusters.py --events 10000000

Phases, each in its own process so that its peak memory (RSS, DuckDB included) is its own:
  load      demo events -> raw.ad_events, reference tables, features.ad_events (setup)
  train     the whole `portrait train clusters` pipeline without the segment comparison:
            samples, k = 3..20 with and without day of month, phik matrix, projection,
            SQL assignment of every event, coverage and profiles marts, registry
  assign    the SQL assignment alone, repeated; median seconds and rows/s
  batches   baseline: the same assignment in Python, 1M-row Arrow batches through
            ClusterModel.predict, written back to a table, repeated
  fit       baseline: KMeans against MiniBatchKMeans at the chosen k on the fit sample
Ratios compare each against its baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from isolated import run_isolated


def phase_load(db: str, events: int, seed: int) -> dict:
    # The ingest command is another engineer's; the benchmark maps the demo export onto
    # raw.ad_events itself (same columns as the contract), in 1M-row batches.
    from queries.runner import execute
    from warehouse.demo.ads import ad_event_batches
    from warehouse.reference import load_reference

    con = _connect(db)
    load_reference(con)
    start = time.perf_counter()
    for batch, _ in ad_event_batches(events, seed=seed, batch_rows=1_000_000):
        con.register("demo_batch", batch)
        con.execute(
            """
            insert into raw.ad_events
            select
                event_id, "Segment", gamecategory::varchar, subgamecategory::varchar,
                bundle::varchar, created::timestamp, shift::varchar,
                case when shift::varchar = 'MSK' then 0
                     else try_cast(substr(shift::varchar, 4) as tinyint) end,
                oblast::varchar, city::varchar, lower(os::varchar), osv::varchar,
                1, event_id
            from demo_batch
            """
        )
        con.unregister("demo_batch")
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    execute(con, "build_ad_event_features")
    features = time.perf_counter() - start
    n = con.execute("select count(*) from features.ad_events").fetchone()[0]
    con.close()
    return {"seconds_generate_and_load": loaded, "seconds_features": features, "rows": n}


def phase_train(db: str) -> dict:
    from modeling.clusters.train import ClusterTrainOptions, train_clusters

    con = _connect(db)
    cpu = time.process_time()
    marks = [("start", time.perf_counter())]
    result = train_clusters(
        con,
        ClusterTrainOptions(),
        lambda step: marks.append((step.message, time.perf_counter())),
    )
    con.close()
    steps = {}
    for (_, t0), (name, t1) in zip(marks, marks[1:], strict=False):
        steps[name] = t1 - t0
    selection = sum(v for k, v in steps.items() if " k=" in k)
    return {
        "seconds": marks[-1][1] - marks[0][1],
        "cpu_seconds": time.process_time() - cpu,
        "seconds_k_selection": selection,
        "seconds_samples": steps.get("samples loaded"),
        "seconds_phik_matrix": steps.get("phik matrix"),
        "seconds_projection": steps.get("projection"),
        "seconds_assign_sql": steps.get("assigned in SQL"),
        "seconds_marts": steps.get("marts filled"),
        "run_id": result.run_id,
        "k": result.metrics.k,
        "phik": result.metrics.phik,
        "silhouette": result.metrics.silhouette,
        "day_of_month": result.metrics.day_of_month["summary"],
        "assigned": result.metrics.assigned_events,
    }


def phase_assign(db: str, run_id: str, repeats: int) -> dict:
    from modeling.clusters.store import assign_in_sql
    from warehouse.db import transaction

    con = _connect(db)
    times, cpu = [], []
    for _ in range(repeats):
        # Removing the previous repeat's rows is not part of an assignment.
        con.execute("delete from marts.cluster_assignments where run_id = ?", [run_id])
        start, cpu_start = time.perf_counter(), time.process_time()
        with transaction(con):
            rows = assign_in_sql(con, run_id)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    con.close()
    return {"seconds": times, "cpu_seconds": cpu, "rows": rows}


def phase_batches(db: str, run_id: str, repeats: int) -> dict:
    import polars as pl

    from modeling.clusters.features import SOURCE_COLUMNS
    from modeling.registry import load_model_from

    con = _connect(db)
    model = load_model_from(con, run_id)
    reader_con = con.cursor()  # reads while `con` writes
    times, cpu = [], []
    for _ in range(repeats):
        con.execute("create or replace table batch_assignments (event_id bigint, cluster smallint)")
        start, cpu_start = time.perf_counter(), time.process_time()
        reader = reader_con.sql(
            f"select event_id, {', '.join(SOURCE_COLUMNS)} from features.ad_events"
        ).to_arrow_reader(1_000_000)
        rows = 0
        for batch in reader:
            frame = pl.from_arrow(batch)
            out = pl.DataFrame({"event_id": frame["event_id"], "cluster": model.predict(frame)})
            con.register("batch_out", out.to_arrow())
            con.execute("insert into batch_assignments select * from batch_out")
            con.unregister("batch_out")
            rows += frame.height
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    agree = con.execute(
        "select avg((b.cluster = a.cluster)::double) from batch_assignments b "
        "join marts.cluster_assignments a using (event_id) where a.run_id = ?",
        [run_id],
    ).fetchone()[0]
    con.execute("drop table batch_assignments")
    con.close()
    return {"seconds": times, "cpu_seconds": cpu, "rows": rows, "agreement_with_sql": agree}


def phase_fit(db: str, k: int) -> dict:
    from modeling.clusters.model import ClusterModel
    from modeling.clusters.train import ClusterTrainOptions, load_samples

    con = _connect(db)
    frequency, fit_frame, _ = load_samples(con, ClusterTrainOptions())
    con.close()
    out = {"rows": fit_frame.height}
    for name, above in (("minibatch", 0), ("kmeans", fit_frame.height)):
        start, cpu_start = time.perf_counter(), time.process_time()
        model = ClusterModel(n_clusters=k, minibatch_above=above).fit(fit_frame, frequency)
        out[name] = time.perf_counter() - start
        out[f"{name}_cpu"] = time.process_time() - cpu_start
        scaled = model.transform(fit_frame)
        nearest = model.kmeans_.cluster_centers_[model.kmeans_.predict(scaled)]
        out[f"{name}_inertia"] = float(((scaled - nearest) ** 2).sum())
    return out


def _connect(db: str):
    # Imported in the child process, after spawn: the parent never opens the warehouse.
    from warehouse.db import connect

    con = connect(db)
    con.execute("set enable_progress_bar = false")  # DuckDB's bar would garble the output
    return con


def run_phase(name: str, *args) -> dict:
    return run_isolated(globals()[f"phase_{name}"], *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the SQL assignment")
    parser.add_argument("--db", help="warehouse file (default: a new temporary one)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench_clusters_")
    db = args.db or str(Path(folder) / "bench.duckdb")

    print(f"warehouse {db}; {args.events:,} demo events, seed {args.seed}")
    load = run_phase("load", db, args.events, args.seed)
    print(
        f"load      {load['rows']:,} rows; generate+load {load['seconds_generate_and_load']:.1f} s, "
        f"features {load['seconds_features']:.1f} s, peak {load['peak_mb']:.0f} MB"
    )
    trained = run_phase("train", db)
    print(
        f"train     {trained['seconds']:.1f} s end to end: samples {trained['seconds_samples']:.1f} s, "
        f"k selection (2 x 18 fits) {trained['seconds_k_selection']:.1f} s, "
        f"phik matrix {trained['seconds_phik_matrix']:.1f} s, projection {trained['seconds_projection']:.1f} s, "
        f"SQL assignment {trained['seconds_assign_sql']:.1f} s, coverage+profiles+marts "
        f"{trained['seconds_marts']:.1f} s; {trained['cpu_seconds']:.0f} CPU s; "
        f"peak {trained['peak_mb']:.0f} MB"
    )
    print(
        f"          run {trained['run_id']}: k={trained['k']}, phik {trained['phik']:.3f}, "
        f"silhouette {trained['silhouette']:.3f}, {trained['assigned']:,} events assigned"
    )
    print(f"          {trained['day_of_month']}")
    assign = run_phase("assign", db, trained["run_id"], args.repeats)
    sql_median = statistics.median(assign["seconds"])
    print(
        f"assign    SQL: median {sql_median:.2f} s of {args.repeats} "
        f"({', '.join(f'{s:.2f}' for s in assign['seconds'])}), "
        f"{assign['rows'] / sql_median:,.0f} rows/s, median "
        f"{statistics.median(assign['cpu_seconds']):.1f} CPU s, peak {assign['peak_mb']:.0f} MB"
    )
    batches = run_phase("batches", db, trained["run_id"], args.repeats)
    batch_median = statistics.median(batches["seconds"])
    batch_cpu = statistics.median(batches["cpu_seconds"])
    print(
        f"baseline  Python batches: median {batch_median:.2f} s of {args.repeats} "
        f"({', '.join(f'{s:.2f}' for s in batches['seconds'])}), "
        f"{batches['rows'] / batch_median:,.0f} rows/s, median {batch_cpu:.1f} CPU s, "
        f"peak {batches['peak_mb']:.0f} MB, "
        f"agreement with SQL {batches['agreement_with_sql']:.6f}"
    )
    print(
        f"ratio     batches / SQL: wall {batch_median / sql_median:.2f}x, CPU "
        f"{batch_cpu / statistics.median(assign['cpu_seconds']):.2f}x"
    )
    fit = run_phase("fit", db, trained["k"])
    print(
        f"fit       k={trained['k']} on {fit['rows']:,} rows: KMeans {fit['kmeans']:.2f} s "
        f"({fit['kmeans_cpu']:.2f} CPU s, inertia {fit['kmeans_inertia']:,.0f}), MiniBatchKMeans "
        f"{fit['minibatch']:.2f} s ({fit['minibatch_cpu']:.2f} CPU s, inertia "
        f"{fit['minibatch_inertia']:,.0f}); CPU ratio minibatch / kmeans "
        f"{fit['minibatch_cpu'] / fit['kmeans_cpu']:.2f}x"
    )


if __name__ == "__main__":
    main()
