"""Identifier quoting: what comes out of warehouse.sql names exactly one object in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.sql import ident, literal, qualified, with_identifiers

AWKWARD_NAMES = [
    "plain",
    "Mixed Case",
    'a"b',
    '""',
    "a.b",
    "select",
    "регион",
    "城市 🙂",
    "it's",
    'x"; drop table y; --',
    "x'); drop table y; --",
]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("plain", '"plain"'),
        ('a"b', '"a""b"'),
        ('""', '""""""'),
        ("a.b", '"a.b"'),
        ("регион", '"регион"'),
        ('x"; drop table y; --', '"x""; drop table y; --"'),
    ],
)
def test_ident_doubles_embedded_quotes(name, quoted):
    assert ident(name) == quoted


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_an_awkward_name_is_one_harmless_column(name):
    con = duckdb.connect()
    con.execute("create table y (v integer)")
    con.execute(f"create table t ({ident(name)} integer)")
    con.execute(f"insert into t ({ident(name)}) values (7)")
    assert con.execute(f"select {ident(name)} from t").fetchall() == [(7,)]
    columns = con.execute("select column_name from duckdb_columns() where table_name = 't'")
    assert columns.fetchall() == [(name,)]
    assert con.execute(
        "select count(*) from duckdb_tables() where table_name = 'y'"
    ).fetchone() == (1,)


@pytest.mark.parametrize(
    ("bad", "error"),
    [("", ValueError), ("a\x00b", ValueError), (None, TypeError), (3, TypeError)],
)
def test_ident_rejects_what_is_not_a_name(bad, error):
    with pytest.raises(error):
        ident(bad)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("raw.ad_events", '"raw"."ad_events"'),
        ("ref.Регионы", '"ref"."Регионы"'),
        ('s.a"b', '"s"."a""b"'),
        ("db.schema.table", '"db"."schema"."table"'),
        (("ref", "a.b"), '"ref"."a.b"'),
        (("db", "s", "t", "c"), '"db"."s"."t"."c"'),
    ],
)
def test_qualified_quotes_each_part(name, quoted):
    assert qualified(name) == quoted


@pytest.mark.parametrize("bad", ["ad_events", "raw.", ".t", "a..b", ("raw", ""), ()])
def test_qualified_names_the_bad_input(bad):
    with pytest.raises((ValueError, TypeError), match="qualified name"):
        qualified(bad)


@pytest.mark.parametrize("text", ["plain", "it's", "'; drop table y; --", "{'a': 1}"])
def test_literal_round_trips(text):
    assert duckdb.connect().execute(f"select {literal(text)}").fetchone() == (text,)


@pytest.mark.parametrize(
    ("template", "identifiers", "filled"),
    [
        ("select {col} from t", {"col": "a"}, 'select "a" from t'),
        ("select {col} from {table}", {"col": "a", "table": ("s", "t")}, 'select "a" from "s"."t"'),
        ("select {col}, {col} from t", {"col": 'a"b'}, 'select "a""b", "a""b" from t'),
        ("select {'k': {col}} from t", {"col": "a"}, "select {'k': \"a\"} from t"),
        ("select {a} from t", {"a": "{b}"}, 'select "{b}" from t'),
        (
            "select {col} from t",
            {"col": 'x"; drop table y; --'},
            'select "x""; drop table y; --" from t',
        ),
    ],
)
def test_with_identifiers_fills_slots_with_quoted_names(template, identifiers, filled):
    assert with_identifiers(template, **identifiers) == filled


def test_with_identifiers_takes_allowed_words_as_they_are():
    filled = with_identifiers("select {amount} from t", allowed=("null",), amount="null")
    assert filled == "select null from t"
    assert with_identifiers("select {amount} from t", amount="null") == 'select "null" from t'


@pytest.mark.parametrize(
    ("template", "identifiers", "error", "message"),
    [
        ("select {col} from t", {}, ValueError, "not filled.*col"),
        ("select a from t", {"col": "a"}, ValueError, "no slots named.*col"),
        ("select {col} from {table}", {"col": "a"}, ValueError, "not filled.*table"),
        ("select {col} from t", {"col": ""}, ValueError, "empty"),
        ("select {col} from t", {"col": "a\x00"}, ValueError, "NUL"),
        ("select {col} from t", {"col": None}, TypeError, "string"),
        ("select {col} from t", {"col": 1}, TypeError, "string"),
        ("select * from {table}", {"table": ()}, TypeError, "qualified name"),
    ],
)
def test_with_identifiers_refuses_what_it_cannot_quote(template, identifiers, error, message):
    with pytest.raises(error, match=message):
        with_identifiers(template, **identifiers)


def test_an_injection_through_a_slot_names_one_missing_column():
    con = duckdb.connect()
    con.execute("create table y (v integer)")
    con.execute("create table t (a integer)")
    sql = with_identifiers("select {col} from t", col="a from t; drop table y; --")
    with pytest.raises(duckdb.BinderException, match="a from t; drop table y; --"):
        con.execute(sql)
    assert con.execute("select count(*) from y").fetchone() == (0,)


def test_a_composed_fragment_goes_in_as_it_is_and_a_plain_string_is_quoted():
    from warehouse.sql import Fragment

    template = "select * from t where {where} group by {column}"
    filled = with_identifiers(template, where=Fragment("a = $a and b in ($b0)"), column="b")
    assert filled == 'select * from t where a = $a and b in ($b0) group by "b"'
    assert with_identifiers("where {where}", where="a = 1") == 'where "a = 1"'
