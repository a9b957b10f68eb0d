"""Benchmark: ingest N demo ad events from CSV and Parquet, against bare DuckDB and pandas.

    .venv/bin/python benchmarks/ingest.py --events 10000000 --repeats 3

For each format, every repeat measures, each in a fresh process (so that the peak
memory, DuckDB's native allocations included, is that of the one measurement):

  ingest   warehouse.ingest.ingest_file(contract='ad_events') into a fresh warehouse:
           hashing, encoding and dialect detection, every contract check, line numbers,
           duplicate keys, quarantine, ops.loads, one transaction
  bare     baseline: `create table t as select * from read_csv(...)` (read_parquet for
           Parquet) into a fresh DuckDB file, no checks
  pandas   baseline (CSV only): pandas.read_csv of the file, just the read; at most
           --pandas-rows rows (default 10M) are read and the time is extrapolated
           linearly to N beyond that

Targets: ingest throughput >= 0.7 x bare; ingest >= 5 x faster than pandas.read_csv.
The table shows medians over the repeats.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from isolated import run_isolated

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BARE_TARGET = 0.7
PANDAS_TARGET = 5.0
EXPORT_COLUMNS = "event_id, Segment, gamecategory, subgamecategory, bundle, created, shift, oblast, city, os, osv"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh(path: Path) -> Path:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)
    return path


def _measure_ingest(path: str, db: str) -> dict:
    from warehouse.db import connect
    from warehouse.ingest import ingest_file

    con = connect(_fresh(Path(db)))
    cpu, start = _cpu(), time.perf_counter()
    result = ingest_file(con, path, contract="ad_events")
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    con.close()
    return {
        "seconds": seconds, "cpu": cpu, "rows": result.rows_loaded,
        "quarantined": result.rows_quarantined,
    }  # fmt: skip


def _measure_bare(path: str, db: str) -> dict:
    import duckdb

    con = duckdb.connect(str(_fresh(Path(db))))
    reader = "read_parquet(?)" if path.endswith(".parquet") else "read_csv(?)"
    cpu, start = _cpu(), time.perf_counter()
    con.execute(f"create table t as select * from {reader}", [path])
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    rows = con.execute("select count(*) from t").fetchone()[0]
    con.close()
    return {"seconds": seconds, "cpu": cpu, "rows": rows}


def _measure_pandas(path: str, rows: int) -> dict:
    import pandas as pd

    cpu, start = _cpu(), time.perf_counter()
    frame = pd.read_csv(path, nrows=rows)
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "rows": len(frame)}


MEASURES = {"ingest": _measure_ingest, "bare": _measure_bare, "pandas": _measure_pandas}


def generate(out_dir: Path, events: int) -> tuple[Path, Path, str]:
    """One CSV and one Parquet file of `events` demo ad events; returns (csv, parquet, how)."""
    try:
        from warehouse.demo.ads import write_ad_events
    except ImportError:
        write_ad_events = None
    if write_ad_events is not None:
        files = {}
        for fmt in ("csv", "parquet"):
            paths, _ = write_ad_events(
                out_dir / fmt, events, seed=42, fmt=fmt, rows_per_file=events
            )
            files[fmt] = paths[0]
        return files["csv"], files["parquet"], "warehouse.demo.ads.write_ad_events"
    import duckdb

    query = f"""
        select i + 1 as event_id,
            case when i % 10 = 0 then null else 1 + i % 5 end as Segment,
            ['Games', 'Entertainment', 'Tools'][1 + i % 3] as gamecategory,
            ['Puzzle', 'Arcade', 'Casual', 'Racing'][1 + i % 4] as subgamecategory,
            'com.studio' || (i % 997) || '.app' as bundle,
            timestamp '2021-07-01' + to_seconds(i % 2678400) as created,
            ['MSK', 'MSK+4', 'MSK-1', 'MSK+2'][1 + i % 4] as shift,
            ['Москва', 'Новосибирская область', 'Свердловская область'][1 + i % 3] as oblast,
            ['Москва', 'Новосибирск', 'Екатеринбург'][1 + i % 3] as city,
            ['android', 'ios'][1 + i % 2] as os, ['9.0', '14.4.1', '11'][1 + i % 3] as osv
        from range({events}) t(i)
    """
    csv_path, parquet_path = out_dir / "ad_events.csv", out_dir / "ad_events.parquet"
    duckdb.sql(f"copy ({query}) to '{csv_path}' (header)")
    duckdb.sql(f"copy ({query}) to '{parquet_path}' (format parquet)")
    return csv_path, parquet_path, "DuckDB COPY (demo generator not importable)"


def _median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    # The whole file up to 10M events (about 4 GB in pandas): reading only part of it
    # and extrapolating made pandas look slower than it is (5.1 s against 3.9 s at 10M).
    parser.add_argument("--pandas-rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="Where to write files (temp).")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-", dir=args.workdir))
    try:
        start = time.perf_counter()
        csv_path, parquet_path, how = generate(work, args.events)
        print(f"generated {args.events:,} events with {how} in {time.perf_counter() - start:.0f} s")
        print(f"  CSV     {csv_path.stat().st_size / 2**20:8.0f} MB  {csv_path}")
        print(f"  Parquet {parquet_path.stat().st_size / 2**20:8.0f} MB  {parquet_path}")
        print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
        db = str(work / "bench.duckdb")
        rows_table = []
        for label, path in (("CSV", csv_path), ("Parquet", parquet_path)):
            ingests, bares, pandases = [], [], []
            for repeat in range(args.repeats):
                ingests.append(run_isolated(MEASURES["ingest"], str(path), db))
                bares.append(run_isolated(MEASURES["bare"], str(path), db))
                if label == "CSV":
                    pandases.append(run_isolated(MEASURES["pandas"], str(path), args.pandas_rows))
                print(
                    f"  {label} repeat {repeat + 1}: ingest {ingests[-1]['seconds']:.2f} s, "
                    f"bare {bares[-1]['seconds']:.2f} s"
                    + (f", pandas {pandases[-1]['seconds']:.2f} s" if pandases else ""),
                    flush=True,
                )
            rows_table.append((label, ingests, bares, pandases))
        print(f"load average after: {os.getloadavg()[0]:.1f} (other processes skew every ratio)")
        _report(args.events, rows_table, args.pandas_rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _report(events: int, table: list, pandas_rows: int) -> None:
    print()
    header = f"{'':8} {'measure':8} {'median s':>9} {'rows/s':>12} {'peak MB':>8}  ratio / target"
    print(header)
    print("-" * len(header) + "-" * 20)
    for label, ingests, bares, pandases in table:
        ingest_s, bare_s = _median(ingests, "seconds"), _median(bares, "seconds")
        rows = ingests[0]["rows"] + ingests[0].get("quarantined", 0)
        print(
            f"{label:8} {'ingest':8} {ingest_s:9.2f} {rows / ingest_s:12,.0f} "
            f"{_median(ingests, 'peak_mb'):8.0f}"
        )
        ratio = bare_s / ingest_s
        verdict = "PASS" if ratio >= BARE_TARGET else "MISS"
        print(
            f"{'':8} {'bare':8} {bare_s:9.2f} {bares[0]['rows'] / bare_s:12,.0f} "
            f"{_median(bares, 'peak_mb'):8.0f}  ingest/bare throughput {ratio:.2f} "
            f"(target >= {BARE_TARGET}) {verdict}"
        )
        ingest_cpu, bare_cpu = _median(ingests, "cpu"), _median(bares, "cpu")
        print(
            f"{'':28}CPU seconds: ingest {ingest_cpu:.1f}, bare {bare_cpu:.1f}; "
            f"bare/ingest CPU {bare_cpu / ingest_cpu:.2f} (less sensitive to other load)"
        )
        if pandases:
            read = pandases[0]["rows"]
            pandas_s = _median(pandases, "seconds") * events / read
            speedup = pandas_s / ingest_s
            verdict = "PASS" if speedup >= PANDAS_TARGET else "MISS"
            print(
                f"{'':8} {'pandas':8} {pandas_s:9.2f} {events / pandas_s:12,.0f} "
                f"{'':8}  ingest speed-up {speedup:.1f}x (target >= {PANDAS_TARGET:.0f}x) {verdict}"
            )
            if read < events:
                print(
                    f"{'':28}pandas read {read:,} rows; its time is extrapolated x{events / read:.1f}"
                )
            print(
                f"{'':28}for scale: bare DuckDB reads {pandas_s / bare_s:.1f}x as fast as pandas; "
                f"CPU seconds per row, pandas/bare: "
                f"{_median(pandases, 'cpu') * events / read / _median(bares, 'cpu'):.2f}"
            )
    print("\nrows/s counts rows read (loaded + quarantined); peak MB is the process's max RSS.")


if __name__ == "__main__":
    main()
