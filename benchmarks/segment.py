"""Benchmark of the segment model on demo warehouses of 1M and 10M events.

    .venv/bin/python benchmarks/segment.py --db /tmp/seg/1m.duckdb --db /tmp/seg/10m.duckdb

Each --db must be a demo warehouse (`portrait demo-data --events N --db PATH`); it is
copied first, so the benchmark never changes it. Prints medians and ratios against
baselines measured in the same run:

- feature build: our SQL (the features.ad_events view, then the model's frame in parts:
  event rows with keys and one frame per app, place, device and hour, as training and
  scoring read it; the median of BUILD_REPEATS builds) against pandas with row-wise
  apply, as notebooks do (timed on a sample of APPLY_ROWS rows: it is too slow for more)
  and against vectorised pandas.
  Both pandas versions compute the same columns as the parts joined into one row per
  event, and the benchmark checks it value by value on their rows. That join is timed
  too, for reference: only samples are joined (leakage guard, SHAP, --compare);
- training time of `train_segment` with its defaults;
- scoring rows/s of `score_segment` (every unlabeled event) with each engine (CatBoost's
  predict, and the trees evaluated per key, modeling/segment/fast/forest.py): a first call,
  which loads the model and the kernel, then the median of SCORE_REPEATS calls taking
  turns with the other engine, with the slowest and fastest of them; the largest
  difference between their stored probabilities, and the holdout AUC next to the
  oracle's, so that speed is never bought with accuracy;
- SHAP rows/s of the multiclass model (CatBoost's own SHAP).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from modeling.registry import load_model_from, run_info
from modeling.segment import SegmentTrainOptions, score_segment, train_segment
from modeling.segment.explain import segment_shap
from queries.segment_features import ensure_segment_features
from queries.segment_parts import segment_parts
from warehouse.db import connect, fetch_frame

APPLY_ROWS = 100_000
REPEATS = 3
# Building the features of 1M events and scoring them take a fraction of a second, where
# a shared machine's neighbours show most: more calls, for a steadier median. (With 3
# builds, one median at 1M events was 2.5x the others.)
BUILD_REPEATS = 7
SCORE_REPEATS = 7
STOP = {"com", "org", "android", "app", ""}


CPU_SECONDS: dict[int, float] = {}  # id(function) -> median process CPU seconds


def timed(function, repeats: int = REPEATS) -> tuple[float, object]:
    """Median wall seconds and the last result; the median CPU seconds go to CPU_SECONDS.

    CPU seconds are printed too: on a shared machine wall time measures the neighbours.
    """
    seconds, cpu, result = [], [], None
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    CPU_SECONDS[id(function)] = statistics.median(cpu)
    return statistics.median(seconds), result


# -- the pandas baselines -----------------------------------------------------------------
def _tokens(bundle: str) -> str:
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1.\2", bundle or "")
    text = re.sub(r"([a-z])([A-Z])", r"\1.\2", text).lower()
    return ".".join(t for t in re.split(r"[._\-]+", text) if t not in STOP)


def _part(hour: int) -> str:
    return (
        "night" if hour < 6 else "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    )


def _os_major(os_name, osv) -> str:
    major = "?" if pd.isna(osv) else str(osv).split(".")[0]
    return f"{'unknown' if pd.isna(os_name) else os_name} {major}"


def pandas_apply(raw: pd.DataFrame, regions: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The notebook way: a function per row for every derived column (fillna and a merge
    where a notebook would use them), giving the columns of the SQL frame."""
    df = raw.merge(regions, left_on="oblast", right_on="region", how="left")

    def local_offset(row) -> float:
        if not pd.isna(row["shift_hours"]):
            return row["shift_hours"]
        return 0 if pd.isna(row["msk_offset_hours"]) else row["msk_offset_hours"]

    df["offset"] = df.apply(local_offset, axis=1)
    df["local"] = df.apply(lambda r: r["created"] + pd.Timedelta(hours=r["offset"]), axis=1)
    df["event_date"] = df["created"].apply(lambda t: t.date())
    df["local_hour"] = df["local"].apply(lambda t: t.hour)
    df["local_weekday"] = df["local"].apply(lambda t: t.isoweekday())
    df["is_weekend"] = df["local_weekday"].apply(lambda d: d >= 6)
    df["part_of_day"] = df["local_hour"].apply(_part)
    df["day_of_month"] = df["created"].apply(lambda t: t.day)
    df["shift_missing"] = df["shift_hours"].apply(pd.isna)
    df["offset_hours"] = df.apply(
        lambda r: r["msk_offset_hours"] if pd.isna(r["shift_hours"]) else r["shift_hours"], axis=1
    )
    df["os_major"] = df.apply(lambda r: _os_major(r["os"], r["osv"]), axis=1)
    for column in ("os", "gamecategory", "subgamecategory", "oblast", "city"):
        df[column] = df[column].fillna("unknown")
    df["bundle_token_text"] = df["bundle"].apply(_tokens)
    df["bundle_token_count"] = df["bundle_token_text"].apply(
        lambda t: len(t.split(".")) if t else 0
    )
    df["bundle_vendor"] = df["bundle"].apply(lambda b: ".".join((b.split(".") + [""])[:2]).lower())
    df["bundle_dots"] = df["bundle"].apply(lambda b: b.count("."))
    df["bundle_capitals"] = df["bundle"].apply(lambda b: sum(c.isupper() for c in b))
    df["bundle_digits"] = df["bundle"].apply(lambda b: sum(c.isdigit() for c in b))
    df["bundle_length"] = df["bundle"].apply(len)
    return _frame_columns(df, columns)


