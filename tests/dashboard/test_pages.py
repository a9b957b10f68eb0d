"""Every page builds into a Bokeh document, with data and on an empty snapshot."""

import holoviews as hv
import panel as pn
import pytest
from bokeh.document import Document
from fixture_warehouse import scored_rows

from dashboard.pages.churn import ChurnPage
from dashboard.pages.clusters import ClustersPage
from dashboard.pages.explanations import ExplanationsPage
from dashboard.pages.explorer import ExplorerPage
from dashboard.pages.overview import OverviewPage
from dashboard.pages.predictions import PredictionsPage
from dashboard.pages.score import ScorePage
from dashboard.serving import ServingDB
from dashboard.store import DataStore
from warehouse.db import connect
from warehouse.publish import publish

hv.extension("bokeh")
PAGES = [
    OverviewPage,
    ExplorerPage,
    ClustersPage,
    PredictionsPage,
    ExplanationsPage,
    ChurnPage,
    ScorePage,
]


def texts(viewable) -> str:
    return " ".join(
        str(getattr(o, "object", ""))
        for o in viewable.select(pn.pane.Markdown) + viewable.select(pn.pane.Alert)
    )


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_data(store, page):
    view = pn.panel(page(store=store))
    view.get_root(Document())
    assert "no data yet" not in texts(view)


@pytest.mark.parametrize("page", PAGES)
def test_page_on_an_empty_warehouse_says_what_to_run(tmp_path, page):
    con = connect(tmp_path / "w.duckdb")
    snapshot = publish(con)
    con.close()
    view = pn.panel(page(store=DataStore(ServingDB(snapshot))))
    view.get_root(Document())
    if page is not OverviewPage:
        assert "portrait" in texts(view)


def test_page_without_any_snapshot_says_run_portrait_demo(tmp_path):
    view = pn.panel(ExplorerPage(store=DataStore(ServingDB(tmp_path / "x.serving.duckdb"))))
    assert "portrait demo" in texts(view)


def test_clicked_row_drives_the_waterfall(store):
    from dashboard.views.shap import PROMPT, Waterfall, WaterfallView

    run_id = store.query("dashboard_runs_of_kind", {"kind": "segment"}).get_column("run_id")[0]
    rows = scored_rows(store, run_id)
    store.segment_run = run_id
    view = WaterfallView(store=store)
    view.__panel__().get_root(Document())
    assert view.explain(run_id, None, "") == PROMPT and view.shown is None
    for explained, source in ((True, "stored with the run"), (False, "computed now")):
        event_id = int(rows.filter(rows["explained"] == explained).get_column("event_id")[0])
        store.selected_event = event_id
        assert isinstance(view.shown, Waterfall) and source in view.shown.source
        assert view.shown.title.startswith(f"Why event {event_id} scores")
        assert view.shown.contributions.height > 0


def test_many_projection_points_are_datashaded(store):
    run_id = store.query("dashboard_cluster_runs").get_column("run_id")[0]
    few = ClustersPage(store=store)._projection(run_id, "cluster")
    many = ClustersPage(store=store, datashade_above=100)._projection(run_id, "segment")
    assert isinstance(few, hv.Points)
    assert isinstance(many, hv.DynamicMap)  # datashader renders on the server per zoom
    pn.panel(many).get_root(Document())
