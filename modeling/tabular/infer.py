"""Column roles of an arbitrary labeled table: id, numeric, categorical, text, or left out.

Exports arrive as text more often than not: a string column whose non-blank values
(nearly) all parse as numbers is numeric, blanks becoming missing. Identifiers never
become features: the --id column, lineage columns, and any column that is unique on
every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

LINEAGE = ("load_id", "source_line")
NUMERIC_SHARE = 0.95  # non-blank values that must parse for a text column to be numeric
TEXT_MIN_WORDS = 3.0  # mean words per value for a string column to be free text
MAX_CLASSES = 50


@dataclass
class ColumnRoles:
    """Which column plays which part, and why the others are left out."""

    target: str
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    coerced: list[str] = field(default_factory=list)  # text columns read as numbers
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.text]


def _blank_to_null(column: pl.Series) -> pl.Series:
    stripped = column.str.strip_chars()
    return stripped.set(stripped == "", None)


def as_number(column: pl.Series) -> pl.Series:
    """A text column read as numbers: blanks and unparsable values become missing."""
    text = _blank_to_null(column).str.replace_all(r"\s", "").str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def infer_roles(
    frame: pl.DataFrame, target: str, id_column: str | None = None, time_column: str | None = None
) -> ColumnRoles:
    """Assign every column of `frame` a role (see the module docstring)."""
    for name, what in ((target, "target"), (id_column, "id"), (time_column, "time")):
        if name is not None and name not in frame.columns:
            raise ValueError(f"no {what} column {name!r}; the table has {', '.join(frame.columns)}")
    roles = ColumnRoles(target=target)
    for name in frame.columns:
        if name == target:
            continue
        column = frame.get_column(name)
        if name == id_column:
            roles.left_out[name] = "identifier (--id)"
        elif name == time_column:
            roles.left_out[name] = "time column (--time): used to split, not as a feature"
        elif name in LINEAGE:
            roles.left_out[name] = "lineage column added by ingestion"
        elif column.null_count() == len(column) or column.n_unique() <= 1:
            roles.left_out[name] = "constant or empty"
        elif column.dtype == pl.Boolean or column.dtype.is_numeric():
            if column.dtype.is_integer() and _is_identifier(column, name):
                roles.left_out[name] = "identifier (unique on every row)"
            else:
                roles.numeric.append(name)
        elif column.dtype.is_temporal():
            roles.left_out[name] = "date or time (give it as --time to split on it)"
        elif column.dtype in (pl.String, pl.Categorical, pl.Enum):
            _string_role(roles, name, column.cast(pl.String))
        else:
            roles.left_out[name] = f"unsupported type {column.dtype}"
    return roles


def _is_identifier(column: pl.Series, name: str) -> bool:
    unique_everywhere = column.n_unique() == len(column) and len(column) > 20
    named_like_id = name.lower() == "id" or name.lower().endswith("_id")
    return unique_everywhere or (named_like_id and column.n_unique() > 0.9 * len(column))


def _string_role(roles: ColumnRoles, name: str, column: pl.Series) -> None:
    present = _blank_to_null(column).drop_nulls()
    if present.is_empty():
        roles.left_out[name] = "constant or empty"
        return
    parsed = as_number(present)
    if parsed.null_count() <= (1 - NUMERIC_SHARE) * len(present):
        roles.numeric.append(name)
        roles.coerced.append(name)
        return
    words = present.str.count_matches(r"\S+").mean() or 0.0
    if _is_identifier(column, name) and words < TEXT_MIN_WORDS:
        roles.left_out[name] = "identifier (unique on every row)"
    elif words >= TEXT_MIN_WORDS:
        roles.text.append(name)
    else:
        roles.categorical.append(name)


def check_target(frame: pl.DataFrame, target: str) -> list:
    """The target's classes (sorted); a clear error for one class or a continuous target."""
    values = frame.get_column(target).drop_nulls()
    if values.dtype == pl.String:
        values = _blank_to_null(values).drop_nulls()
    classes = values.unique().sort().to_list()
    if len(classes) < 2:
        shown = classes[0] if classes else "nothing"
        raise ValueError(f"target {target!r} has only one class ({shown}); nothing to learn")
    if len(classes) > MAX_CLASSES:
        raise ValueError(
            f"target {target!r} has {len(classes)} distinct values: a classifier needs a "
            f"binary or multiclass label (at most {MAX_CLASSES} classes)"
        )
    return classes
