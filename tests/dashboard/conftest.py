"""Fixtures of the dashboard tests: a small fixture warehouse and its serving snapshot."""

from __future__ import annotations

from pathlib import Path

import fixture_warehouse
import pytest


@pytest.fixture(scope="session")
def serving_path(tmp_path_factory) -> Path:
    """Serving snapshot of the fixture warehouse (the warehouse is next to it)."""
    return fixture_warehouse.build(tmp_path_factory.mktemp("dash") / "portrait.duckdb")


@pytest.fixture()
def store(serving_path):
    from dashboard.serving import ServingDB
    from dashboard.store import DataStore

    return DataStore(ServingDB(serving_path))
