"""The command line as a scheduler sees it: help everywhere, trustworthy exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from portrait.cli import main

PORTRAIT = [sys.executable, "-m", "portrait.cli"]


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


def run(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if db is not None:
        env["PORTRAIT_DB"] = str(db)
    return subprocess.run([*PORTRAIT, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("command", sorted(_all_commands(main)), ids=" ".join)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_failure_is_one_line_on_stderr_and_exit_code_1(tmp_path):
    result = run(
        "ingest", str(tmp_path / "missing.csv"), "--contract", "ad_events", db=tmp_path / "w.duckdb"
    )
    assert result.returncode == 1
    assert result.stderr.startswith("portrait: error:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "missing.csv" in result.stderr


def test_wrong_command_line_is_exit_code_2(tmp_path):
    result = run("ingest", "--contract", "no_such_contract", db=tmp_path / "w.duckdb")
    assert result.returncode == 2


def test_db_flag_and_environment_choose_the_file(tmp_path):
    flag_db, env_db = tmp_path / "flag.duckdb", tmp_path / "env.duckdb"
    create = ("--no-publish", "demo-data", "--events", "0", "--users", "0")
    assert run("--db", str(flag_db), *create, db=env_db).returncode == 0
    assert flag_db.exists() and not env_db.exists()
    assert run(*create, db=env_db).returncode == 0
    assert env_db.exists()
    assert str(env_db) in run("info", db=env_db).stdout


def test_demo_data_is_deterministic_and_rerun_is_a_no_op(tmp_path):
    db = tmp_path / "w.duckdb"
    first = run("demo-data", "--events", "5000", "--users", "200", "--seed", "3", db=db)
    assert first.returncode == 0, first.stderr
    assert "ad events: 100%" in first.stderr and "5000/5000" in first.stderr  # the rows' bar
    assert "subscribers: 100%" in first.stderr and "200/200" in first.stderr
    second = run("demo-data", "--events", "5000", "--users", "200", "--seed", "3", db=db)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from raw.ad_events").fetchone()[0] == 5000
    assert con.execute("select count(*) from raw.users").fetchone()[0] == 200


def test_demo_data_writes_csv_files_that_ingest_reads(tmp_path):
    out = tmp_path / "files"
    result = run(
        "demo-data",
        "--events",
        "3000",
        "--users",
        "0",
        "--out",
        str(out),
        "--format",
        "csv",
        db=tmp_path / "w.duckdb",
    )
    assert result.returncode == 0, result.stderr
    csv_files = sorted(out.glob("ad_events_*.csv"))
    assert csv_files
    loaded = run(
        "ingest", *map(str, csv_files), "--contract", "ad_events", db=tmp_path / "w.duckdb"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stderr == ""  # stderr is not a terminal: no bars unless asked
    import duckdb

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.ad_events").fetchone()[0] == 3000


@pytest.mark.parametrize(
    ("flag", "bars"), [("--progress", True), ("--no-progress", False)], ids=["on", "off"]
)
def test_ingest_progress_bars_go_to_stderr_only(tmp_path, flag, bars):
    header = "event_id,Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv"
    row = "1,3,Games,Puzzle,com.a.b,2021-07-05 18:51:35,MSK,Omsk,Omsk,android,9.0"
    path = tmp_path / "export.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = run("ingest", str(path), "--contract", "ad_events", flag, db=tmp_path / "w.duckdb")
    assert result.returncode == 0, result.stderr
    assert "1 loaded" in result.stdout and "%|" not in result.stdout
    assert ("ingest: loading export.csv:" in result.stderr) is bars
