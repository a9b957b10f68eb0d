"""Browser tests: every page renders without console errors, cross-filtering works,
a clicked prediction shows its waterfall, and the report opens offline."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.ui

# (navigation button, screenshot name, text that only the rendered page shows)
PAGES = [
    ("Overview", "overview", "Model runs"),
    ("Audience explorer", "explorer", "Reset all filters"),
    ("Clusters", "clusters", "Coverage table (sortable)"),
    ("Predictions and quality", "predictions", "click a row to see its SHAP waterfall"),
    ("Explanations", "explanations", "Dependence feature"),
    ("Churn", "churn", "Users at risk"),
    ("Score a file", "score", "Validate and score"),
]
MAIN_SCREENSHOTS = ("overview", "clusters", "explanations", "churn")


def show(page, label: str, marker: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    page.get_by_text(marker).first.wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('.pn-loading')", timeout=60_000)
    page.wait_for_timeout(1500)  # let Bokeh finish drawing before the screenshot


def open_page(page, url: str, label: str, marker: str) -> None:
    page.goto(url)
    page.get_by_text("Data published").first.wait_for(timeout=60_000)
    show(page, label, marker)


def test_every_page_renders_without_console_errors(screenshot, server, page):
    page.goto(server)
    for label, name, marker in PAGES:
        show(page, label, marker)
        assert page.locator(".bk-Canvas, canvas, table, .tabulator").count() > 0 or name == "score"
        assert page.get_by_text("could not be built").count() == 0, f"page {label} failed to build"
        if name == "overview":  # the summary cards carry their titles
            assert page.get_by_text("Labelled", exact=True).count() == 1
        screenshot(page, name, docs=name in MAIN_SCREENSHOTS)
    assert page.problems == []


def _count(page, dimension: str) -> int:
    text = page.locator(f".xf-count-{dimension} .xf-total").first.inner_text()
    return int(re.sub(r"\D", "", text))


def _settled_count(page, dimension: str, done, tries: int = 50) -> int:
    """A view's count once done(count) holds, or after `tries` polls 200 ms apart."""
    for _ in range(tries):
        count = _count(page, dimension)
        if done(count):
            return count
        page.wait_for_timeout(200)
    return _count(page, dimension)


def test_selection_in_one_view_filters_the_others_and_reset_restores(
    screenshot, server, page, browser
):
    open_page(page, server, "Audience explorer", "Reset all filters")
    before = _count(page, "local_weekday")
    # A second browser session, open at the same time, keeps its own filters.
    other_context = browser.new_context(viewport={"width": 1200, "height": 900})
    other = other_context.new_page()
    open_page(other, server, "Audience explorer", "Reset all filters")
    segment_before = _count(page, "segment")
    page.locator(".xf-widget-segment").get_by_role("button", name="3", exact=True).click()
    after = _settled_count(page, "local_weekday", lambda n: n != before)
    assert 0 < after < before
    assert _count(page, "segment") == segment_before  # a view is not filtered by its own selection
    page.locator(".xf-summary", has_text="Segment: 3").wait_for(timeout=10_000)
    assert _count(other, "local_weekday") == before
    other_context.close()
    page.wait_for_timeout(1500)  # the charts redraw after the counts
    screenshot(page, "explorer-selected")
    page.get_by_role("button", name="Reset all filters").click()
    assert _settled_count(page, "local_weekday", lambda n: n == before) == before
    assert page.problems == []


