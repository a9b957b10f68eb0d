"""A real `panel serve` of the dashboard on a local port, and the Chromium it is driven with.

Shared by the browser tests (conftest.py) and measure_waterfall.py. A module of its own
name: `conftest` names two modules when tests/ui and tests/dashboard run together.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def start_dashboard(
    warehouse: Path, port: int, output, python_path: list[Path]
) -> tuple[subprocess.Popen, str]:
    """Serve dashboard/app.py over `warehouse` (its snapshot); the process and the app URL.

    Returns once the app answers; raises RuntimeError when the server exits or does not
    answer within a minute (the process is then stopped). `output` takes its log.
    """
    env = {
        **os.environ,
        "PORTRAIT_DB": str(warehouse),
        "PYTHONPATH": os.pathsep.join(str(p) for p in python_path),
    }
    process = subprocess.Popen(  # noqa: S603 - our own app on a local port
        [
            sys.executable,
            "-m",
            "panel",
            "serve",
            "dashboard/app.py",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            f"--allow-websocket-origin=127.0.0.1:{port}",
            "--num-procs",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/app"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("panel serve exited")
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - local test server
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("panel serve did not start within a minute")
