import os

import pytest

from dashboard.serving import ServingDB, ServingMissing
from dashboard.store import DataStore
from warehouse.db import connect
from warehouse.publish import publish, serving_path_for


def test_publish_copies_serving_tables_with_comments(serving_path):
    reader = ServingDB(serving_path)
    tables = reader.query(
        "select schema_name || '.' || table_name as t from duckdb_tables() where database_name = 'serving'"
    )
    names = set(tables.get_column("t").to_list())
    assert {
        "marts.audience_cube",
        "ml.model_runs",
        "ops.published",
        "ops.quarantine_summary",
        "ref.regions",
    } <= names
    assert not any(n.startswith("raw.") or n.startswith("features.") for n in names)
    comment = reader.query(
        "select comment from duckdb_tables() where database_name = 'serving' and table_name = 'audience_cube'"
    ).item()
    assert comment and "audience explorer" in comment
    # Model artifacts travel, so the Score-a-file page can load a model from the snapshot.
    assert (
        reader.query("select count(artifact) from ml.model_runs where kind = 'segment'").item() == 1
    )


def test_a_reader_keeps_its_snapshot_until_a_new_one_is_published(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.execute(
        "insert into ops.pipeline_runs values ('a', 'first', now()::timestamp, null, 'running', null)"
    )
    first = publish(con)
    store = DataStore(ServingDB(first))
    assert store.query("dashboard_published").height == 1
    before = store.serving.stamp
    con.execute(
        "insert into ops.pipeline_runs values ('b', 'second', now()::timestamp, null, 'running', null)"
    )
    second = publish(con)
    assert second == first == serving_path_for(tmp_path / "w.duckdb")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert store.check_for_update()
    assert store.serving.stamp != before
    assert store.version == 1 and "New data published" in store.notice
    runs = store.serving.query("select count(*) from ops.pipeline_runs").item()
    assert runs == 2
    con.close()


def test_writer_and_dashboard_run_at_once(tmp_path):
    # The writing job keeps the warehouse open while the dashboard reads the snapshot.
    con = connect(tmp_path / "w.duckdb")
    path = publish(con)
    reader = ServingDB(path)
    assert reader.query("select count(*) from ops.published").item() == 1
    con.execute(
        "insert into ops.pipeline_runs values ('c', 'job', now()::timestamp, null, 'running', null)"
    )
    publish(con)  # does not fail although a reader holds the old snapshot open
    assert reader.query("select count(*) from ops.pipeline_runs").item() == 1
    con.close()


def test_missing_snapshot_says_what_to_run(tmp_path):
    store = DataStore(ServingDB(tmp_path / "none.serving.duckdb"))
    assert "portrait demo" in store.notice
    assert not store.available()
    with pytest.raises(ServingMissing, match="portrait demo"):
        store.query("dashboard_published")


def test_a_broken_new_snapshot_keeps_the_last_good_data(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    path = publish(con)
    con.close()
    store = DataStore(ServingDB(path))
    good = store.snapshot
    # A file that is not a DuckDB database lands where the snapshot was (say a bad copy).
    broken = tmp_path / "broken"
    broken.write_bytes(b"not a database" * 100)
    os.replace(broken, path)
    assert not store.check_for_update()
    assert "could not be opened" in store.notice and good in store.notice
    assert store.query("dashboard_published").height == 1  # still answers from the old one
