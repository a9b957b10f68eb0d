"""A small, realistic warehouse for the dashboard tests, built without the other teams' code.

Raw ad events with planted signal, a real (tiny) CatBoost segment model in the registry
with its curves and SHAP sample, and the cluster and churn marts with the exact columns
the other engineers are building. Used until the project-wide `demo_warehouse` fixture
exists, and afterwards for the pages whose marts a demo may not have.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from catboost import CatBoostClassifier, Pool

from modeling.evaluation import multiclass_curves, multiclass_metrics
from modeling.explain import catboost_shap, shap_global, shap_long
from modeling.registry import RunRecord, save_run
from queries.cubes import build_cubes
from warehouse.db import connect, fetch_frame, table_exists
from warehouse.publish import publish
from warehouse.reference import load_reference

CATEGORIES = ["Puzzle", "Casual", "Arcade", "Simulation", "Action", "Word", "Board", "Racing"]
BUNDLES = [f"com.studio{i}.game{i}" for i in range(40)]
FEATURES = ["local_hour", "local_weekday", "gamecategory", "bundle", "oblast", "os"]
CAT_FEATURES = ["gamecategory", "bundle", "oblast", "os"]
SEGMENT_SHARES = np.array([0.02, 0.04, 0.31, 0.25, 0.38])


class FixtureSegmentModel:
    """A CatBoost segment model over features.ad_events columns (test stand-in)."""

    def __init__(self, iterations: int = 40, random_seed: int = 0):
        self.iterations = iterations
        self.random_seed = random_seed

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> FixtureSegmentModel:
        self.feature_names_ = FEATURES
        self.model_ = CatBoostClassifier(
            iterations=self.iterations,
            depth=4,
            random_seed=self.random_seed,
            thread_count=2,
            verbose=False,
            allow_writing_files=False,
        )
        self.model_.fit(self._pool(frame, y))
        self.classes_ = [str(c) for c in self.model_.classes_]
        return self

    def _pool(self, frame: pl.DataFrame, y: np.ndarray | None = None) -> Pool:
        data = frame.select(FEATURES).to_pandas()
        return Pool(data, label=y, cat_features=CAT_FEATURES)

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise ValueError("model is not fitted")
        return self.model_.predict_proba(self._pool(frame))

    def shap_values(self, frame: pl.DataFrame) -> np.ndarray:
        """SHAP values (rows, classes, features) in the order of feature_names_."""
        return catboost_shap(self.model_, self._pool(frame))


def scored_rows(store, run_id: str) -> pl.DataFrame:
    """Every scored row of a run as the predictions table reads them (up to 5000)."""
    return store.query(
        "dashboard_scored_rows",
        {
            "run_id": run_id,
            "predicted": None,
            "min_score": 0.0,
            "explained_only": False,
            "limit": 5000,
        },
    )


def _events(n: int, seed: int, regions: list[tuple[str, int]]) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    category = rng.integers(0, len(CATEGORIES), n)
    hour_msk = rng.integers(0, 24, n)
    # Planted signal: the app category and time of day shift the segment odds.
    logits = np.log(SEGMENT_SHARES)[None, :].repeat(n, 0)
    logits[:, 0] += 1.5 * (category == 0)
    logits[:, 2] += 1.0 * (category == 1)
    logits[:, 3] += 1.2 * (hour_msk >= 20)
    logits[:, 1] += 1.5 * (category == 7)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    segment = (p.cumsum(1) > rng.random((n, 1))).argmax(1) + 1
    region_idx = rng.integers(0, len(regions), n)
    start = datetime(2024, 3, 1)
    created = [
        start + timedelta(days=int(d), hours=int(h), minutes=int(m))
        for d, h, m in zip(rng.integers(0, 14, n), hour_msk, rng.integers(0, 60, n), strict=True)
    ]
    labeled = rng.random(n) > 0.3
    bundle = rng.integers(0, len(BUNDLES), n) // 1
    bundle = np.where(category == 0, bundle % 5, bundle)
    return pl.DataFrame(
        {
            "event_id": np.arange(1, n + 1, dtype=np.int64),
            "segment": pl.Series(np.where(labeled, segment, 0)).replace(0, None).cast(pl.Int8),
            "gamecategory": [CATEGORIES[c] for c in category],
            "subgamecategory": [CATEGORIES[c] + " sub" for c in category],
            "bundle": [BUNDLES[b] for b in bundle],
            "created": created,
            "shift": [f"MSK+{regions[r][1]}" if regions[r][1] else "MSK" for r in region_idx],
            "shift_hours": pl.Series([regions[r][1] for r in region_idx]).cast(pl.Int8),
            "oblast": [regions[r][0] for r in region_idx],
            "city": [regions[r][0] + " city" for r in region_idx],
            "os": rng.choice(["android", "ios"], n, p=[0.7, 0.3]),
            "osv": rng.choice(["9.0", "11", "14.4.1"], n),
            "load_id": np.ones(n, dtype=np.int64),
            "source_line": np.arange(2, n + 2, dtype=np.int64),
        }
    )


def _put(con, table: str, select: str, params: list | None = None, frame=None) -> None:
    """Fill a mart: insert by name when its migration created it, else create it."""
    if frame is not None:
        con.register("put_frame", frame.to_arrow())
        select = select.replace(" from " + select.split(" from ")[-1], " from put_frame")
    if table_exists(con, table):
        con.execute(f"insert into {table} by name {select}", params or [])
    else:
        con.execute(f"create table {table} as {select}", params or [])
    if frame is not None:
        con.unregister("put_frame")


def _ops(con, n: int) -> None:
    now = datetime(2024, 3, 20, 12, 0)
    con.execute(
        "insert into ops.loads values (1, 'raw.ad_events', 'ad_events', '/data/ads.csv', 'ads.csv', "
        "'abc123', 123456, 'utf-8', '{}', ?, ?, 3, ?, ?, 2.5, 'loaded', null)",
        [n + 3, n, now, now + timedelta(seconds=3)],
    )
    con.execute(
        "insert into ops.quarantine "
        "(load_id, target_table, source_path, line_number, column_name, raw_text, reason) values "
        "(1, 'raw.ad_events', '/data/ads.csv', 17, 'created', 'x,y,notadate', 'created is not a timestamp'),"
        "(1, 'raw.ad_events', '/data/ads.csv', 42, 'bundle', ',,', 'bundle is empty'),"
        "(1, 'raw.ad_events', '/data/ads.csv', 99, 'Segment', '9,...', 'Segment 9 not in 1..5')"
    )
    con.execute(
        "insert into ops.pipeline_runs values ('r1', 'ingest', ?, ?, 'succeeded', 'fixture')",
        [now, now + timedelta(seconds=3)],
    )


def _segment_model(con, seed: int) -> str:
    features = fetch_frame(con, "select * from features.ad_events order by event_id")
    labeled = features.filter(pl.col("segment").is_not_null())
    cut = labeled.get_column("event_date").max() - timedelta(days=3)
    train = labeled.filter(pl.col("event_date") <= cut)
    holdout = labeled.filter(pl.col("event_date") > cut)
    model = FixtureSegmentModel(random_seed=seed).fit(train, train.get_column("segment").to_numpy())
    classes = [1, 2, 3, 4, 5]
    y = holdout.get_column("segment").to_numpy()
    proba = model.predict_proba(holdout)
    sample = holdout.head(300)
    values = model.shap_values(sample)
    long = shap_long(
        sample.get_column("event_id").to_numpy(),
        sample.select(FEATURES),
        values,
        model.classes_,
    )
    run_id = save_run(
        con,
        RunRecord(
            kind="segment",
            target="segment",
            model=model,
            params={"iterations": 40},
            features=FEATURES,
            metrics=multiclass_metrics(y, proba, classes),
            data_fingerprint="fixture",
        ),
        curves=multiclass_curves(y, proba, classes),
        shap_values=long,
        shap_global=shap_global(long),
    ).run_id
    con.execute(
        "create table if not exists marts.segment_holdout (event_id bigint, run_id varchar, "
        "segment tinyint, p_segment_1 double, p_segment_2 double, p_segment_3 double, "
        "p_segment_4 double, p_segment_5 double, predicted_segment tinyint)"
    )
    con.execute(
        "create table if not exists marts.segment_predictions (event_id bigint, run_id varchar, "
        "p_segment_1 double, p_segment_2 double, p_segment_3 double, p_segment_4 double, "
        "p_segment_5 double, predicted_segment tinyint, scored_at timestamp)"
    )
    holdout_frame = pl.DataFrame(  # noqa: F841 - read by DuckDB below
        {
            "event_id": holdout.get_column("event_id"),
            "run_id": run_id,
            "segment": holdout.get_column("segment"),
            **{f"p_segment_{k}": proba[:, k - 1] for k in classes},
            "predicted_segment": (proba.argmax(1) + 1).astype(np.int8),
        }
    )
    con.execute("insert into marts.segment_holdout select * from holdout_frame")
    unlabeled = features.filter(pl.col("segment").is_null())
    p_un = model.predict_proba(unlabeled)
    predictions_frame = pl.DataFrame(  # noqa: F841 - read by DuckDB below
        {
            "event_id": unlabeled.get_column("event_id"),
            "run_id": run_id,
            **{f"p_segment_{k}": p_un[:, k - 1] for k in classes},
            "predicted_segment": (p_un.argmax(1) + 1).astype(np.int8),
            "scored_at": datetime(2024, 3, 20, 13, 0),
        }
    )
    con.execute("insert into marts.segment_predictions select * from predictions_frame")
    return run_id


def build(path: Path, n_events: int = 3000, seed: int = 7) -> Path:
    """Write the fixture warehouse at `path`, build cubes and publish; return the snapshot path."""
    con = connect(path)
    load_reference(con)
    regions = con.execute(
        "select region, msk_offset_hours from ref.regions order by population desc limit 20"
    ).fetchall()
    events = _events(n_events, seed, regions)  # noqa: F841 - read by DuckDB below
    con.execute("insert into raw.ad_events select * from events")
    _ops(con, n_events)
    from queries.runner import execute

    execute(con, "build_ad_event_features")
    _segment_model(con, seed)
    return _marts_and_snapshot(con, seed)


def build_on_demo(path: Path, seed: int = 7) -> Path:
    """On a copy of a demo warehouse with the real segment model trained and scored
    (tests/conftest.py: trained_segment): add the cluster and churn marts of this
    fixture, build cubes and publish; return the snapshot."""
    return _marts_and_snapshot(connect(path), seed)


def _marts_and_snapshot(con, seed: int) -> Path:
    """Add the cluster and churn marts and the cubes, publish, close; the snapshot."""
    _clusters(con, seed)
    _churn(con, seed)
    build_cubes(con)
    serving = publish(con)
    con.close()
    return serving


def _clusters(con, seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    record = RunRecord(
        "clusters", "none", {"k": 4}, {"k": 4}, ["gamecategory"], {"phik": 0.41}, "fx"
    )
    run_id = save_run(con, record).run_id
    _put(
        con,
        "marts.cluster_assignments",
        "select event_id, ?::varchar as run_id, "
        "(hash(gamecategory) % 3 + case when local_hour >= 18 then 1 else 0 end)::integer as cluster "
        "from features.ad_events",
        [run_id],
    )
    _put(
        con,
        "marts.cluster_coverage",
        "with base as (select a.cluster, f.segment, count(*) as events from marts.cluster_assignments a "
        "join features.ad_events f using (event_id) where f.segment is not null group by all), "
        "totals as (select *, sum(events) over (partition by cluster) as cluster_size, "
        "sum(events) over (partition by segment) as seg_total, sum(events) over () as total from base) "
        "select ?::varchar as run_id, cluster, segment, events, events / cluster_size as row_share, "
        "events / seg_total as column_share, (events / cluster_size) / (seg_total / total) as lift, "
        "cluster_size from totals",
        [run_id],
    )
    ks = pl.DataFrame(  # noqa: F841 - read by DuckDB below
        {
            "run_id": run_id,
            "variant": ["full"] * 7 + ["honest"] * 7,
            "k": list(range(2, 9)) * 2,
            "phik": [
                0.21,
                0.33,
                0.41,
                0.39,
                0.38,
                0.36,
                0.35,
                0.18,
                0.29,
                0.36,
                0.35,
                0.33,
                0.31,
                0.3,
            ],
            "silhouette": [0.31, 0.28, 0.26, 0.22, 0.2, 0.19, 0.18] * 2,
        }
    )
    _put(con, "marts.cluster_k_selection", "select * from ks", frame=ks)
    _put(
        con,
        "marts.cluster_phik",
        "select ?::varchar as run_id, 'cluster' as variable_x, v as variable_y, "
        "p as phik, 3.2 as significance from (values ('segment', 0.41), ('gamecategory', 0.8), "
        "('local_hour', 0.35)) t(v, p)",
        [run_id],
    )
    _put(
        con,
        "marts.cluster_profiles",
        "with c as (select a.cluster, f.gamecategory as value, count(*) as events "
        "from marts.cluster_assignments a join features.ad_events f using (event_id) group by all) "
        "select ?::varchar as run_id, cluster, 'gamecategory' as dimension, value, events, "
        "events / sum(events) over (partition by cluster) as share from c",
        [run_id],
    )
    assignments = fetch_frame(
        con,
        "select a.event_id, a.cluster, f.segment "
        "from marts.cluster_assignments a join features.ad_events f using (event_id)",
    )
    centers = rng.normal(0, 4, (5, 2))
    cluster = assignments.get_column("cluster").to_numpy()
    projection = assignments.with_columns(  # noqa: F841 - read by DuckDB below
        pl.lit(run_id).alias("run_id"),
        pl.Series("x", centers[cluster, 0] + rng.normal(0, 1, len(cluster))),
        pl.Series("y", centers[cluster, 1] + rng.normal(0, 1, len(cluster))),
    ).select("run_id", "event_id", "x", "y", "cluster", "segment")
    _put(con, "marts.cluster_projection", "select * from projection", frame=projection)


def _churn(con, seed: int) -> None:
    rng = np.random.default_rng(seed + 2)
    runs = {}
    for kind in ("churn_trial", "churn_paid"):
        record = RunRecord(
            kind, "churn_30d", {"fixture": True}, {}, ["tenure_days"], {"roc_auc": 0.74}, "fx"
        )
        runs[kind] = save_run(con, record).run_id
    rows = []
    factors = [
        ("days_since_last_view", "No viewing for {v} days"),
        ("failed_payments_30d", "{v} failed payments in 30 days"),
        ("sessions_7d", "Only {v} sessions last week"),
        ("trial_day", "Day {v} of the trial"),
    ]
    for score_date in (date(2024, 3, 10), date(2024, 3, 17)):
        for user in range(1, 201):
            cohort = "trial" if user % 3 == 0 else "paid"
            p = float(rng.beta(2, 5))
            band = "high" if p > 0.5 else "medium" if p > 0.25 else "low"
            picks = rng.choice(len(factors), 3, replace=False)
            row = {
                "score_date": score_date,
                "user_id": user,
                "cohort": cohort,
                "churn_probability": p,
                "risk_band": band,
            }
            for i, f in enumerate(picks, start=1):
                value = int(rng.integers(1, 15))
                row[f"factor_{i}"] = factors[f][0]
                row[f"factor_{i}_shap"] = float(rng.normal(0.3, 0.2))
                row[f"factor_{i}_text"] = factors[f][1].format(v=value)
            row["recommended_channel"] = ["email", "push", "sms"][user % 3]
            row["recommended_offer"] = ["discount_20", "free_month", "content_digest"][user % 3]
            row["run_id"] = runs[f"churn_{cohort}"]
            row["scored_at"] = datetime.combine(score_date, datetime.min.time())
            rows.append(row)
    scores = pl.DataFrame(rows)  # noqa: F841 - read by DuckDB below
    _put(con, "marts.churn_scores", "select * from scores", frame=scores)
    monitoring = []
    for week in range(6):
        for cohort in ("trial", "paid"):
            auc = 0.78 - 0.03 * week if cohort == "trial" else 0.75
            monitoring.append(
                {
                    "score_date": date(2024, 2, 4) + timedelta(days=7 * week),
                    "cohort": cohort,
                    "run_id": runs[f"churn_{cohort}"],
                    "rows": 200,
                    "positives": 40,
                    "roc_auc": auc,
                    "pr_auc": 0.4,
                    "brier": 0.15,
                    "calibration_error": 0.03,
                    "psi_score": 0.05 + 0.04 * week,
                    "psi_features": '{"sessions_7d": 0.1}',
                    "status": "alert" if auc < 0.7 else "ok",
                    "reasons": "roc_auc below 0.70" if auc < 0.7 else "",
                    "computed_at": datetime(2024, 3, 18),
                }
            )
    mon = pl.DataFrame(monitoring)  # noqa: F841 - read by DuckDB below
    _put(con, "marts.churn_monitoring", "select * from mon", frame=mon)
