"""`portrait train clusters` end to end on the demo warehouse, segment comparison included."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from modeling.registry import latest_run_id, load_model, load_model_from, run_info
from portrait.cluster_cmds import train_clusters
from warehouse.db import connect, fetch_frame

ARGS = [
    "--k-min", "3", "--k-max", "5", "--fit-rows", "6000", "--phik-rows", "4000",
    "--silhouette-rows", "800", "--projection-rows", "1000",
    "--segment-rows", "4000", "--segment-iterations", "15",
]  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory, demo_warehouse):
    path = tmp_path_factory.mktemp("clusters_demo") / "portrait.duckdb"
    path.write_bytes(demo_warehouse.read_bytes())
    result = CliRunner().invoke(train_clusters, ARGS, obj={"db": str(path)})
    assert result.exit_code == 0, result.output
    con = connect(path)
    run_id = con.execute(
        "select run_id from ml.model_runs where kind = 'clusters' order by created_at desc"
    ).fetchone()[0]
    con.close()
    return path, run_id, result.output


def test_both_segment_aucs_are_recorded(trained, con):
    _, run_id, output = trained
    segment = run_info(con, run_id)["metrics"]["segment_model"]
    assert 0.5 < segment["auc_with_cluster"] <= 1 and 0.5 < segment["auc_without_cluster"] <= 1
    with_run = run_info(con, segment["run_with_cluster"])
    without_run = run_info(con, segment["run_without_cluster"])
    assert with_run["kind"] == without_run["kind"] == "segment"
    assert with_run["params"]["extra_features"] == ["cluster_id"]
    assert without_run["params"]["extra_features"] == []
    assert with_run["metrics"]["roc_auc_macro"] == segment["auc_with_cluster"]
    # Only the headline AUCs are compared: neither run fits the flagged-features model.
    for run in (with_run, without_run):
        assert run["params"]["options"]["for_comparison"] is True
        assert "with_flagged_features" not in run["metrics"]
    assert "without cluster" in output and "with cluster" in output


def test_comparison_runs_never_become_the_segment_model(trained, con):
    _, run_id, _ = trained
    segment = run_info(con, run_id)["metrics"]["segment_model"]
    for run in (segment["run_with_cluster"], segment["run_without_cluster"]):
        assert run_info(con, run)["status"] == "comparison"
    # The demo warehouse had no segment model before; the comparison runs did not make one.
    with pytest.raises(ValueError, match="no segment model"):
        latest_run_id(con, "segment")


def test_registered_model_reloads_and_every_event_is_assigned(trained, con):
    path, run_id, _ = trained
    raw = con.execute("select count(*) from raw.ad_events").fetchone()[0]
    assigned = fetch_frame(
        con,
        "select count(*) as n, count(distinct cluster) as k from marts.cluster_assignments "
        "where run_id = $r",
        {"r": run_id},
    ).row(0, named=True)
    info = run_info(con, run_id)
    assert assigned == {"n": raw, "k": info["metrics"]["k"]}
    metrics = info["metrics"]
    assert set(metrics["curves"]) == {"without_day_of_month", "with_day_of_month"}
    assert metrics["day_of_month"]["summary"].startswith("with day of month")
    con.close()  # the registry opens the file read-only
    model = load_model(run_id, db=str(path))
    assert model.n_clusters == info["metrics"]["k"]
    assert model.run_id_ == run_id


def test_registered_model_assigns_raw_events_as_exported(trained, con):
    path, run_id, _ = trained
    columns = "event_id, segment, gamecategory, subgamecategory, bundle, created, shift, "
    columns += "oblast, city, os, osv"
    rows = fetch_frame(con, f"select {columns} from raw.ad_events order by event_id desc limit 40")
    assigned = fetch_frame(
        con,
        "select event_id, cluster from marts.cluster_assignments where run_id = $run",
        {"run": run_id},
    )
    expected = rows.select("event_id").join(assigned, on="event_id", maintain_order="left")
    model = load_model_from(con, run_id)
    # The rows as a notebook holds them, shuffled: the clusters follow the rows.
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=1)
    got = model.predict(shuffled.to_pandas())
    by_event = dict(zip(shuffled["event_id"].to_list(), got.tolist(), strict=True))
    assert [by_event[e] for e in expected["event_id"]] == expected["cluster"].to_list()


def test_pipeline_step_is_recorded(trained, con):
    _, run_id, _ = trained
    step = con.execute(
        "select status, message from ops.pipeline_runs where step = 'train clusters'"
    ).fetchone()
    assert step[0] == "succeeded" and run_id in step[1]
