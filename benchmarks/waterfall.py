"""Click -> SHAP waterfall time in a real browser (a measurement, not a test).

Serves the dashboard over a warehouse's serving snapshot, opens the predictions page in
headless Chromium and clicks scored rows: rows outside the stored SHAP sample (explained
now from the stored model) and, as the baseline of the same run, rows of the stored
sample. The time runs from just before the click to the moment the clicked event's
waterfall title and chart are in the page, read in the page itself.

    .venv/bin/python benchmarks/waterfall.py --db /path/portrait.duckdb --clicks 10

It drives the same server and browser as the browser tests (tests/ui/ui_server.py).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ui"))
from ui_server import CHROMIUM, CHROMIUM_ARGS, ROOT, start_dashboard  # noqa: E402

# True once the clicked event's waterfall title and its canvas exist; Panel renders
# inside shadow roots, so the search walks them.
DRAWN = """(id) => {
  const deep = (root, sel, out) => { root.querySelectorAll(sel).forEach(e => out.push(e));
    root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) deep(e.shadowRoot, sel, out); });
    return out; };
  const text = (e) => (e.textContent || '') + (e.shadowRoot ? e.shadowRoot.textContent : '');
  const wanted = 'Why event ' + id + ' ';
  const chart = deep(document, '.waterfall', []).find(
    w => deep(w.shadowRoot || w, '.waterfall-title', []).some(e => text(e).includes(wanted)));
  if (!chart || !deep(chart.shadowRoot || chart, 'canvas', []).length) return false;
  return performance.now() - window.__clicked;
}"""


def click_rows(page: Page, in_sample: bool, clicks: int) -> list[float]:
    """Milliseconds from click to drawn waterfall, for `clicks` + 1 rows (the first is apart)."""
    flag = "true" if in_sample else "false"
    times: list[float] = []
    for _ in range(200):  # table pages
        rows = page.locator(
            ".scored-rows .tabulator-row",
            has=page.locator('.tabulator-cell[tabulator-field="explained"]', has_text=flag),
        )
        for i in range(rows.count()):
            if len(times) > clicks:
                return times
            cell = rows.nth(i).locator('.tabulator-cell[tabulator-field="event_id"]')
            event_id = re.sub(r"\D", "", cell.inner_text())
            cell.scroll_into_view_if_needed()
            page.evaluate("() => { window.__clicked = performance.now(); }")
            cell.click()
            drawn = page.wait_for_function(DRAWN, arg=event_id, polling="raf", timeout=60_000)
            times.append(float(drawn.json_value()))
            page.wait_for_timeout(300)
        page.locator(".scored-rows .tabulator-page[data-page='next']").first.click()
        page.wait_for_timeout(500)
    return times


def open_predictions(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_text("Data published").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Predictions and quality", exact=True).click()
    page.get_by_text("click a row to see its SHAP waterfall").first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # the table and charts settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="Warehouse (snapshot next to it).")
    parser.add_argument("--clicks", type=int, default=10, help="Clicks of each kind.")
    parser.add_argument("--port", type=int, default=5890)
    args = parser.parse_args()
    server, url = start_dashboard(args.db.resolve(), args.port, subprocess.DEVNULL, [ROOT])
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1600})
            open_predictions(page, url)
            on_demand = click_rows(page, in_sample=False, clicks=args.clicks)
            open_predictions(page, url)  # a new session: nothing cached in it
            stored = click_rows(page, in_sample=True, clicks=args.clicks)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    on_median, stored_median = statistics.median(on_demand[1:]), statistics.median(stored[1:])
    print(f"first click of the session, outside the sample: {on_demand[0]:.0f} ms")
    print(
        f"outside the SHAP sample (explained now): median {on_median:.0f} ms "
        f"over {len(on_demand) - 1} clicks (min {min(on_demand[1:]):.0f}, "
        f"max {max(on_demand[1:]):.0f})"
    )
    print(
        f"in the stored SHAP sample (baseline):    median {stored_median:.0f} ms "
        f"over {len(stored) - 1} clicks"
    )
    print(f"ratio on demand / stored: {on_median / stored_median:.2f}")


if __name__ == "__main__":
    main()
