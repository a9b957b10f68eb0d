"""Small composable filters that turn into SQL where clauses with bound parameters.

Column names come only from an allow-list (ALLOWED_COLUMNS); values always travel as
parameters. A selection on any chart or widget becomes one of these objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Every column a filter may name: the audience explorer's dimensions, which both
# marts.audience_cube and marts.shap_cube carry.
DIMENSIONS: dict[str, str] = {
    "local_hour": "Local hour",
    "local_weekday": "Weekday",
    "region_group": "Region",
    "gamecategory": "App category",
    "bundle_group": "Bundle",
    "segment": "Segment",
    "predicted_segment": "Predicted segment",
    "cluster": "Cluster",
}
NUMERIC_DIMENSIONS = frozenset({"local_hour", "local_weekday"})
ALLOWED_COLUMNS = frozenset(DIMENSIONS)
# Two-dimensional views: name -> (first, second) numeric cube columns. A lasso on such a
# view picks cells, i.e. pairs of values, which no per-column filter can express.
GRIDS: dict[str, tuple[str, str]] = {"hour_weekday": ("local_hour", "local_weekday")}
GRID_LABELS: dict[str, str] = {"hour_weekday": "Hour × weekday"}
# A cell travels as first * PAIR_BASE + second: one integer, so a cell list is one IN list.
PAIR_BASE = 256


def _check_column(column: str) -> str:
    if column not in ALLOWED_COLUMNS:
        raise ValueError(f"column {column!r} is not filterable; allowed: {sorted(ALLOWED_COLUMNS)}")
    return column


def _coded(flt: InFilter | RangeFilter, dictionary) -> InFilter | None:
    codes = tuple(code for value, code in dictionary[flt.column] if flt.matches(value))
    return InFilter(flt.column, codes) if codes else None


@dataclass(frozen=True)
class InFilter:
    """column in (v1, v2, ...)."""

    column: str
    values: tuple

    def __post_init__(self) -> None:
        _check_column(self.column)
        if not self.values:
            raise ValueError(f"filter on {self.column} has no values")

    def to_sql(self, prefix: str) -> tuple[str, dict[str, Any]]:
        names = [f"{prefix}_{i}" for i in range(len(self.values))]
        clause = f"{self.column} in ({', '.join('$' + n for n in names)})"
        return clause, dict(zip(names, self.values, strict=True))

    def matches(self, value) -> bool:
        return value in self.values

    def coded(self, dictionary: Mapping[str, list[tuple[Any, int]]]) -> InFilter | None:
        """The same filter on codes (dictionary: column -> [(value, code)]); None if nothing matches."""
        return _coded(self, dictionary)

    def describe(self) -> str:
        shown = ", ".join(str(v) for v in self.values[:6])
        more = f" (+{len(self.values) - 6})" if len(self.values) > 6 else ""
        return f"{DIMENSIONS[self.column]}: {shown}{more}"


@dataclass(frozen=True)
class RangeFilter:
    """low <= column <= high (both inclusive)."""

    column: str
    low: float
    high: float

    def __post_init__(self) -> None:
        _check_column(self.column)
        if self.low > self.high:
            raise ValueError(f"filter on {self.column}: low {self.low} is above high {self.high}")

    def to_sql(self, prefix: str) -> tuple[str, dict[str, Any]]:
        return (
            f"{self.column} between ${prefix}_lo and ${prefix}_hi",
            {f"{prefix}_lo": self.low, f"{prefix}_hi": self.high},
        )

    def matches(self, value) -> bool:
        return self.low <= float(value) <= self.high

    def coded(self, dictionary: Mapping[str, list[tuple[Any, int]]]) -> InFilter | None:
        """The same filter on codes: the codes of the values in the range."""
        return _coded(self, dictionary)

    def describe(self) -> str:
        return f"{DIMENSIONS[self.column]}: {self.low:g}–{self.high:g}"


@dataclass(frozen=True)
class PairFilter:
    """(first, second) is one of the chosen cells of a grid view, e.g. (hour, weekday)."""

    view: str
    pairs: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if self.view not in GRIDS:
            raise ValueError(f"{self.view!r} is not a grid view; known: {sorted(GRIDS)}")
        if not self.pairs:
            raise ValueError(f"filter on {self.view} has no cells")
        for pair in self.pairs:
            if len(pair) != 2 or not all(0 <= int(v) < PAIR_BASE for v in pair):
                raise ValueError(f"cell {pair!r} of {self.view} is not two values in 0..255")

    @property
    def columns(self) -> tuple[str, str]:
        return GRIDS[self.view]

    def to_sql(self, prefix: str) -> tuple[str, dict[str, Any]]:
        first, second = (_check_column(c) for c in self.columns)
        names = [f"{prefix}_{i}" for i in range(len(self.pairs))]
        clause = (
            f"({first}::integer * {PAIR_BASE} + {second}) in ({', '.join('$' + n for n in names)})"
        )
        keys = [int(a) * PAIR_BASE + int(b) for a, b in self.pairs]
        return clause, dict(zip(names, keys, strict=True))

    def matches(self, value) -> bool:
        return tuple(int(v) for v in value) in self.pairs

    def coded(self, dictionary: Mapping[str, list[tuple[Any, int]]]) -> PairFilter | None:
        """The same cells as pairs of codes."""
        first, second = (dictionary[c] for c in self.columns)
        pairs = tuple((ca, cb) for a, ca in first for b, cb in second if self.matches((a, b)))
        return PairFilter(self.view, pairs) if pairs else None

    def describe(self) -> str:
        return f"{GRID_LABELS[self.view]}: {len(self.pairs)} cells"


Filter = InFilter | RangeFilter | PairFilter


def make_filter(column: str, selection: Iterable | tuple[float, float] | None) -> Filter | None:
    """A filter from a widget or chart selection; None when nothing is selected."""
    if selection is None:
        return None
    if column in GRIDS:
        pairs = tuple(sorted({(int(a), int(b)) for a, b in selection}))
        return PairFilter(column, pairs) if pairs else None
    if isinstance(selection, tuple) and len(selection) == 2 and column in NUMERIC_DIMENSIONS:
        low, high = selection
        return RangeFilter(column, float(low), float(high))
    values = tuple(selection)
    if not values:
        return None
    if column in NUMERIC_DIMENSIONS:
        values = tuple(int(v) for v in values)
    else:
        values = tuple(str(v) for v in values)
    return InFilter(column, tuple(sorted(set(values))))


def where_clause(
    filters: Mapping[str, Filter], exclude: str | None = None, prefix: str = "f"
) -> tuple[str, dict[str, Any]]:
    """AND of all filters except the one on `exclude` (classic cross-filter).

    `prefix` keeps parameter names apart when several clauses share one statement.
    """
    clauses, params = [], {}
    for i, (column, flt) in enumerate(sorted(filters.items())):
        if column == exclude:
            continue
        clause, values = flt.to_sql(f"{prefix}{i}")
        clauses.append(clause)
        params.update(values)
    return (" and ".join(clauses) if clauses else "true"), params
