import duckdb

from queries.cubes import build_cubes
from warehouse.db import connect
from warehouse.publish import publish


def test_cubes_build_on_a_warehouse_without_any_model(tmp_path):
    # Only raw events: no features, predictions or clusters yet.
    con = connect(tmp_path / "w.duckdb")
    con.execute(
        "insert into raw.ad_events (event_id, segment, gamecategory, bundle, created, shift_hours, oblast, load_id, source_line) "
        "select i, case when i % 3 = 0 then null else 1 + i % 5 end, 'cat' || (i % 4), 'b' || (i % 30), "
        "timestamp '2024-01-01' + to_hours(i), 0, 'r' || (i % 20), 1, i from range(500) t(i)"
    )
    written = build_cubes(con)
    assert written == [
        "marts.audience_cube",
        "marts.audience_values",
        "marts.audience_cube_codes",
        "marts.shap_cube",
        "marts.warehouse_summary",
        "marts.event_inputs",
    ]
    # Nothing is scored yet, so no event needs its exported fields in the snapshot.
    assert con.execute("select count(*) from marts.event_inputs").fetchone()[0] == 0
    undocumented = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'event_inputs' and comment is null"
    ).fetchone()[0]
    assert undocumented == 0
    codes = con.execute("select count(*), sum(events) from marts.audience_cube_codes").fetchone()
    assert codes == (con.execute("select count(*) from marts.audience_cube").fetchone()[0], 500)
    last = con.execute(
        "select value from marts.audience_values where dimension = 'bundle_group' order by code desc limit 1"
    ).fetchone()[0]
    assert last == "other"  # catch-all groups sort last
    rows = con.execute(
        "select sum(events), count(distinct bundle_group), count(distinct region_group), "
        "max(predicted_segment), max(cluster) from marts.audience_cube"
    ).fetchone()
    assert rows == (500, 16, 13, "not scored", "none")
    assert con.execute(
        "select ad_events, labeled_events from marts.warehouse_summary"
    ).fetchone() == (500, 333)
    # Temp staging tables are gone; a snapshot publishes.
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0] == 0
    assert publish(con).exists()
    con.close()


def test_cube_carries_predictions_and_clusters(store):
    predicted = store.dimension_counts("predicted_segment")
    assert "not scored" in predicted.get_column("value").to_list()
    assert predicted.filter(predicted["value"] != "not scored").get_column("events").sum() > 0
    clusters = store.dimension_counts("cluster").get_column("value").to_list()
    assert clusters == ["0", "1", "2", "3"]


def test_cube_predictions_come_from_the_newest_scoring_and_holdout_runs(serving_path):
    con = duckdb.connect(str(serving_path), read_only=True)
    newest = (
        "(select run_id from ml.model_runs where kind = 'segment' and status = 'succeeded' "
        "and run_id in (select run_id from {table}) order by created_at desc limit 1)"
    )
    expected = sum(
        con.execute(
            f"select count(*) from {table} where run_id = {newest.format(table=table)}"
        ).fetchone()[0]
        for table in ("marts.segment_predictions", "marts.segment_holdout")
    )
    predicted = con.execute(
        "select sum(events) from marts.audience_cube where predicted_segment <> 'not scored'"
    ).fetchone()[0]
    con.close()
    assert expected > 0
    assert predicted == expected
