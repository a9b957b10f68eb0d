"""Churn probabilities from a subscription export's raw tables (or any activity table).

`ChurnModel.predict_proba` hands raw rows here: they are ingested into a scratch
warehouse, the snapshot of `as_of` (default: the rows' last date) is built by the same
queries as training, and the model scores the users of its cohort active on that day.
The result lines up with the rows given: one probability per row of the users table
(per event row for an activity model), NaN where the user is not scored that day (not
active, or in the other cohort).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import polars as pl

from modeling.churn.activity import ActivitySource, activity_frame, define_events
from modeling.churn.features import snapshot_features
from modeling.churn.labels import build_snapshots, data_as_of
from modeling.contract import as_polars
from modeling.raw_rows import ingested
from modeling.scratch import Rows, scratch_warehouse
from queries import runner
from warehouse.sql import qualified

SUBSCRIPTION_CONTRACTS = ("users", "billing", "viewing", "app_events", "communications")


def subscription_proba(
    model, rows: Mapping[str, Rows], cohort: str | None, as_of: date | None
) -> np.ndarray:
    """One probability per row of rows["users"] (NaN where the user is not scored)."""
    unknown = sorted(set(rows) - set(SUBSCRIPTION_CONTRACTS))
    if unknown or "users" not in rows or "billing" not in rows:
        raise ValueError(
            "a subscription churn model takes the export's tables by contract name: users "
            f"and billing, optionally viewing, app_events and communications; got {sorted(rows)}"
        )
    users = as_polars(rows["users"])
    with ingested(rows) as scratch:
        day = as_of or data_as_of(scratch.con)
        build_snapshots(scratch.con, [day])
        frame = snapshot_features(scratch.con)
    if cohort is not None:
        frame = frame.filter(pl.col("cohort") == cohort)
    return _aligned(users.get_column("user_id"), frame, model)


def activity_proba(model, rows: Rows, source: ActivitySource, as_of: date | None) -> np.ndarray:
    """One probability per event row: its user's, NaN where the user is not scored."""
    events = as_polars(rows)
    schema, _, table = source.table.partition(".")
    with scratch_warehouse({}) as scratch:
        con = scratch.con
        runner.execute(
            con, "scratch_user_table", identifiers={"schema": schema, "table": (schema, table)}
        )
        # The event table as the user has it, under the name the model was trained on.
        con.from_arrow(events.to_arrow()).create(qualified((schema, table)))
        define_events(con, source)
        day = as_of or runner.run(con, "churn_activity_as_of").item(0, "as_of")
        frame = activity_frame(con, source, [day])
    return _aligned(events.get_column(source.user_col), frame, model)


def _aligned(user_ids: pl.Series, frame: pl.DataFrame, model) -> np.ndarray:
    scored = frame.select("user_id").with_columns(
        pl.Series("p", model.predict_proba(frame), dtype=pl.Float64)
    )
    wanted = pl.DataFrame({"user_id": user_ids.cast(pl.Int64)})
    joined = wanted.join(scored, on="user_id", how="left", maintain_order="left")
    return joined.get_column("p").fill_null(np.nan).to_numpy()
