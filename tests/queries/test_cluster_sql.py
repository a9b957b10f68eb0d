"""The cluster SQL (assignment, coverage, profiles, samples) against the Python reference,
on a small warehouse trained through the real `portrait train clusters` command."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from phik.phik import phik_matrix
from polars.testing import assert_frame_equal

from modeling.clusters import ClusterModel, coverage, profiles
from modeling.clusters.store import RUN_TABLES, assign_in_sql, save_model_tables
from modeling.registry import load_model_from, run_info
from portrait.cluster_cmds import train_clusters
from queries.runner import execute, run
from warehouse.db import connect, fetch_frame
from warehouse.reference import load_reference, regions_table

N_EVENTS = 6000
UNKNOWN_REGION = "Неизвестная область"  # not in ref.regions: region features are NULL
CLI_ARGS = [
    "--k-min", "3", "--k-max", "6", "--fit-rows", "4000", "--phik-rows", "3000",
    "--silhouette-rows", "800", "--projection-rows", "500", "--top-n", "3",
    "--without-segment-comparison",
]  # fmt: skip


def write_events(con, n: int = N_EVENTS, seed: int = 0) -> None:
    """Raw ad events whose segments differ by local hour and region, 20 % unlabeled."""
    regions = pl.from_arrow(regions_table()).sort("msk_offset_hours").gather_every(6)
    names = regions["region"].to_list() + [UNKNOWN_REGION]
    offsets = regions["msk_offset_hours"].to_list() + [0]
    rng = np.random.default_rng(seed)
    seg = rng.choice(5, n, p=[0.05, 0.1, 0.3, 0.25, 0.3]) + 1
    hour = (np.array([8, 21, 13, 18, 23])[seg - 1] + rng.normal(0, 2.5, n)).round() % 24
    region = np.where(
        rng.random(n) < 0.02, len(names) - 1, (seg * 3 + rng.integers(0, 5, n)) % (len(names) - 1)
    )
    offset = np.asarray(offsets)[region]
    day = rng.integers(0, 30, n)
    created = [
        datetime(2026, 9, 1) + timedelta(days=int(d), hours=int(h) - int(o), minutes=int(m))
        for d, h, o, m in zip(day, hour, offset, rng.integers(0, 60, n), strict=True)
    ]
    labels = np.where(rng.random(n) < 0.2, 0, seg)
    events = pl.DataFrame(
        {
            "event_id": np.arange(1, n + 1, dtype=np.int64),
            "segment": pl.Series(labels, dtype=pl.Int8).replace(0, None),
            "gamecategory": rng.choice(["Puzzle", "Casual", "Action", "Word", "Board"], n),
            "subgamecategory": "x",
            "bundle": rng.choice(["com.a.b", "com.c.d", "ru.e.f"], n),
            "created": created,
            "shift": [f"MSK+{o}" if o else "MSK" for o in offset],
            "shift_hours": pl.Series(offset, dtype=pl.Int8),
            "oblast": np.asarray(names)[region],
            "city": "c",
            "os": "android",
            "osv": "11",
            "load_id": 1,
            "source_line": np.arange(2, n + 2),
        }
    ).to_arrow()
    con.register("new_events", events)
    con.execute("insert into raw.ad_events select * from new_events")
    con.unregister("new_events")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("clusters") / "w.duckdb"
    con = connect(path)
    load_reference(con)
    write_events(con)
    execute(con, "build_ad_event_features")
    con.close()
    result = CliRunner().invoke(train_clusters, CLI_ARGS, obj={"db": str(path)})
    assert result.exit_code == 0, result.output
    con = connect(path)
    run_id = con.execute("select run_id from ml.model_runs where kind = 'clusters'").fetchone()[0]
    yield con, run_id, result.output, str(path)
    con.close()


@pytest.fixture(scope="module")
def assigned(warehouse) -> pl.DataFrame:
    con, run_id, _, _ = warehouse
    return fetch_frame(
        con,
        "select events.*, assignments.cluster from features.ad_events as events "
        "join marts.cluster_assignments as assignments using (event_id) "
        "where assignments.run_id = $run_id order by event_id",
        {"run_id": run_id},
    )


def test_cli_reports_the_run(warehouse):
    _, run_id, output, _ = warehouse
    assert f"clusters run {run_id}" in output
    assert "phik with segment" in output and "day of month" in output


def test_sql_assignment_equals_sklearn_predict(warehouse, assigned):
    con, run_id, _, _ = warehouse
    model = load_model_from(con, run_id)
    sklearn_labels = model.kmeans_.predict(model.transform(assigned)) + 1
    assert assigned.height == N_EVENTS
    assert (assigned["cluster"].to_numpy() == sklearn_labels).all()
    assert assigned.filter(pl.col("oblast") == UNKNOWN_REGION).height > 0


def test_sql_assignment_with_day_of_month_equals_predict(warehouse, assigned):
    con, _, _, _ = warehouse
    model = ClusterModel(n_clusters=7, include_day_of_month=True).fit(assigned.head(3000))
    save_model_tables(con, "dom-check", model)
    assign_in_sql(con, "dom-check")
    sql = fetch_frame(
        con,
        "select cluster from marts.cluster_assignments where run_id = 'dom-check' "
        "order by event_id",
    )
    for table in RUN_TABLES:
        con.execute(f"delete from {table} where run_id = 'dom-check'")
    assert (sql["cluster"].to_numpy() == model.predict(assigned)).all()


def test_counts_reconcile_with_raw_events(warehouse):
    con, run_id, _, _ = warehouse
    raw_all, raw_labeled = con.execute(
        "select count(*), count(segment) from raw.ad_events"
    ).fetchone()
    cov = fetch_frame(con, "select * from marts.cluster_coverage where run_id = $r", {"r": run_id})
    sizes = cov.group_by("cluster").agg(pl.col("cluster_size").first(), pl.col("events").sum())
    assert sizes["cluster_size"].sum() == raw_all
    assert cov["events"].sum() == raw_labeled
    by_segment = cov.group_by("segment").agg(pl.col("events").sum()).sort("segment")
    raw_by_segment = fetch_frame(
        con,
        "select segment, count(*) as events from raw.ad_events "
        "where segment is not null group by segment order by segment",
    )
    assert by_segment["events"].to_list() == raw_by_segment["events"].to_list()


def test_row_shares_sum_to_one_per_cluster(warehouse):
    con, run_id, _, _ = warehouse
    sums = fetch_frame(
        con,
        "select cluster, sum(row_share) as rows, count(*) as segments "
        "from marts.cluster_coverage where run_id = $r group by cluster",
        {"r": run_id},
    )
    assert np.allclose(sums["rows"], 1.0)
    assert set(sums["segments"]) == {5}


def test_coverage_sql_equals_python(warehouse, assigned):
    con, run_id, _, _ = warehouse
    sql = fetch_frame(
        con,
        "select * exclude (run_id) from marts.cluster_coverage where run_id = $r "
        "order by cluster, segment",
        {"r": run_id},
    )
    assert_frame_equal(sql, coverage(assigned.select("cluster", "segment")).table)


def test_profiles_sql_equal_python(warehouse, assigned):
    con, run_id, _, _ = warehouse
    sql = fetch_frame(
        con,
        "select * exclude (run_id) from marts.cluster_profiles where run_id = $r",
        {"r": run_id},
    ).sort("cluster", "dimension", "events", "value", descending=[False, False, True, False])
    expected = profiles(assigned, top_n=3).table
    assert_frame_equal(sql, expected, check_dtypes=False)
    assert sql.filter(pl.col("dimension") == "oblast").group_by("cluster").len()["len"].max() == 3


def test_k_selection_curves_and_metrics(warehouse):
    con, run_id, _, _ = warehouse
    curves = fetch_frame(
        con, "select * from marts.cluster_k_selection where run_id = $r", {"r": run_id}
    )
    assert curves.group_by("variant").len().sort("variant")["len"].to_list() == [4, 4]
    info = run_info(con, run_id)
    metrics = info["metrics"]
    chosen = curves.filter(
        (pl.col("variant") == "without_day_of_month") & (pl.col("k") == metrics["k"])
    )
    assert chosen["phik"][0] == pytest.approx(metrics["phik"])
    assert metrics["phik_sample_rows"] == 3000
    assert set(metrics["day_of_month"]) >= {"with_day_of_month", "adjusted_rand_index"}
    assert "day_of_month" not in info["features"]["features"]
    n_clusters = con.execute(
        "select count(distinct cluster) from marts.cluster_assignments where run_id = ?",
        [run_id],
    ).fetchone()[0]
    assert n_clusters == metrics["k"]


def test_stored_phik_matrix_equals_phik_on_the_sample(warehouse):
    con, run_id, _, _ = warehouse
    model = load_model_from(con, run_id)
    sample = run(con, "cluster_event_sample", {"rows": 3000, "seed": 1, "labeled_only": True})
    frame = pl.DataFrame(
        {
            "cluster": model.predict(sample).astype(str),
            "segment": sample["segment"].cast(pl.String),
            "region_salary_rank": sample["region_salary_rank"],
        }
    ).to_pandas()
    own = phik_matrix(frame, interval_cols=["region_salary_rank"], verbose=False, njobs=1)
    stored = fetch_frame(
        con,
        "select variable_x, variable_y, phik from marts.cluster_phik where run_id = $r",
        {"r": run_id},
    )
    lookup = {(x, y): v for x, y, v in stored.iter_rows()}
    assert lookup[("cluster", "segment")] == pytest.approx(own.loc["cluster", "segment"])
    assert lookup[("cluster", "region_salary_rank")] == pytest.approx(
        own.loc["cluster", "region_salary_rank"]
    )


def test_projection_agrees_with_assignments(warehouse):
    con, run_id, _, _ = warehouse
    mismatched = con.execute(
        "select count(*) from marts.cluster_projection p "
        "join marts.cluster_assignments a using (event_id, run_id) "
        "where p.run_id = ? and p.cluster <> a.cluster",
        [run_id],
    ).fetchone()[0]
    rows = con.execute(
        "select count(*) from marts.cluster_projection where run_id = ?", [run_id]
    ).fetchone()[0]
    assert rows == 500 and mismatched == 0


def test_sample_is_deterministic_and_labeled_when_asked(warehouse):
    con, _, _, _ = warehouse
    params = {"rows": 100, "seed": 5, "labeled_only": True}
    first, second = (
        run(con, "cluster_event_sample", params),
        run(con, "cluster_event_sample", params),
    )
    assert first["event_id"].to_list() == second["event_id"].to_list()
    assert first["segment"].null_count() == 0
    other = run(con, "cluster_event_sample", {**params, "seed": 6})
    assert first["event_id"].to_list() != other["event_id"].to_list()


def test_every_cluster_table_is_documented(warehouse):
    con, _, _, _ = warehouse
    undocumented = fetch_frame(
        con,
        "select table_name, column_name from duckdb_columns() "
        "where (schema_name = 'marts' and table_name like 'cluster%' "
        "or schema_name = 'ml' and table_name like 'cluster%') and comment is null",
    )
    assert undocumented.height == 0, undocumented


def test_a_second_run_replaces_the_assignments(warehouse):
    con, first_run, _, path = warehouse
    args = [*CLI_ARGS[:-1], "--k-max", "3", "--seed", "1", "--without-segment-comparison"]
    result = CliRunner().invoke(train_clusters, args, obj={"db": path})
    assert result.exit_code == 0, result.output
    runs = con.execute("select distinct run_id from marts.cluster_assignments").fetchall()
    coverage_runs = con.execute(
        "select count(distinct run_id) from marts.cluster_coverage"
    ).fetchone()[0]
    assert len(runs) == 1 and runs[0][0] != first_run
    assert coverage_runs == 2


def test_ambiguous_region_rows_stop_the_assignment(warehouse):
    con, run_id, _, _ = warehouse
    count = "select count(*) from marts.cluster_assignments"
    before = con.execute(count).fetchone()[0]
    con.execute("begin transaction")
    try:
        # A region now has two rows in ref.regions that disagree about its population, so
        # its events have two rows of region features in the features.ad_events view.
        con.execute(
            "insert into ref.regions select * replace (population + 1 as population) "
            "from ref.regions where region = (select min(oblast) from features.ad_events "
            "where region_population is not null)"
        )
        with pytest.raises(ValueError, match="ref.regions unique"):
            assign_in_sql(con, run_id)
    finally:
        con.execute("rollback")
    assert con.execute(count).fetchone()[0] == before > 0
