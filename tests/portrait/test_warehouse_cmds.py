"""`portrait info`: every table with its row count, whatever its name."""

from __future__ import annotations

import duckdb
from click.testing import CliRunner

from portrait.cli import main


def test_info_counts_the_rows_of_every_table_even_oddly_named_ones(tmp_path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute('create schema "Odd schema"')
    con.execute('create table "Odd schema"."it\'s ""t""" as select * from range(4)')
    con.execute("create table main.plain as select * from range(2)")
    con.close()
    result = CliRunner().invoke(main, ["--db", str(db), "info"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[:1] == ["Odd"] and line.split()[-2:] == ["4", "rows"] for line in lines)
    assert any("main.plain" in line and line.split()[-2:] == ["2", "rows"] for line in lines)
