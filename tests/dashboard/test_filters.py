import pytest

from dashboard.filters import InFilter, PairFilter, RangeFilter, make_filter, where_clause


@pytest.mark.parametrize(
    ("flt", "clause", "params"),
    [
        (InFilter("segment", ("3",)), "segment in ($p_0)", {"p_0": "3"}),
        (InFilter("cluster", ("1", "2")), "cluster in ($p_0, $p_1)", {"p_0": "1", "p_1": "2"}),
        (
            RangeFilter("local_hour", 6, 11),
            "local_hour between $p_lo and $p_hi",
            {"p_lo": 6, "p_hi": 11},
        ),
        (
            PairFilter("hour_weekday", ((8, 1), (20, 6))),
            "(local_hour::integer * 256 + local_weekday) in ($p_0, $p_1)",
            {"p_0": 8 * 256 + 1, "p_1": 20 * 256 + 6},
        ),
    ],
)
def test_filters_render_bound_sql(flt, clause, params):
    assert flt.to_sql("p") == (clause, params)


@pytest.mark.parametrize(
    "build",
    [
        lambda: InFilter("segment; drop table x", ("1",)),
        lambda: InFilter("event_id", (1,)),
        lambda: RangeFilter("local_hour", 9, 3),
        lambda: InFilter("segment", ()),
        lambda: PairFilter("segment", ((1, 1),)),
        lambda: PairFilter("hour_weekday", ()),
        lambda: PairFilter("hour_weekday", ((300, 1),)),
    ],
)
def test_bad_filters_are_refused(build):
    with pytest.raises(ValueError):
        build()


@pytest.mark.parametrize(
    ("column", "selection", "expected"),
    [
        ("segment", ["3", "1", "3"], InFilter("segment", ("1", "3"))),
        ("local_weekday", ["6", 7], InFilter("local_weekday", (6, 7))),
        ("local_hour", (6, 11), RangeFilter("local_hour", 6.0, 11.0)),
        ("cluster", [], None),
        ("cluster", None, None),
        (
            "hour_weekday",
            [(20, 6), ("8", 1), (20, 6)],
            PairFilter("hour_weekday", ((8, 1), (20, 6))),
        ),
        ("hour_weekday", [], None),
    ],
)
def test_make_filter_from_selections(column, selection, expected):
    assert make_filter(column, selection) == expected


def test_where_clause_leaves_out_the_excluded_dimension():
    filters = {"segment": InFilter("segment", ("3",)), "cluster": InFilter("cluster", ("1",))}
    clause, params = where_clause(filters, exclude="segment")
    assert "segment" not in clause and "cluster in" in clause
    assert list(params.values()) == ["1"]
    assert where_clause({}) == ("true", {})
    full, full_params = where_clause(filters)
    assert " and " in full and sorted(full_params.values()) == ["1", "3"]


def test_filters_turn_into_the_same_filter_on_codes():
    dictionary = {
        "local_hour": [(h, h) for h in range(24)],
        "local_weekday": [(d, d - 1) for d in range(1, 8)],
        "segment": [("1", 0), ("3", 2), ("unlabeled", 5)],
    }
    assert InFilter("segment", ("3", "9")).coded(dictionary) == InFilter("segment", (2,))
    assert InFilter("segment", ("9",)).coded(dictionary) is None
    assert RangeFilter("local_hour", 22, 23).coded(dictionary) == InFilter("local_hour", (22, 23))
    cells = PairFilter("hour_weekday", ((8, 1), (20, 7)))
    assert cells.coded(dictionary) == PairFilter("hour_weekday", ((8, 0), (20, 6)))
    assert cells.describe() == "Hour × weekday: 2 cells"
