"""The query runner: bound values, and table or column names only through quoted slots."""

from __future__ import annotations

import duckdb
import pytest

from queries import runner

ODD_TABLE = ("odd schema", 'it\'s "t"')


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute('create schema "odd schema"')
    con.execute('create table "odd schema"."it\'s ""t""" (v integer)')
    con.execute('insert into "odd schema"."it\'s ""t""" values (1), (2), (3)')
    con.execute("create table y (v integer)")
    return con


def test_a_slot_takes_a_quoted_qualified_name(con):
    assert runner.run(con, "table_row_count", identifiers={"table": ODD_TABLE}).item() == 3


def test_a_name_that_is_an_injection_is_only_a_missing_table(con):
    with pytest.raises(duckdb.CatalogException):
        runner.run(con, "table_row_count", identifiers={"table": ("main", "y; drop table y; --")})
    tables = con.execute("select count(*) from duckdb_tables() where table_name = 'y'")
    assert tables.fetchone() == (1,)


@pytest.mark.parametrize(
    ("identifiers", "error"),
    [
        ({}, ValueError),
        ({"table": ("main", "y"), "column": "v"}, ValueError),
        ({"table": ("main", "")}, ValueError),
        ({"table": 42}, TypeError),
    ],
)
def test_slots_that_do_not_match_the_file_raise(con, identifiers, error):
    with pytest.raises(error):
        runner.run(con, "table_row_count", identifiers=identifiers)


def test_values_travel_as_parameters(con):
    con.execute("create table main.events (user_id integer, event_time timestamp)")
    frame = runner.run(con, "table_column_names", {"schema_name": "main", "table_name": "events"})
    assert frame.get_column("column_name").to_list() == ["user_id", "event_time"]
