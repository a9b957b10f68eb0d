"""Run one measurement in a fresh process, so its peak memory is its own.

DuckDB and CatBoost allocate natively, where tracemalloc cannot see; the peak resident
size of a process that ran nothing else is the honest figure.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import traceback
from collections.abc import Callable


def _child(function: Callable[..., dict], args: tuple, queue) -> None:
    try:
        result = function(*args)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except BaseException:  # the parent must hear of it, not wait forever
        result = {"error": traceback.format_exc()}
    queue.put(result)


def run_isolated(function: Callable[..., dict], *args) -> dict:
    """function(*args) in a spawned process; its dict result gains `peak_mb`."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(function, args, queue))
    process.start()
    result = queue.get()
    process.join()
    if "error" in result:
        raise RuntimeError(f"{function.__name__} failed:\n{result['error']}")
    return result
