"""Build the demo warehouse: generate every contract's export, ingest it, load the oracles.

The generated files go through the same ingestion as a user's export, so the demo
exercises exactly the code a real load runs.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.demo.ads import write_ad_events
from warehouse.demo.oracle import load_oracles
from warehouse.demo.subscriptions import write_subscription_service
from warehouse.ingest import LoadResult, ingest_file
from warehouse.progress import Progress
from warehouse.reference import load_reference

log = logging.getLogger(__name__)

# Large enough for the segment model to come within 0.02 ROC-AUC of the oracle on every
# segment (the rarest needs about a million events), small enough for `portrait demo` to
# finish within five minutes on two cores.
DEFAULT_EVENTS = 1_000_000
DEFAULT_USERS = 20_000
DEFAULT_SEED = 42


@dataclass
class DemoFiles:
    """Where the generated exports and the oracles were written."""

    by_contract: dict[str, list[Path]] = field(default_factory=dict)
    segment_oracle: Path | None = None
    churn_oracle: Path | None = None


def write_demo_files(
    out_dir: Path,
    events: int,
    users: int,
    seed: int,
    fmt: str = "parquet",
    progress: Progress | None = None,
) -> DemoFiles:
    """Write the demo exports of every contract into out_dir; `progress` hears the rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles()
    if events > 0:
        ad_files, files.segment_oracle = write_ad_events(
            out_dir, events, seed=seed, fmt=fmt, progress=progress
        )
        files.by_contract["ad_events"] = list(ad_files)
    if users > 0:
        service_files, files.churn_oracle = write_subscription_service(
            out_dir, users, seed=seed, fmt=fmt, progress=progress
        )
        for contract, path in service_files.items():
            files.by_contract[contract] = [path]
    return files


def load_demo_files(
    con: duckdb.DuckDBPyConnection, files: DemoFiles, progress: Progress | None = None
) -> list[LoadResult]:
    """Ingest the demo exports (a file already loaded is skipped) and replace the oracles."""
    load_reference(con)
    results = []
    for contract, paths in files.by_contract.items():
        for path in paths:
            results.append(ingest_file(con, path, contract=contract, progress=progress))
    load_oracles(con, files.segment_oracle, files.churn_oracle)
    return results


def build_demo_warehouse(
    con: duckdb.DuckDBPyConnection,
    events: int = DEFAULT_EVENTS,
    users: int = DEFAULT_USERS,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Generate the demo data into a temporary folder and load it into the warehouse."""
    with tempfile.TemporaryDirectory(prefix="portrait-demo-") as folder:
        files = write_demo_files(Path(folder), events, users, seed, "parquet", progress)
        return load_demo_files(con, files, progress)
