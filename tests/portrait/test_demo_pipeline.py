"""`portrait demo` end to end on a small demo, and the data dictionary it documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.dictionary import render_dictionary, undocumented

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "warehouse.md"


@pytest.fixture(scope="module")
def pipeline_warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("pipeline") / "portrait.duckdb"
    env = {**os.environ, "PORTRAIT_DB": str(db)}
    result = subprocess.run(
        [sys.executable, "-m", "portrait.cli", "demo", "--events", "40000", "--users", "1500"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return db


@pytest.mark.parametrize(
    "table",
    [
        "raw.ad_events",
        "features.ad_events",
        "marts.segment_predictions",
        "marts.cluster_coverage",
        "marts.churn_scores",
        "marts.audience_cube",
        "ml.shap",
    ],
)
def test_demo_fills_every_layer(pipeline_warehouse, table):
    con = duckdb.connect(str(pipeline_warehouse), read_only=True)
    assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0


def test_demo_registers_every_model_kind(pipeline_warehouse):
    con = duckdb.connect(str(pipeline_warehouse), read_only=True)
    kinds = {row[0] for row in con.execute("select distinct kind from ml.model_runs").fetchall()}
    assert {"segment", "clusters", "churn_trial", "churn_paid"} <= kinds


def test_demo_publishes_the_dashboard_snapshot(pipeline_warehouse):
    serving = pipeline_warehouse.with_name("portrait.serving.duckdb")
    con = duckdb.connect(str(serving), read_only=True)
    assert con.execute("select count(*) from ops.published").fetchone()[0] == 1


def test_every_table_of_the_pipeline_is_documented(pipeline_warehouse):
    con = duckdb.connect(str(pipeline_warehouse), read_only=True)
    assert undocumented(con) == []


def test_docs_warehouse_md_is_current(pipeline_warehouse):
    con = duckdb.connect(str(pipeline_warehouse), read_only=True)
    assert DOCS.read_text(encoding="utf-8") == render_dictionary(con), (
        "docs/warehouse.md is stale: run `portrait docs` on a demo warehouse"
    )
