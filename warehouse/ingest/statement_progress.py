"""A live bar for long DuckDB statements (stderr, via tqdm; nothing when disabled)."""

from __future__ import annotations

import threading

import duckdb
from tqdm.auto import tqdm


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list | None = None,
    *,
    desc: str = "",
    enabled: bool = False,
) -> list[tuple]:
    """con.execute(sql, params).fetchall(), with DuckDB's own progress estimate when `enabled`."""
    if not enabled:
        return con.execute(sql, params or []).fetchall()
    con.execute("set enable_progress_bar = true")
    con.execute("set enable_progress_bar_print = false")
    done = threading.Event()
    bar = tqdm(
        total=100,
        desc=desc,
        unit="%",
        leave=False,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}",
    )

    def poll() -> None:
        while not done.wait(0.5):
            value = con.query_progress()
            if value >= 0:
                bar.update(max(0.0, min(value, 100.0) - bar.n))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        done.set()
        watcher.join()
        bar.close()
        con.execute("reset enable_progress_bar")
        con.execute("reset enable_progress_bar_print")
