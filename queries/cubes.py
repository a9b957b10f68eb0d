"""Build the pre-aggregated cubes the dashboard reads, in the main warehouse, and publish.

A writing job calls `build_cubes(con)` and then `warehouse.publish.publish(con)` at its
end (`rebuild_and_publish` does both). The SQL lives in queries/sql/cube_*.sql; this
module only runs it in order and skips the stages whose source marts do not exist yet.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

from queries.runner import execute
from queries.segment_features import ensure_segment_features
from warehouse.db import connect, pipeline_step, table_exists
from warehouse.dictionary import copy_column_comments
from warehouse.publish import publish

log = logging.getLogger(__name__)

# Stage query -> the marts it needs; a stage whose marts are missing is skipped and the
# cube shows those events as "not scored" / cluster "none".
STAGES: dict[str, tuple[str, ...]] = {
    "cube_stage_predicted": ("marts.segment_predictions", "marts.segment_holdout", "ml.model_runs"),
    "cube_stage_clusters": ("marts.cluster_assignments", "ml.model_runs"),
}


def build_cubes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rebuild marts.audience_cube, marts.shap_cube, marts.warehouse_summary and
    marts.event_inputs (the exported fields of the scored events).

    Creates the view features.ad_events first when it is missing.
    Returns the tables written.
    """
    ensure_segment_features(con)
    execute(con, "cube_stage_empty")
    for stage, needs in STAGES.items():
        if all(table_exists(con, name) for name in needs):
            execute(con, stage)
        else:
            log.info("cube stage %s skipped: %s not built yet", stage, ", ".join(needs))
    execute(con, "cube_stage_groups")
    execute(con, "cube_event_dims")
    execute(con, "cube_audience")
    execute(con, "cube_audience_values")
    execute(con, "cube_audience_codes")
    written = ["marts.audience_cube", "marts.audience_values", "marts.audience_cube_codes"]
    if table_exists(con, "ml.shap"):
        execute(con, "cube_shap")
        written.append("marts.shap_cube")
    execute(con, "cube_warehouse_summary")
    written.append("marts.warehouse_summary")
    # The snapshot has no raw or feature tables: without the scored events' own fields
    # the dashboard could explain only the stored SHAP sample.
    execute(con, "dashboard_event_inputs")
    # The exported fields are the contract's, and so is their documentation.
    copy_column_comments(con, "raw.ad_events", "marts.event_inputs")
    written.append("marts.event_inputs")
    execute(con, "cube_drop_temporaries")
    return written


def rebuild_and_publish(con: duckdb.DuckDBPyConnection) -> Path:
    """Rebuild the cubes on a writing connection and publish its serving snapshot."""
    with pipeline_step(con, "publish") as step:
        written = build_cubes(con)
        path = publish(con)
        step["message"] = f"cubes {', '.join(written)}; snapshot {path}"
    return path


def publish_snapshot(db: str | os.PathLike | None, *, wait_seconds: float = 600.0) -> Path:
    """Open the warehouse for writing (waiting up to `wait_seconds` for another writer's
    lock, then raising warehouse.db.WarehouseLocked), rebuild the cubes and publish."""
    con = connect(db, wait_seconds=wait_seconds)
    try:
        return rebuild_and_publish(con)
    finally:
        con.close()
