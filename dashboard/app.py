"""Audience Portrait dashboard: `panel serve dashboard/app.py` (or `portrait serve`).

The only module that calls pn.extension and .servable(). Each browser session gets its
own DataStore (filters, chosen run), created when the session starts.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

import holoviews as hv
import panel as pn

from dashboard.pages.churn import ChurnPage
from dashboard.pages.clusters import ClustersPage
from dashboard.pages.explanations import ExplanationsPage
from dashboard.pages.explorer import ExplorerPage
from dashboard.pages.overview import OverviewPage
from dashboard.pages.predictions import PredictionsPage
from dashboard.pages.score import ScorePage
from dashboard.report import write_report
from dashboard.store import DataStore

log = logging.getLogger(__name__)

pn.extension("tabulator", notifications=True, sizing_mode="stretch_width", loading_indicator=True)
hv.extension("bokeh", logo=False)

PAGES = {
    "Overview": OverviewPage,
    "Audience explorer": ExplorerPage,
    "Clusters": ClustersPage,
    "Predictions and quality": PredictionsPage,
    "Explanations": ExplanationsPage,
    "Churn": ChurnPage,
    "Score a file": ScorePage,
}
CHECK_EVERY_MS = 3000


def _report_file(store: DataStore) -> io.BytesIO:
    with tempfile.TemporaryDirectory() as folder:
        path = write_report(
            store.serving.path, Path(folder) / "report.html", run_id=store.segment_run or None
        )
        return io.BytesIO(path.read_bytes())


def create_app() -> pn.template.BootstrapTemplate:
    """One session's app: sidebar navigation, the chosen page, data notices."""
    store = DataStore()
    nav = pn.widgets.RadioButtonGroup(
        options=list(PAGES),
        value="Overview",
        orientation="vertical",
        color="light",
        variant="outline",
        sizing_mode="stretch_width",
        css_classes=["page-nav"],
    )
    built: dict[tuple[str, int], pn.viewable.Viewable] = {}

    def show(page: str, version: int) -> pn.viewable.Viewable:
        # Pages are built on first visit and kept, so switching back keeps their state;
        # a new snapshot (version) rebuilds them over the new data.
        key = (page, version)
        if key not in built:
            try:
                built[key] = pn.panel(PAGES[page](store=store), sizing_mode="stretch_width")
            except Exception as error:  # noqa: BLE001 - one broken page must not take the app down
                log.exception("page %s failed", page)
                built[key] = pn.pane.Alert(
                    f"This page could not be built: {error}", alert_type="danger"
                )
        return built[key]

    notice = pn.pane.Alert(
        store.param.notice,
        alert_type="info",
        visible=store.param.notice.rx.bool(),
        css_classes=["data-notice"],
    )
    download = pn.widgets.FileDownload(
        callback=lambda: _report_file(store),
        filename="portrait-report.html",
        label="Download report",
        color="primary",
        sizing_mode="stretch_width",
        css_classes=["report-download"],
    )
    published = pn.pane.Markdown(
        pn.bind(lambda s: f"Data published: **{s or '–'}**", store.param.snapshot)
    )
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.add_periodic_callback(store.check_for_update, period=CHECK_EVERY_MS)
    return pn.template.BootstrapTemplate(
        title="Audience Portrait",
        sidebar=[nav, pn.layout.Divider(), download, published],
        main=[notice, pn.panel(pn.bind(show, nav, store.param.version), loading_indicator=True)],
        sidebar_width=260,
        header_background="#2b4a78",
    )


create_app().servable()
