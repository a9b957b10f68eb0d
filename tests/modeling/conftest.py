"""Fixtures of the modeling tests: the suite's one fitted demo segment model."""

from __future__ import annotations

import pytest

from warehouse.db import connect


@pytest.fixture(scope="session")
def trained(trained_segment):
    """The suite's one fitted demo segment model (tests/conftest.py)."""
    return trained_segment


@pytest.fixture
def con(trained, tmp_path):
    """A connection to a private copy of the shared trained warehouse: tests score and
    train there without changing what every other test reads."""
    path = tmp_path / "portrait.duckdb"
    path.write_bytes(trained[0].read_bytes())
    con = connect(path)
    yield con
    con.close()
