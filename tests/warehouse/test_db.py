"""The warehouse file: migrations, contracts against the DDL, locking, reading, comments."""

from __future__ import annotations

import time

import duckdb
import pytest

from warehouse.contracts import CONTRACTS, LINEAGE_COLUMNS
from warehouse.db import (
    WarehouseBusy,
    WarehouseLocked,
    applied_versions,
    connect,
    migrate,
    migrations,
    open_for_reading,
    resolve_db_path,
)
from warehouse.dictionary import undocumented
from warehouse.publish import database_path, publish


def test_new_file_gets_every_migration(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    assert applied_versions(con) == {version for version, _, _ in migrations()}
    schemas = {row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert {"raw", "ref", "ops", "features", "ml", "marts"} <= schemas


def test_older_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    # A file written by an older release: only the first three migrations, with data in it.
    old = duckdb.connect(str(path))
    migrate(old, up_to=3)
    old.execute(
        "insert into raw.ad_events (event_id, bundle, created, load_id, source_line) "
        "values (7, 'com.example.app', '2026-09-01 10:00:00', 1, 2)"
    )
    old.close()

    con = connect(path)
    assert applied_versions(con) == {version for version, _, _ in migrations()}
    assert con.execute("select event_id from raw.ad_events").fetchall() == [(7,)]
    assert con.execute("select count(*) from ml.model_runs").fetchone()[0] == 0


def test_reopening_runs_no_migration_twice(tmp_path):
    connect(tmp_path / "w.duckdb").close()
    con = connect(tmp_path / "w.duckdb")
    assert migrate(con) == []
    versions = con.execute("select version from ops.schema_version").fetchall()
    assert len(versions) == len(set(versions))


@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_raw_table_matches_its_contract(tmp_path, contract):
    con = connect(tmp_path / "w.duckdb")
    spec = CONTRACTS[contract]
    schema, table = spec.table.split(".")
    columns = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )
    derived = {"shift_hours"} if contract == "ad_events" else set()
    assert set(columns) == set(spec.column_names) | set(LINEAGE_COLUMNS) | derived
    for column in spec.columns:
        assert columns[column.name] == column.type, column.name


def test_every_table_and_column_has_a_comment(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    assert undocumented(con) == []


def test_db_path_comes_from_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTRAIT_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path() == tmp_path / "env.duckdb"
    assert resolve_db_path(tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"


def test_writer_waits_then_reports_a_held_lock(tmp_path, held_for_writing):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with (
        held_for_writing(path),
        pytest.raises(WarehouseLocked, match="locked by another process"),
    ):
        connect(path, wait_seconds=0.5)
    # Once the other writer is gone the lock is ours.
    connect(path, wait_seconds=5).close()


def test_reader_does_not_wait_for_a_writer(tmp_path, held_for_writing):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with held_for_writing(path):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="another process is writing it"):
            connect(path, read_only=True)
        assert time.monotonic() - started < 1.0


def test_reader_does_not_migrate_or_write(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    migrate(old, up_to=3)
    old.close()
    before = (path.stat().st_mtime_ns, path.stat().st_size)
    con = connect(path, read_only=True)
    assert applied_versions(con) == {1, 2, 3}
    con.close()
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before


def test_open_for_reading_reads_the_warehouse_when_no_job_holds_it(tmp_path):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    opened = open_for_reading(path)
    assert not opened.is_snapshot
    assert database_path(opened.con) == path
    opened.con.close()


def test_open_for_reading_falls_back_to_the_snapshot_while_a_job_writes(tmp_path, held_for_writing):
    path = tmp_path / "w.duckdb"
    con = connect(path)
    snapshot = publish(con)
    con.close()
    with held_for_writing(path):
        opened = open_for_reading(path)
        assert opened.is_snapshot
        assert database_path(opened.con) == snapshot
        published = opened.con.execute("select published_at from ops.published").fetchone()[0]
        assert opened.snapshot_published_at == published
        opened.con.close()
        with pytest.raises(WarehouseBusy, match="busy with a job; try again after it"):
            open_for_reading(path, snapshot=False)


def test_open_for_reading_without_a_snapshot_says_so(tmp_path, held_for_writing):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with (
        held_for_writing(path),
        pytest.raises(WarehouseBusy, match="no serving snapshot to show instead"),
    ):
        open_for_reading(path)
