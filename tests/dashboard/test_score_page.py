"""The Score page scores and ingests in a worker thread and reports a held writer lock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from test_upload_scoring import HEADER, ROWS

from dashboard.pages.score import ScorePage
from dashboard.serving import ServingDB
from dashboard.store import DataStore
from warehouse.db import connect, fetch_frame
from warehouse.publish import publish

UPLOAD = ("\n".join([HEADER, *ROWS]) + "\n").encode("utf-8")


def empty_snapshot_store(tmp_path) -> tuple[DataStore, object]:
    warehouse = tmp_path / "w.duckdb"
    con = connect(warehouse)
    snapshot = publish(con)
    con.close()
    return DataStore(ServingDB(snapshot)), warehouse


def test_scoring_an_upload_fills_the_result_without_writing(store, serving_path):
    page = ScorePage(store=store)
    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    before = serving_path.stat().st_mtime_ns
    asyncio.run(page.score_file(UPLOAD, "events.csv", run_id))
    assert "3 scored, 2 quarantined" in page.status.object
    assert page.result.predictions.height == 3
    assert serving_path.stat().st_mtime_ns == before


def test_a_failed_score_is_shown_in_the_status(store):
    page = ScorePage(store=store)
    asyncio.run(page.score_file(UPLOAD, "events.csv", "no-such-run"))
    assert page.status.object.startswith("Could not score the file")
    assert page.result is None


def test_ingesting_an_upload_loads_it_and_publishes_a_new_snapshot(tmp_path):
    store, warehouse = empty_snapshot_store(tmp_path)
    page = ScorePage(store=store)
    asyncio.run(page.ingest(UPLOAD, "events.csv"))
    assert "3 rows loaded, 2 quarantined" in page.status.object
    assert store.check_for_update() and store.has_rows("marts.audience_cube")
    con = connect(warehouse, read_only=True)
    try:
        assert fetch_frame(con, "select count(*) as n from raw.ad_events").item() == 3
    finally:
        con.close()


def test_a_held_writer_lock_is_reported_and_nothing_is_ingested(tmp_path):
    store, warehouse = empty_snapshot_store(tmp_path)
    holder = subprocess.Popen(  # another process holds the warehouse open for writing
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time, duckdb
                con = duckdb.connect({str(warehouse)!r})
                print("held", flush=True)
                sys.stdin.read()
            """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        page = ScorePage(store=store, ingest_wait=1)
        asyncio.run(page.ingest(UPLOAD, "events.csv"))
        assert "writer lock" in page.status.object and "Nothing was written" in page.status.object
    finally:
        holder.stdin.close()
        holder.wait(timeout=20)
    con = connect(warehouse, read_only=True)
    try:
        assert fetch_frame(con, "select count(*) as n from raw.ad_events").item() == 0
    finally:
        con.close()
