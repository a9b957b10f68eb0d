"""Fixtures of the modeling tests: the suite's one fitted demo segment model."""

from __future__ import annotations

import pytest

from warehouse.db import connect


@pytest.fixture(scope="session")
def trained(trained_segment):
    """The suite's one fitted demo segment model (tests/conftest.py)."""
    return trained_segment


@pytest.fixture
def con(trained):
    """A connection to the trained warehouse (tests must not write to it)."""
    con = connect(trained[0])
    yield con
    con.close()