def test_tapping_a_bar_filters_the_other_views(screenshot, server, page):
    open_page(page, server, "Audience explorer", "Reset all filters")
    before = _count(page, "local_weekday")
    canvas = page.locator(".xf-view-cluster canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # Bar positions depend on the data and the axis width: tap along the foot of the bars,
    # just above the x axis, until a tap lands on one.
    for fraction in (0.44, 0.3, 0.55, 0.66, 0.78, 0.9, 0.2):
        page.mouse.click(box["x"] + fraction * box["width"], box["y"] + 0.8 * box["height"])
        if _settled_count(page, "local_weekday", lambda n: n != before, tries=15) != before:
            break
    screenshot(page, "explorer-tapped", docs=True)
    assert 0 < _count(page, "local_weekday") < before
    page.locator(".xf-summary", has_text="Cluster: ").wait_for(timeout=10_000)
    assert page.problems == []


# Bars drawn in the waterfall plot titled `title`, and whether they all lie inside the
# plot's x range (the one plot is reused for every event, so its ranges must follow).
WATERFALL_BARS = """(title) => {
  for (const doc of Bokeh.documents) for (const m of doc._all_models.values()) {
    if (!m.renderers || !m.title || m.title.text !== title) continue;
    let bars = 0, inside = true;
    for (const r of m.renderers) {
      const d = r.data_source && r.data_source.data;
      if (!d || !d.x0) continue;
      bars += d.x0.length;
      for (let i = 0; i < d.x0.length; i++)
        inside = inside && Math.min(d.x0[i], d.x1[i]) >= m.x_range.start
          && Math.max(d.x0[i], d.x1[i]) <= m.x_range.end;
    }
    return bars > 0 ? [bars, inside] : false;
  }
  return false;
}"""


def _click_scored_row(page, in_sample: bool) -> int:
    """Click the first row of the scored-rows page that is (not) in the stored SHAP sample.

    Sampled rows are few among the best scores, so those are first filtered for.
    """
    page.locator(".sampled-only input[type=checkbox]").first.set_checked(in_sample)
    if in_sample:  # wait for the filtered table: its first row is then a sampled one
        page.locator(".scored-rows .tabulator-row").first.locator(
            '.tabulator-cell[tabulator-field="explained"]', has_text="true"
        ).wait_for(timeout=30_000)
        page.wait_for_function("() => !document.querySelector('.pn-loading')", timeout=30_000)
    row = page.locator(
        ".scored-rows .tabulator-row",
        has=page.locator(
            '.tabulator-cell[tabulator-field="explained"]', has_text=str(in_sample).lower()
        ),
    ).first
    cell = row.locator('.tabulator-cell[tabulator-field="event_id"]')
    event_id = int(re.sub(r"\D", "", cell.inner_text()))  # shown as 12,345
    cell.click()
    return event_id


def _waterfall_drawn(page, event_id: int, source: str) -> None:
    title = page.get_by_text(f"Why event {event_id} scores").first
    title.wait_for(timeout=30_000)
    page.get_by_text(source).first.wait_for(timeout=10_000)
    segment = re.search(r"segment (\d)", title.inner_text()).group(1)
    drawn = page.wait_for_function(
        WATERFALL_BARS, arg=f"Why event {event_id} scores for segment {segment}", timeout=30_000
    ).json_value()
    assert drawn[1], "waterfall bars fall outside the plot's range"
    page.locator(".waterfall").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)


def test_clicking_a_prediction_row_shows_its_waterfall(screenshot, server, page):
    open_page(page, server, "Predictions and quality", "click a row to see its SHAP waterfall")
    assert not page.locator(".waterfall").first.is_visible()
    event_id = _click_scored_row(page, in_sample=True)
    _waterfall_drawn(page, event_id, "from the SHAP sample stored with the run")
    screenshot(page, "predictions-waterfall", docs=True)
    assert page.problems == []


def test_a_row_outside_the_shap_sample_shows_a_waterfall_computed_on_demand(
    screenshot, server, page, ui_warehouse
):
    import duckdb

    open_page(page, server, "Predictions and quality", "click a row to see its SHAP waterfall")
    first = _click_scored_row(page, in_sample=True)  # a stored one first: the plot is reused
    _waterfall_drawn(page, first, "from the SHAP sample stored with the run")
    event_id = _click_scored_row(page, in_sample=False)
    con = duckdb.connect(str(ui_warehouse), read_only=True)
    try:
        sampled = con.execute(
            "select count(*) from ml.shap where row_id = ?", [event_id]
        ).fetchone()
    finally:
        con.close()
    assert sampled == (0,)  # really outside the stored sample
    _waterfall_drawn(page, event_id, "computed now from the stored model")
    assert page.get_by_text("not in the explained sample").count() == 0
    assert page.get_by_text("could not be explained").count() == 0
    screenshot(page, "predictions-waterfall-on-demand")
    assert page.problems == []