def pandas_vectorised(raw: pd.DataFrame, regions: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The same columns with pandas column operations only."""
    df = raw.merge(regions, left_on="oblast", right_on="region", how="left")
    offset = df["shift_hours"].fillna(df["msk_offset_hours"]).fillna(0)
    df["local"] = df["created"] + pd.to_timedelta(offset, unit="h")
    df["event_date"] = df["created"].dt.normalize()
    df["local_hour"] = df["local"].dt.hour
    df["local_weekday"] = df["local"].dt.day_of_week + 1
    df["is_weekend"] = df["local_weekday"] >= 6
    df["part_of_day"] = pd.cut(
        df["local_hour"], [-1, 5, 11, 17, 23], labels=["night", "morning", "afternoon", "evening"]
    )
    df["day_of_month"] = df["created"].dt.day
    df["shift_missing"] = df["shift_hours"].isna()
    df["offset_hours"] = df["shift_hours"].fillna(df["msk_offset_hours"])
    df["os_major"] = df["os"].fillna("unknown") + " " + df["osv"].str.split(".").str[0].fillna("?")
    for column in ("os", "gamecategory", "subgamecategory", "oblast", "city"):
        df[column] = df[column].fillna("unknown")
    camel = df["bundle"].str.replace(r"([A-Z]+)([A-Z][a-z])", r"\1.\2", regex=True)
    camel = camel.str.replace(r"([a-z])([A-Z])", r"\1.\2", regex=True).str.lower()
    tokens = camel.str.replace(r"(^|[._\-]+)(com|org|android|app)(?=$|[._\-])", ".", regex=True)
    df["bundle_token_text"] = tokens.str.replace(r"[._\-]+", ".", regex=True).str.strip(".")
    df["bundle_token_count"] = df["bundle_token_text"].str.count(r"[^.]+")
    parts = df["bundle"].str.split(".", n=2)
    df["bundle_vendor"] = (parts.str[0] + "." + parts.str[1].fillna("")).str.lower()
    df["bundle_dots"] = df["bundle"].str.count(r"\.")
    df["bundle_capitals"] = df["bundle"].str.count(r"[A-Z]")
    df["bundle_digits"] = df["bundle"].str.count(r"[0-9]")
    df["bundle_length"] = df["bundle"].str.len()
    return _frame_columns(df, columns)


def _frame_columns(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    renamed = df.rename(
        columns={
            "msk_offset_hours": "region_msk_offset",
            "population": "region_population",
            "salary_rank": "region_salary_rank",
        }
    )
    return renamed[columns]


def differing_columns(ours: pl.DataFrame, theirs: pd.DataFrame) -> list[str]:
    """Columns of the SQL frame whose values differ from a pandas result on its rows: the
    baselines must compute the same features, or the ratio means nothing."""

    def comparable(frame: pl.DataFrame) -> pl.DataFrame:
        columns = []
        for name, dtype in frame.schema.items():
            column = pl.col(name)
            if dtype == pl.Boolean:
                column = column.cast(pl.Int8)
            if dtype.is_temporal():
                column = column.cast(pl.Date)
            columns.append(
                column.cast(pl.Float64) if dtype.is_numeric() or dtype == pl.Boolean else column
            )
        return frame.select(columns).select(pl.all().cast(pl.String))

    joined = comparable(ours).join(
        comparable(pl.from_pandas(theirs)), on="event_id", suffix="_pandas"
    )
    if joined.height != len(theirs):
        return ["event_id"]
    return [
        c
        for c in ours.columns
        if c != "event_id" and not joined[c].eq_missing(joined[f"{c}_pandas"]).all()
    ]


def feature_benchmark(con, events: int) -> dict:
    def build():
        # As training and scoring do: the view is created once, then only queried.
        ensure_segment_features(con)
        return segment_parts(con, labeled=None)

    ours, parts = timed(build, repeats=BUILD_REPEATS)
    ours_cpu = CPU_SECONDS[id(build)]
    frame = parts.flat()  # the same features, one row per event: checked against pandas
    assert frame.height == events
    columns = frame.columns
    # Frames are dropped as soon as they are measured: at 10M events the pandas
    # baselines alone need most of the machine's memory.
    del parts

    def joined():
        return build().flat().height

    joined_seconds, _ = timed(joined, repeats=BUILD_REPEATS)
    raw = fetch_frame(con, "select * from raw.ad_events").to_pandas()
    regions = fetch_frame(
        con, "select region, msk_offset_hours, population, salary_rank from ref.regions"
    ).to_pandas()

    def vector():
        return pandas_vectorised(raw, regions, columns)

    vectorised, vector_frame = timed(vector, repeats=1 if events > 2_000_000 else REPEATS)
    differing = {"pandas vectorised": differing_columns(frame, vector_frame)}
    del vector_frame
    sample = raw.sample(n=min(APPLY_ROWS, len(raw)), random_state=0)
    raw = None  # the closure above holds it otherwise

    def apply():
        return pandas_apply(sample, regions, columns)

    applied, apply_frame = timed(apply, repeats=1)
    differing["pandas apply"] = differing_columns(frame, apply_frame)
    ours_rate = events / ours
    return {
        "ours_rows_per_s": ours_rate,
        "joined_rows_per_s": events / joined_seconds,
        "joined_vs_apply": (events / joined_seconds) / (len(sample) / applied),
        "pandas_vectorised_rows_per_s": events / vectorised,
        "pandas_apply_rows_per_s": len(sample) / applied,
        "vs_vectorised": ours_rate / (events / vectorised),
        "vs_apply": ours_rate / (len(sample) / applied),
        "differing_columns": differing,
        "columns": len(columns),
        "cpu_rows_per_s": {
            "ours (2 threads)": events / ours_cpu,
            "ours, joined into rows": events / CPU_SECONDS[id(joined)],
            "pandas vectorised": events / CPU_SECONDS[id(vector)],
            "pandas apply": len(sample) / CPU_SECONDS[id(apply)],
        },
    }


def score_runs(con, run_id: str, engines: tuple[str, ...]) -> dict:
    """Per engine: the rows/s of its first call (it loads the model and, for the forest,
    the numba kernel) and the median, slowest and fastest of SCORE_REPEATS more, with rows
    per CPU-second, and the predictions its last run stored (each run replaces the
    run's rows). The engines take turns, so that a busy spell of a shared machine falls
    on both rather than on one."""
    timings: dict[str, list[tuple[float, float]]] = {engine: [] for engine in engines}
    rows, stored = {}, {}
    for round_ in range(1 + SCORE_REPEATS):
        for engine in engines:
            cpu_started = time.process_time()
            result = score_segment(con, run_id, engine=engine)
            assert result["engine"] == engine
            cpu = time.process_time() - cpu_started
            timings[engine].append((result["rows_per_second"], result["rows"] / cpu))
            rows[engine] = result["rows"]
            if round_ == SCORE_REPEATS:  # untimed: the next engine replaces these rows
                stored[engine] = fetch_frame(
                    con,
                    "select * from marts.segment_predictions where run_id = $r order by event_id",
                    {"r": run_id},
                )
    scoring = {}
    for engine in engines:
        (first, _), *rest = timings[engine]
        rates = [rate for rate, _ in rest]
        scoring[engine] = {
            "rows": rows[engine],
            "first_rows_per_s": first,
            "rows_per_s": statistics.median(rates),
            "slowest_rows_per_s": min(rates),
            "fastest_rows_per_s": max(rates),
            "rows_per_cpu_s": statistics.median(per_cpu for _, per_cpu in rest),
            "stored": stored[engine],
        }
    return scoring


def model_benchmark(con) -> dict:
    started = time.perf_counter()
    cpu = time.process_time()
    run_id = train_segment(con, SegmentTrainOptions()).run_id
    train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    metrics = run_info(con, run_id)["metrics"]
    scoring = score_runs(con, run_id, ("catboost", "forest"))
    stored = {engine: r.pop("stored") for engine, r in scoring.items()}
    columns = [f"p_segment_{k}" for k in range(1, 6)]
    engine_gap = float(
        np.abs(
            stored["forest"].select(columns).to_numpy() - stored["catboost"].select(columns)
        ).max(initial=0.0)
    )
    same_segment = stored["forest"]["predicted_segment"].equals(
        stored["catboost"]["predicted_segment"]
    )
    model = load_model_from(con, run_id)
    # Only the explained rows are joined into one row per event.
    labeled = segment_parts(con, labeled=True)
    held_out = fetch_frame(
        con, "select event_id from marts.segment_holdout where run_id = $r", {"r": run_id}
    )
    holdout = labeled.with_events(labeled.events.join(held_out, on="event_id").head(20_000)).flat()

    def explain():
        return segment_shap(model, holdout, holdout["event_id"].to_numpy())

    shap_seconds, _ = timed(explain, repeats=1)
    return {
        "run_id": run_id,
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu,
        "scoring": scoring,
        "engine_gap": engine_gap,
        "same_segment": same_segment,
        "shap_rows_per_s": holdout.height / shap_seconds,
        "shap_rows_per_cpu_s": holdout.height / CPU_SECONDS[id(explain)],
        "roc_auc_by_class": metrics["roc_auc_by_class"],
        "oracle_roc_auc_by_class": metrics.get("oracle_roc_auc_by_class"),
        "max_gap_to_oracle": metrics.get("max_gap_to_oracle"),
        "flagged": metrics["leakage"]["flagged"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="demo warehouse (repeatable)")
    args = parser.parse_args()
    for source in args.db:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "portrait.duckdb"
            shutil.copy(source, path)
            con = connect(path)
            events = con.execute("select count(*) from raw.ad_events").fetchone()[0]
            print(f"\n== {source}: {events:,} events")
            f = feature_benchmark(con, events)
            print(
                f"feature build  ours {f['ours_rows_per_s']:>12,.0f} rows/s (median of {BUILD_REPEATS}; "
                "in parts, as training and scoring read them)"
            )
            print(
                f"               pandas vectorised {f['pandas_vectorised_rows_per_s']:>12,.0f} rows/s -> ours {f['vs_vectorised']:.1f}x"
            )
            print(
                f"               pandas row apply  {f['pandas_apply_rows_per_s']:>12,.0f} rows/s ({APPLY_ROWS:,}-row sample) -> ours {f['vs_apply']:.0f}x"
            )
            print(
                f"               joined into one row per event (only samples are, in training) "
                f"{f['joined_rows_per_s']:,.0f} rows/s -> {f['joined_vs_apply']:.0f}x row apply"
            )
            print(
                "               rows per CPU-second: "
                + ", ".join(f"{k} {v:,.0f}" for k, v in f["cpu_rows_per_s"].items())
            )
            for name, columns in f["differing_columns"].items():
                print(
                    f"               {name} computes the same {f['columns']} columns: "
                    + ("yes" if not columns else f"NO, differs in {', '.join(columns)}")
                )
            print(
                f"               load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
            m = model_benchmark(con)
            print(
                f"training       {m['train_seconds']:.1f} s wall, {m['train_cpu_seconds']:.1f} s CPU (run {m['run_id']}, defaults)"
            )
            for engine, r in m["scoring"].items():
                print(
                    f"scoring        {r['rows_per_s']:>12,.0f} rows/s with {engine} "
                    f"(median of {SCORE_REPEATS} after a first call, {r['rows']:,} events; "
                    f"slowest {r['slowest_rows_per_s']:,.0f}, fastest {r['fastest_rows_per_s']:,.0f}), "
                    f"{r['rows_per_cpu_s']:,.0f} rows per CPU-second; "
                    f"first call {r['first_rows_per_s']:,.0f} rows/s"
                )
            print(
                f"               forest vs catboost: max abs diff of stored probabilities "
                f"{m['engine_gap']:.1e}, same predicted segment: "
                + ("yes" if m["same_segment"] else "NO")
            )
            print(
                f"SHAP           {m['shap_rows_per_s']:>12,.0f} rows/s (multiclass, 20,000 rows), "
                f"{m['shap_rows_per_cpu_s']:,.0f} rows per CPU-second"
            )
            print(f"holdout AUC    {_fmt(m['roc_auc_by_class'])}")
            print(
                f"oracle AUC     {_fmt(m['oracle_roc_auc_by_class'])}  max gap {m['max_gap_to_oracle']:.4f}"
            )
            print(f"flagged        {', '.join(m['flagged'])}")
            con.close()


def _fmt(by_class: dict | None) -> str:
    return "-" if not by_class else "  ".join(f"{k}: {v:.4f}" for k, v in sorted(by_class.items()))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
