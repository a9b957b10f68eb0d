"""`portrait info`, `runs` and `docs` never wait for a job and never write the warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from portrait.cli import main
from warehouse.db import applied_versions, connect, migrate
from warehouse.publish import publish, serving_path_for

PORTRAIT = [sys.executable, "-m", "portrait.cli"]
# Far below the 600 s a writer waits for the lock, and enough for the interpreter to start.
ANSWER_SECONDS = 20
BUSY_NOTICE = "the warehouse is busy with a job; showing the snapshot published at"


def run(db: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "PORTRAIT_DB": str(db)}
    started = time.monotonic()
    result = subprocess.run(
        [*PORTRAIT, *args], capture_output=True, text=True, env=env, timeout=ANSWER_SECONDS * 3
    )
    return result, time.monotonic() - started


@pytest.fixture
def published(tmp_path) -> Path:
    """A warehouse with one registered run (written by hand) and its serving snapshot."""
    db = tmp_path / "portrait.duckdb"
    con = connect(db)
    con.execute(
        "insert into ml.model_runs (run_id, kind, target, created_at, params, features, "
        "metrics, data_fingerprint, library_versions, status) values ('run000000001', "
        "'segment', 'segment', now(), '{}', '[]', '{}', 'f', '{}', 'succeeded')"
    )
    publish(con)
    con.close()
    return db


def stamp(db: Path) -> tuple:
    wal = db.with_name(db.name + ".wal")
    return db.stat().st_mtime_ns, db.stat().st_size, wal.exists()


@pytest.mark.parametrize(
    ("command", "expected"),
    [(["info"], "ops.published"), (["runs"], "run000000001")],
    ids=["info", "runs"],
)
def test_answers_from_the_snapshot_while_a_job_writes(
    published, held_for_writing, command, expected
):
    with held_for_writing(published):
        result, seconds = run(published, *command)
    assert result.returncode == 0, result.stderr
    assert seconds < ANSWER_SECONDS
    assert expected in result.stdout
    assert result.stderr.startswith(BUSY_NOTICE)
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["info"], ["runs"]], ids=["info", "runs"])
def test_busy_warehouse_without_a_snapshot_is_one_line_and_exit_code_1(
    tmp_path, held_for_writing, command
):
    db = tmp_path / "portrait.duckdb"
    connect(db).close()
    with held_for_writing(db):
        result, seconds = run(db, *command)
    assert result.returncode == 1
    assert seconds < ANSWER_SECONDS
    assert result.stderr.strip().splitlines() == [
        f"portrait: error: the warehouse {db} is busy with a job; "
        "no serving snapshot to show instead"
    ]


def test_docs_does_not_document_the_snapshot(published, held_for_writing, tmp_path):
    # The snapshot lacks the raw and features schemas: a dictionary of it would be wrong.
    out = tmp_path / "warehouse.md"
    with held_for_writing(published):
        result, seconds = run(published, "docs", "--out", str(out))
    assert result.returncode == 1
    assert seconds < ANSWER_SECONDS
    assert "busy with a job; try again after it" in result.stderr
    assert not out.exists()


def test_info_reads_an_older_warehouse_without_migrating_or_writing_it(tmp_path):
    db = tmp_path / "portrait.duckdb"
    old = duckdb.connect(str(db))
    migrate(old, up_to=3)
    old.close()
    before = stamp(db)
    result = CliRunner().invoke(main, ["--db", str(db), "info"])
    assert result.exit_code == 0, result.output
    assert "ops.schema_version" in result.stdout
    assert stamp(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert applied_versions(con) == {1, 2, 3}
    con.close()
    assert not serving_path_for(db).exists()  # read-only commands never publish


@pytest.mark.parametrize("command", ["info", "runs", "docs"])
def test_read_only_commands_leave_the_warehouse_file_alone(published, command):
    before = stamp(published)
    snapshot_before = serving_path_for(published).stat().st_mtime_ns
    options = ["--out", str(published.parent / "warehouse.md")] if command == "docs" else []
    result = CliRunner().invoke(main, ["--db", str(published), command, *options])
    assert result.exit_code == 0, result.output
    assert stamp(published) == before
    assert serving_path_for(published).stat().st_mtime_ns == snapshot_before


def test_info_without_a_warehouse_fails_and_creates_none(tmp_path):
    db = tmp_path / "none.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db), "info"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"portrait: error: no warehouse at {db}")
    assert not db.exists()
