"""Browser tests: every page renders without console errors, cross-filtering works,
a clicked prediction shows its waterfall, and the report opens offline."""

from __future__ import annotations

import re

import pytest
from conftest import screenshot

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


def test_every_page_renders_without_console_errors(server, page):
    page.goto(server)
    for label, name, marker in PAGES:
        show(page, label, marker)
        assert page.locator(".bk-Canvas, canvas, table, .tabulator").count() > 0 or name == "score"
        assert page.get_by_text("could not be built").count() == 0, f"page {label} failed to build"
        screenshot(page, name, docs=name in MAIN_SCREENSHOTS)
    assert page.problems == []


def _count(page, dimension: str) -> int:
    text = page.locator(f".xf-count-{dimension} .xf-total").first.inner_text()
    return int(re.sub(r"\D", "", text))


def test_selection_in_one_view_filters_the_others_and_reset_restores(server, page, browser):
    open_page(page, server, "Audience explorer", "Reset all filters")
    before = _count(page, "local_weekday")
    # A second browser session, open at the same time, keeps its own filters.
    other_context = browser.new_context(viewport={"width": 1200, "height": 900})
    other = other_context.new_page()
    open_page(other, server, "Audience explorer", "Reset all filters")
    segment_before = _count(page, "segment")
    page.locator(".xf-widget-segment").get_by_role("button", name="3", exact=True).click()
    for _ in range(50):
        if _count(page, "local_weekday") != before:
            break
        page.wait_for_timeout(200)
    after = _count(page, "local_weekday")
    assert 0 < after < before
    assert _count(page, "segment") == segment_before  # a view is not filtered by its own selection
    page.locator(".xf-summary", has_text="Segment: 3").wait_for(timeout=10_000)
    assert _count(other, "local_weekday") == before
    other_context.close()
    page.wait_for_timeout(1500)  # the charts redraw after the counts
    screenshot(page, "explorer-selected")
    page.get_by_role("button", name="Reset all filters").click()
    for _ in range(50):
        if _count(page, "local_weekday") == before:
            break
        page.wait_for_timeout(200)
    assert _count(page, "local_weekday") == before
    assert page.problems == []


def test_tapping_a_bar_filters_the_other_views(server, page):
    open_page(page, server, "Audience explorer", "Reset all filters")
    before = _count(page, "local_weekday")
    canvas = page.locator(".xf-view-cluster canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # Bar positions depend on the data and the axis width: tap along the foot of the bars,
    # just above the x axis, until a tap lands on one.
    for fraction in (0.44, 0.3, 0.55, 0.66, 0.78, 0.9, 0.2):
        page.mouse.click(box["x"] + fraction * box["width"], box["y"] + 0.8 * box["height"])
        for _ in range(15):
            if _count(page, "local_weekday") != before:
                break
            page.wait_for_timeout(200)
        if _count(page, "local_weekday") != before:
            break
    screenshot(page, "explorer-tapped", docs=True)
    assert 0 < _count(page, "local_weekday") < before
    page.locator(".xf-summary", has_text="Cluster: ").wait_for(timeout=10_000)
    assert page.problems == []


def test_clicking_a_prediction_row_shows_its_waterfall(server, page):
    open_page(page, server, "Predictions and quality", "click a row to see its SHAP waterfall")
    assert page.locator(".waterfall").count() == 0
    page.locator(
        '.scored-rows .tabulator-row .tabulator-cell[tabulator-field="event_id"]'
    ).first.click()
    page.locator(".waterfall").first.wait_for(timeout=20_000)
    page.get_by_text(re.compile(r"Why event \d+ scores")).first.wait_for(timeout=20_000)
    page.locator(".waterfall").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    screenshot(page, "predictions-waterfall", docs=True)
    assert page.problems == []


def test_score_a_file_and_download_the_report(server, page, tmp_path):
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


def test_report_opens_offline_and_shows_charts(server, browser, tmp_path, ui_warehouse):
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
