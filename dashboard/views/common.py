"""Pieces every page uses: what to run when a table is empty, tables, number formats."""

from __future__ import annotations

import panel as pn
import polars as pl

from dashboard.store import DataStore

# The command that fills each mart; shown when a page finds its tables missing or empty.
FILLED_BY: dict[str, str] = {
    "marts.audience_cube": "portrait publish (any writing job also rebuilds cubes and publishes)",
    "marts.audience_cube_codes": "portrait publish (any writing job also rebuilds cubes and publishes)",
    "marts.audience_values": "portrait publish (any writing job also rebuilds cubes and publishes)",
    "marts.shap_cube": "portrait train segment",
    "marts.warehouse_summary": "portrait demo",
    "marts.segment_holdout": "portrait train segment",
    "marts.segment_predictions": "portrait score segment",
    "ml.curves": "portrait train segment",
    "ml.shap": "portrait train segment",
    "ml.shap_global": "portrait train segment",
    "marts.cluster_coverage": "portrait clusters",
    "marts.cluster_k_selection": "portrait clusters",
    "marts.cluster_profiles": "portrait clusters",
    "marts.cluster_projection": "portrait clusters",
    "marts.churn_scores": "portrait churn score",
    "marts.churn_monitoring": "portrait churn monitor",
}


def missing_tables(store: DataStore, *tables: str) -> pn.viewable.Viewable | None:
    """An explanation of what to run when any table is missing or empty, else None."""
    if not store.available():
        return pn.pane.Alert(
            f"No serving snapshot at `{store.serving.path}` yet. Run `portrait demo` to build "
            "a demo warehouse (or any pipeline job on your own data) and reload.",
            alert_type="warning",
            css_classes=["missing-data"],
        )
    empty = [t for t in tables if not store.has_rows(t)]
    if not empty:
        return None
    lines = "\n".join(f"- `{t}`: run `{FILLED_BY.get(t, 'portrait demo')}`" for t in empty)
    return pn.pane.Alert(
        f"This view has no data yet. Tables to fill:\n\n{lines}",
        alert_type="info",
        css_classes=["missing-data"],
    )


def table(frame: pl.DataFrame, **kwargs) -> pn.widgets.Tabulator:
    """A read-only, sortable table of a (small) frame."""
    options = {
        "disabled": True,
        "pagination": "local",
        "page_size": 15,
        "sizing_mode": "stretch_width",
    }
    options.update(kwargs)
    return pn.widgets.Tabulator(frame.to_pandas(), show_index=False, **options)


def number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return f"{value:,}"


def run_options(frame: pl.DataFrame) -> dict[str, str]:
    """Select options label -> run_id from a frame with run_id, created_at (newest first)."""
    return {
        f"{row['run_id']} ({str(row['created_at'])[:16]})": row["run_id"]
        for row in frame.iter_rows(named=True)
    }
