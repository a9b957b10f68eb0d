"""A real `panel serve` of the dashboard over a small fixture warehouse, and headless Chromium.

Screenshots go to pytest's temporary folder, so a test run changes no tracked file. To
refresh the README's screenshots in docs/screenshots, ask for it explicitly:

    PORTRAIT_SCREENSHOTS=docs/screenshots python -m pytest tests/ui -p no:cacheprovider

(a relative folder is taken from the repository root); only the screenshots the tests
mark for the docs are copied there.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest
from ui_server import CHROMIUM, CHROMIUM_ARGS, ROOT, start_dashboard

FIXTURES = ROOT / "tests" / "dashboard"
SCREENSHOTS_ENV = "PORTRAIT_SCREENSHOTS"
sys.path.insert(0, str(FIXTURES))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def ui_warehouse(tmp_path_factory, trained_segment) -> Path:
    """Serving snapshot of the demo warehouse with the real segment model trained and
    scored, plus fixture cluster and churn marts (main file next to it)."""
    import fixture_warehouse

    path = tmp_path_factory.mktemp("ui") / "portrait.duckdb"
    path.write_bytes(trained_segment[0].read_bytes())
    return fixture_warehouse.build_on_demo(path)


@pytest.fixture(scope="session")
def server(ui_warehouse) -> str:
    log_path = ui_warehouse.with_name("panel.log")
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    try:
        process, url = start_dashboard(
            ui_warehouse.with_name("portrait.duckdb"), _free_port(), log, [ROOT, FIXTURES]
        )
    except RuntimeError as error:
        log.close()
        pytest.fail(f"{error}: " + log_path.read_text()[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh page that records console errors and failed requests in page.problems."""
    context = browser.new_context(viewport={"width": 1440, "height": 1600})
    page = context.new_page()
    page.problems = []
    page.on(
        "console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}")
    )
    page.on("pageerror", lambda error: page.problems.append(f"pageerror: {error}"))
    yield page
    context.close()


def docs_screenshots() -> Path | None:
    """The folder named by $PORTRAIT_SCREENSHOTS (relative to the repository), if set."""
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return None
    folder = Path(chosen)
    return folder if folder.is_absolute() else ROOT / folder


@pytest.fixture(scope="session")
def screenshot_folder(tmp_path_factory) -> Path:
    """Where every screenshot of the run is saved (pytest's temporary folder)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture()
def screenshot(screenshot_folder):
    """save(page, name, docs=False): a full-page screenshot in the run's temporary folder;
    with docs, also copied to $PORTRAIT_SCREENSHOTS when that is set (see the module doc).

    A fixture rather than a function: a test module importing `conftest` by name would get
    tests/dashboard/conftest.py when both folders are collected in one run."""

    def save(page, name: str, docs: bool = False) -> Path:
        path = screenshot_folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        target = docs_screenshots()
        if docs and target is not None:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
        return path

    return save
