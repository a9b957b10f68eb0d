"""A long DuckDB statement's progress, told in percent through a progress callback.

DuckDB estimates how far a running statement is (`query_progress()`); a thread polls
that estimate while the statement runs and reports it as `Step(message, done, 100, "%")`.
"""

from __future__ import annotations

import threading

import duckdb

from warehouse.progress import PERCENT, Progress, Step

POLL_SECONDS = 0.5


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list | None = None,
    *,
    message: str = "",
    progress: Progress | None = None,
) -> list[tuple]:
    """con.execute(sql, params).fetchall(), reporting DuckDB's estimate when given `progress`.

    The steps start at 0, never decrease (the estimate can), and end at 100 when the
    statement succeeds.
    """
    if progress is None:
        return con.execute(sql, params or []).fetchall()
    con.execute("set enable_progress_bar = true")
    con.execute("set enable_progress_bar_print = false")
    finished = threading.Event()
    reported = 0
    progress(Step(message, 0, 100, PERCENT))

    def poll() -> None:
        nonlocal reported
        while not finished.wait(POLL_SECONDS):
            value = int(min(con.query_progress(), 100.0))  # -1: no estimate yet
            if value > reported:
                reported = value
                progress(Step(message, value, 100, PERCENT))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        rows = con.execute(sql, params or []).fetchall()
    finally:
        finished.set()
        watcher.join()
        con.execute("reset enable_progress_bar")
        con.execute("reset enable_progress_bar_print")
    progress(Step(message, 100, 100, PERCENT))
    return rows