def test_a_lasso_over_the_punch_card_filters_the_other_views_and_reset_restores(
    screenshot, server, page
):
    open_page(page, server, "Audience explorer", "Reset all filters")
    before = _count(page, "local_weekday")
    grid_before = _count(page, "hour_weekday")
    canvas = page.locator(".xf-view-hour_weekday canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    # A triangle over the middle of the card (a lasso, not a box): the lasso tool is the
    # card's active drag tool, and it selects when the lasso closes.
    page.mouse.move(*at(0.3, 0.2))
    page.mouse.down()
    for corner in ((0.7, 0.2), (0.5, 0.75), (0.3, 0.21)):
        page.mouse.move(*at(*corner), steps=12)
    page.mouse.up()
    assert 0 < _settled_count(page, "local_weekday", lambda n: n != before) < before
    assert _count(page, "hour_weekday") == grid_before  # not filtered by its own selection
    page.locator(".xf-summary", has_text="Hour × weekday: ").wait_for(timeout=10_000)
    page.wait_for_timeout(1500)
    screenshot(page, "explorer-lasso", docs=True)
    page.get_by_role("button", name="Reset all filters").click()
    assert _settled_count(page, "local_weekday", lambda n: n == before) == before
    page.locator(".xf-summary", has_text="none (all events)").wait_for(timeout=10_000)
    assert page.problems == []


def test_score_a_file_and_download_the_report(screenshot, server, page, tmp_path):
    upload = tmp_path / "events.csv"
    upload.write_text(
        "Segment,gamecategory,subgamecategory,bundle,created,shift,oblast,city,os,osv\n"
        ",Puzzle,Puzzle sub,com.studio1.game1,2024-03-05 10:15:00,MSK,Москва,Москва,android,11\n"
        ",Casual,Casual sub,com.studio2.game2,2024-03-06 21:40:00,MSK,Москва,Москва,ios,14.4.1\n"
        "4,Word,Word sub,com.studio4.game4,not a date,MSK,Москва,Москва,android,11\n",
        encoding="utf-8",
    )
    open_page(page, server, "Score a file", "Validate and score")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Validate and score").click()
    page.get_by_text("2 scored, 1 quarantined").first.wait_for(timeout=60_000)
    page.get_by_text("Rejected rows and why").first.wait_for()
    page.locator(".score-predictions").first.wait_for()
    page.wait_for_timeout(1500)
    screenshot(page, "score-result", docs=True)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download report").click()
    saved = tmp_path / "downloaded.html"
    download.value.save_as(saved)
    assert saved.stat().st_size > 100_000 and "Audience Portrait" in saved.read_text(
        encoding="utf-8"
    )
    assert page.problems == []


def test_report_opens_offline_and_shows_charts(screenshot, server, browser, tmp_path, ui_warehouse):
    from dashboard.report import write_report

    report = write_report(ui_warehouse, tmp_path / "report.html")
    assert report.stat().st_size < 10 * 1024 * 1024
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    blocked, failed, errors = [], [], []

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    page.get_by_text("Audience Portrait").first.wait_for()
    page.wait_for_timeout(2500)
    canvases = page.locator("canvas").count()
    assert canvases >= 8, canvases
    assert blocked == [] and failed == [] and errors == []
    # In-browser cross-filter: selecting a segment bar (what a tap does) re-counts the rest.
    summary = page.locator(".xf-selected").first
    total = summary.inner_text()
    weekday = "() => Bokeh.documents[0].get_model_by_name('xf-weekday').data.events.reduce((a, b) => a + b, 0)"
    weekday_before = page.evaluate(weekday)
    page.evaluate(
        "() => { Bokeh.documents[0].get_model_by_name('xf-segment').selected.indices = [2]; }"
    )
    page.wait_for_timeout(300)
    assert summary.inner_text() != total
    assert 0 < page.evaluate(weekday) < weekday_before
    screenshot(page, "report", docs=True)
    page.get_by_role("button", name="Reset all filters").click()
    page.wait_for_timeout(300)
    assert summary.inner_text() == total
    context.close()


def test_the_app_notices_a_new_snapshot(server, page, ui_warehouse):
    # Runs last: a job publishes while the app is open; the page says so without a reload.
    from warehouse.db import connect
    from warehouse.publish import publish

    open_page(page, server, "Overview", "Model runs")
    con = connect(ui_warehouse.with_name("portrait.duckdb"))
    con.execute(
        "insert into ops.pipeline_runs values ('ui', 'test job', now()::timestamp, now()::timestamp, 'succeeded', 'ui test')"
    )
    publish(con)
    con.close()
    page.get_by_text("New data published at").first.wait_for(timeout=20_000)
    page.get_by_text("Model runs").first.wait_for(timeout=30_000)
    assert page.problems == []
