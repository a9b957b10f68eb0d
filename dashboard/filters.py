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


def _check_column(column: str) -> str:
    if column not in ALLOWED_COLUMNS:
        raise ValueError(f"column {column!r} is not filterable; allowed: {sorted(ALLOWED_COLUMNS)}")
    return column


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

    def describe(self) -> str:
        return f"{DIMENSIONS[self.column]}: {self.low:g}–{self.high:g}"


Filter = InFilter | RangeFilter


def make_filter(column: str, selection: Iterable | tuple[float, float] | None) -> Filter | None:
    """A filter from a widget or chart selection; None when nothing is selected."""
    if selection is None:
        return None
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
