"""Every command closes the warehouse it opened, whether it succeeds or fails.

DuckDB keeps the file locked while any connection to it lives, so a command that left
one open would make the next job of a long-lived process (a scheduler, a notebook)
wait. The check is a second process opening the file for writing without waiting.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from portrait.cli import main
from queries.runner import run as run_query
from warehouse.db import connect

CLUSTER_OPTIONS = [
    "--k-min", "3", "--k-max", "4", "--fit-rows", "5000", "--phik-rows", "3000",
    "--silhouette-rows", "500", "--projection-rows", "500", "--without-segment-comparison",
]  # fmt: skip


def writable_by_another_process(db: Path) -> bool:
    opened = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close()"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return opened.returncode == 0


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_warehouse) -> Path:
    db = tmp_path_factory.mktemp("close") / "portrait.duckdb"
    db.write_bytes(demo_warehouse.read_bytes())
    return db


def commands(folder: Path, score_date: str) -> list[tuple[list[str], set[int]]]:
    """Each command with the exit codes it may end with, in an order that works."""
    table = folder / "tiny.csv"
    table.write_text(
        "id,x,y,label\n" + "".join(f"{i},{i % 7},{(i * 3) % 11},{i % 2}\n" for i in range(400))
    )
    return [
        (["--no-publish", "demo-data", "--events", "2000", "--users", "0", "--seed", "11"], {0}),
        (["--no-publish", "ingest", str(table), "--table", "tiny"], {0}),
        (
            [
                "--no-publish",
                "train",
                "table",
                "--table",
                "raw.tiny",
                "--target",
                "label",
                "--shap-rows",
                "50",
            ],
            {0},
        ),  # fmt: skip
        (
            [
                "--no-publish",
                "train",
                "segment",
                "--sample-rows",
                "20000",
                "--shap-rows",
                "200",
                "--iterations",
                "10",
            ],
            {0},
        ),  # fmt: skip
        (["score", "segment"], {0}),  # publishes after writing
        (["--no-publish", "train", "clusters", *CLUSTER_OPTIONS], {0}),
        (
            [
                "--no-publish",
                "train",
                "churn",
                "--snapshots",
                "8",
                "--folds",
                "2",
                "--iterations",
                "20",
            ],
            {0},
        ),  # fmt: skip
        (["--no-publish", "score", "churn", "--date", score_date], {0}),
        (["--no-publish", "churn", "score", "--date", score_date], {0}),
        (["--no-publish", "monitor", "churn"], {0, 3}),
        (["export", "churn", "--date", score_date, "--to", str(folder / "scores.csv")], {0}),
        (["runs"], {0}),
        (["info"], {0}),
        (["docs", "--out", str(folder / "warehouse.md")], {0}),
        (["publish"], {0}),
        (["report", "--out", str(folder / "report.html")], {0}),
        # Failures inside a command: the traceback keeps its frames, and so any
        # connection they still referenced, alive.
        (["--no-publish", "train", "table", "--table", "raw.no_such", "--target", "x"], {1}),
        (["--no-publish", "score", "churn", "--date", "1990-01-01", "--kind", "activity"], {1}),
    ]


def test_every_command_closes_the_warehouse(warehouse):
    con = connect(warehouse)
    as_of = run_query(con, "churn_as_of")["as_of"][0]
    con.close()
    score_date = (as_of - timedelta(days=40)).isoformat()
    results: list[Result] = []  # kept alive, as a long-lived caller would keep them
    for args, exit_codes in commands(warehouse.parent, score_date):
        result = CliRunner().invoke(main, ["--db", str(warehouse), *args])
        results.append(result)
        assert result.exit_code in exit_codes, (args, result.output)
        assert writable_by_another_process(warehouse), f"`portrait {' '.join(args)}` left it open"
