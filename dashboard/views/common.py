"""Pieces every page uses: what to run when a table is empty, tables, number formats."""

from __future__ import annotations

import panel as pn
import polars as pl

from dashboard.charts.notices import missing_data
from dashboard.store import DataStore


def missing_tables(
    store: DataStore, *tables: str, view: str = "This view"
) -> pn.viewable.Viewable | None:
    """An explanation of what to run when any table is missing or empty, else None."""
    if not store.available():
        return pn.pane.Alert(
            f"No serving snapshot at `{store.serving.path}` yet. Run `portrait demo` to build "
            "a demo warehouse (or any pipeline job on your own data) and reload.",
            alert_type="warning",
            css_classes=["missing-data"],
        )
    notice = missing_data(store, view, *tables)
    if notice is None:
        return None
    return pn.pane.Alert(
        notice.markdown(),
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


def offer_runs(select: pn.widgets.Select, runs: pl.DataFrame, chosen: str | None = None) -> str:
    """Offer `runs` (run_id, created_at, newest first) in `select` and pick `chosen`, else
    the newest; return the picked run id."""
    select.options = run_options(runs)
    select.value = chosen or runs.get_column("run_id")[0]
    return select.value
