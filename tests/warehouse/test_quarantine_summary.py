"""The serving snapshot counts quarantined rows by kind, not by each bad value."""

from warehouse.db import connect
from warehouse.ingest import ingest_file
from warehouse.publish import publish


def test_snapshot_summary_groups_rows_by_kind_with_an_example(tmp_path):
    rows = ["event_id,Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv"]
    for event_id, created in enumerate(["x", "y", "2021-07-05 10:00:00"], 1):
        rows.append(f"{event_id},1,Games,Puzzle,com.a.b,{created},MSK,Москва,Москва,android,11")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    con = connect(tmp_path / "w.duckdb")
    ingest_file(con, path, contract="ad_events")
    # A row quarantined before reason kinds existed is still counted, under its full reason.
    con.execute(
        "insert into ops.quarantine (load_id, target_table, source_path, reason) "
        "values (99, 'raw.ad_events', 'old.csv', 'line has 1 columns, expected 11')"
    )
    serving = connect(publish(con), read_only=True)
    summary = serving.execute(
        "select reason, rows, loads, example from ops.quarantine_summary order by rows desc"
    ).fetchall()
    assert [row[:3] for row in summary] == [
        ("created: not a timestamp", 2, 1),
        ("line has 1 columns, expected 11", 1, 1),
    ]
    examples = [row[3] for row in summary]
    assert examples[0] in {"created: 'x' is not a timestamp", "created: 'y' is not a timestamp"}
    assert examples[1] == "line has 1 columns, expected 11"
    con.close()
    serving.close()
