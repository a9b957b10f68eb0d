"""`portrait <verb> <kind>` everywhere, and the old spellings as hidden, announced aliases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from portrait.cli import main
from queries.runner import run as run_query
from warehouse.db import connect, fetch_frame

NEW_COMMANDS = {
    ("train", "segment"): "--holdout-days",
    ("train", "clusters"): "--k-min",
    ("train", "churn"): "--activity-table",
    ("train", "table"): "--target",
    ("score", "segment"): "--engine",
    ("score", "churn"): "--date",
    ("monitor", "churn"): "--recompute",
    ("export", "churn"): "--postgres",
}
RENAMED = {
    ("churn", "score"): ("score", "churn"),
    ("churn", "monitor"): ("monitor", "churn"),
    ("churn", "export"): ("export", "churn"),
}


def portrait(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), "--no-publish", *args])


@pytest.fixture(scope="module")
def churn_warehouse(tmp_path_factory, demo_warehouse) -> tuple[Path, str]:
    """A demo warehouse copy with churn models, and a date with matured labels to score."""
    db = tmp_path_factory.mktemp("verbs") / "portrait.duckdb"
    db.write_bytes(demo_warehouse.read_bytes())
    trained = portrait(
        db, "train", "churn", "--snapshots", "8", "--folds", "2", "--iterations", "20"
    )
    assert trained.exit_code == 0, trained.output
    con = connect(db)
    as_of = run_query(con, "churn_as_of")["as_of"][0]
    con.close()
    return db, (as_of - timedelta(days=40)).isoformat()


def churn_scores(db: Path, day: str):
    con = connect(db)
    try:
        return fetch_frame(
            con,
            "select * exclude (scored_at) from marts.churn_scores where score_date = ? "
            "order by all",
            [day],
        )
    finally:
        con.close()


@pytest.mark.parametrize("command", sorted(NEW_COMMANDS), ids=" ".join)
def test_new_commands_have_help_with_their_options(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: main {' '.join(command)} [OPTIONS]" in result.output
    assert NEW_COMMANDS[command] in result.output


def test_help_lists_the_verbs_and_hides_the_old_spellings():
    result = CliRunner().invoke(main, ["--help"])
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line}
    assert {"train", "score", "monitor", "export"} <= listed
    assert "churn" not in listed


@pytest.mark.parametrize("old", sorted(RENAMED), ids=" ".join)
def test_old_spelling_help_names_its_replacement(old):
    result = CliRunner().invoke(main, [*old, "--help"])
    new = RENAMED[old]
    assert result.exit_code == 0
    assert f"Renamed: use `portrait {' '.join(new)}`." in result.output


def test_churn_score_alias_scores_the_same_rows(churn_warehouse):
    db, day = churn_warehouse
    new = portrait(db, "score", "churn", "--date", day)
    assert new.exit_code == 0, new.output
    expected = churn_scores(db, day)
    assert expected.height > 0
    old = portrait(db, "churn", "score", "--date", day)
    assert old.exit_code == 0, old.output
    assert old.stderr.splitlines() == ["portrait churn score is now portrait score churn"]
    assert old.stdout == new.stdout
    assert churn_scores(db, day).equals(expected)


def test_churn_monitor_alias_judges_the_same_and_keeps_the_exit_code(churn_warehouse):
    db, day = churn_warehouse
    assert portrait(db, "score", "churn", "--date", day).exit_code == 0
    new = portrait(db, "monitor", "churn", "--recompute")
    assert new.exit_code in (0, 3), new.output
    old = portrait(db, "churn", "monitor", "--recompute")
    assert old.exit_code == new.exit_code
    assert old.stderr.splitlines()[0] == "portrait churn monitor is now portrait monitor churn"
    assert old.stderr.splitlines()[1:] == new.stderr.splitlines()
    assert old.stdout == new.stdout
    assert "score date" in old.stdout


def test_churn_export_alias_writes_the_same_file(churn_warehouse, tmp_path):
    db, day = churn_warehouse
    assert portrait(db, "score", "churn", "--date", day).exit_code == 0
    new = portrait(db, "export", "churn", "--date", day, "--to", str(tmp_path / "new.csv"))
    old = portrait(db, "churn", "export", "--date", day, "--to", str(tmp_path / "old.csv"))
    assert (new.exit_code, old.exit_code) == (0, 0), old.output
    assert old.stderr.splitlines() == ["portrait churn export is now portrait export churn"]
    assert (tmp_path / "old.csv").read_bytes() == (tmp_path / "new.csv").read_bytes()


def test_alias_keeps_the_usage_exit_code(churn_warehouse):
    db, _ = churn_warehouse
    new = portrait(db, "score", "churn")
    old = portrait(db, "churn", "score")
    assert new.exit_code == old.exit_code == 2
    assert "give --date D, or --from D1 --to D2" in old.stderr
