"""`portrait publish` and `portrait report` (the command objects, before registration)."""

from click.testing import CliRunner

from portrait.dashboard_cmds import publish_cmd, report
from warehouse.db import connect
from warehouse.publish import serving_path_for


def test_report_publishes_a_snapshot_when_none_exists_and_writes_the_file(tmp_path):
    db = tmp_path / "portrait.duckdb"
    connect(db).close()
    out = tmp_path / "report.html"
    result = CliRunner().invoke(report, ["--out", str(out)], obj={"db": str(db)})
    assert result.exit_code == 0, result.output
    assert serving_path_for(db).exists()
    assert out.exists() and "report written" in result.output


def test_publish_rebuilds_cubes(tmp_path):
    db = tmp_path / "portrait.duckdb"
    connect(db).close()
    result = CliRunner().invoke(publish_cmd, [], obj={"db": str(db)})
    assert result.exit_code == 0, result.output
    con = connect(db)
    step = con.execute("select step, status from ops.pipeline_runs").fetchall()
    con.close()
    assert step == [("publish", "succeeded")]


def test_report_without_a_warehouse_says_what_to_run(tmp_path):
    result = CliRunner().invoke(report, [], obj={"db": str(tmp_path / "none.duckdb")})
    assert result.exit_code != 0 and "portrait demo" in result.output
