"""Writing a cluster run's tables: model state (ml) and marts, and removing a run's rows."""

from __future__ import annotations

import duckdb
import polars as pl

from modeling.clusters.model import ClusterModel
from queries.runner import execute, run

# Every table a cluster run writes rows to (all keyed by run_id). Table names reach SQL
# only from this allow-list.
MODEL_TABLES = ("ml.cluster_centroids", "ml.cluster_scaler", "ml.cluster_region_frequency")
MART_TABLES = (
    "marts.cluster_assignments",
    "marts.cluster_coverage",
    "marts.cluster_k_selection",
    "marts.cluster_phik",
    "marts.cluster_profiles",
    "marts.cluster_projection",
)
RUN_TABLES = MODEL_TABLES + MART_TABLES


def _run_table(table: str) -> tuple[str, str]:
    """(schema, name) of a cluster run table; anything off the allow-list raises."""
    if table not in RUN_TABLES:
        raise ValueError(f"{table!r} is not a cluster run table")
    schema, name = table.split(".")
    return schema, name


def _delete_run_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> None:
    execute(
        con, "cluster_run_rows_delete", {"run_id": run_id}, identifiers={"table": _run_table(table)}
    )


def insert_frame(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pl.DataFrame
) -> int:
    """Append `frame` (every column of `table` but run_id) as rows of run `run_id`."""
    schema, name = _run_table(table)
    columns = (
        run(con, "table_column_names", {"schema_name": schema, "table_name": name})
        .get_column("column_name")
        .to_list()
    )
    missing = [c for c in columns if c != "run_id" and c not in frame.columns]
    if missing:
        raise ValueError(f"rows for {table} lack column {missing[0]!r}")
    rows = frame.with_columns(pl.lit(run_id).alias("run_id")).select(columns).to_arrow()
    con.register("cluster_rows", rows)
    try:
        execute(con, "cluster_run_rows_insert", identifiers={"table": (schema, name)})
    finally:
        con.unregister("cluster_rows")
    return frame.height


def save_model_tables(con: duckdb.DuckDBPyConnection, run_id: str, model: ClusterModel) -> None:
    """Store what the SQL assignment reads: centroids, scaler and region frequency."""
    insert_frame(con, "ml.cluster_centroids", run_id, model.centroids_frame())
    insert_frame(con, "ml.cluster_scaler", run_id, model.scaler_frame())
    insert_frame(
        con,
        "ml.cluster_region_frequency",
        run_id,
        model.region_frequency_.select("oblast", "events", "log_share"),
    )


def assign_in_sql(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Assign every event of features.ad_events to run `run_id`'s nearest centroid.

    Raises ValueError unless every event got its row (run it in a transaction).
    """
    _delete_run_rows(con, "marts.cluster_assignments", run_id)
    try:
        execute(con, "cluster_assign", {"run_id": run_id})
    except duckdb.ConstraintException as error:
        raise ValueError(
            "a region has two different rows of region features in features.ad_events; "
            "is ref.regions unique by region?"
        ) from error
    assigned, events = run(con, "cluster_assigned_events", {"run_id": run_id}).row(0)
    if assigned != events:
        raise ValueError(f"assignment of run {run_id} covered {assigned} of {events} events")
    return assigned


def fill_coverage_and_profiles(con: duckdb.DuckDBPyConnection, run_id: str, top_n: int) -> None:
    """marts.cluster_coverage and marts.cluster_profiles from the run's assignments."""
    for table in ("marts.cluster_coverage", "marts.cluster_profiles"):
        _delete_run_rows(con, table, run_id)
    execute(con, "cluster_coverage", {"run_id": run_id})
    execute(con, "cluster_profiles", {"run_id": run_id, "top_n": top_n})


def delete_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Remove every row of run `run_id` from the cluster tables (not from the registry)."""
    for table in RUN_TABLES:
        _delete_run_rows(con, table, run_id)


def drop_other_assignments(con: duckdb.DuckDBPyConnection, keep_run_id: str) -> int:
    """Delete assignments of every run but `keep_run_id` (they are the bulky table)."""
    params = {"keep_run_id": keep_run_id}
    dropped = run(con, "cluster_other_assignments_count", params).item(0, "assignments")
    execute(con, "cluster_other_assignments_delete", params)
    return dropped
