"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from portrait.demo_data import build_demo_warehouse
from warehouse.db import connect

DEMO_EVENTS = 60_000
DEMO_USERS = 3_000
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory):
    """Path of a small demo warehouse (raw, ref and oracle tables loaded), built once per run.

    Tests must not write to it; copy it first (see `demo_warehouse_copy`).
    """
    path = tmp_path_factory.mktemp("demo") / "portrait.duckdb"
    con = connect(path)
    build_demo_warehouse(con, DEMO_EVENTS, DEMO_USERS, DEMO_SEED)
    con.close()
    return path


@pytest.fixture
def demo_warehouse_copy(demo_warehouse, tmp_path):
    """A private copy of the demo warehouse that a test may change."""
    copy = tmp_path / "portrait.duckdb"
    copy.write_bytes(demo_warehouse.read_bytes())
    return copy
