"""From a contract and a file's columns to SQL: the column mapping, typed values and checks.

Each contract column becomes two expressions over the source row:

- its typed, canonical value (what lands in the raw table), and
- a CASE that is NULL when the value is fine, else "<reason>\\x1f<kind>": the reason
  names the column and the value ("created: 'notadate' is not a timestamp"); the kind
  drops the value so that reasons can be counted ("created: not a timestamp").

A row's reason is the first failing column's, in contract order. Everything runs as
one vectorised SQL expression; no Python touches a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warehouse.contracts import Column, Contract
from warehouse.sql import ident, literal

SEPARATOR = "chr(31)"  # between a reason and its kind
SHOWN_CHARS = 100  # how much of a bad value a reason quotes
INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip
NUMBER_TYPES = {"DOUBLE", "FLOAT", "REAL"}
BOOLEAN_TRUE = ("true", "1", "yes")
BOOLEAN_FALSE = ("false", "0", "no")
GENERATED_ID_FACTOR = 10_000_000_000  # generated id = load_id * factor + source line


@dataclass(frozen=True)
class ContractRules:
    """What a contract needs beyond its columns: canonical case and derived columns."""

    upper_case: tuple[str, ...] = ()
    # target column -> SQL built from the typed values of the contract columns
    derived: tuple[tuple[str, Callable[[dict[str, str]], str]], ...] = ()


def _shift_hours(typed: dict[str, str]) -> str:
    shift = typed["shift"]
    return f"case when {shift} = 'MSK' then 0 else try_cast(substr({shift}, 4) as tinyint) end"


RULES: dict[str, ContractRules] = {
    "ad_events": ContractRules(upper_case=("shift",), derived=(("shift_hours", _shift_hours),)),
}


@dataclass(frozen=True)
class Mapping:
    """Which source column feeds each contract column, and what is left over."""

    contract: Contract
    sources: dict[str, str | None]  # contract column -> source column, None when absent
    ignored: tuple[str, ...]  # source columns that feed nothing

    @property
    def generated(self) -> list[str]:
        return [c.name for c in self.contract.columns if c.generated and not self.sources[c.name]]

    def as_json(self) -> dict[str, str | None]:
        return {
            name: source or ("(generated)" if name in self.generated else None)
            for name, source in self.sources.items()
        }


def _match(name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    folded = [c for c in columns if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def map_columns(
    contract: Contract, columns: list[str], explicit: dict[str, str] | None, source: str
) -> Mapping:
    """Map the file's columns onto `contract`: `explicit` first, then same name ignoring case."""
    explicit = dict(explicit or {})
    names = contract.column_names
    unknown = [key for key in explicit if _match(key, names) is None]
    if unknown:
        raise ValueError(
            f"{source}: the mapping names {', '.join(unknown)}, which "
            f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of contract "
            f"{contract.name!r} (its columns: {', '.join(names)})"
        )
    sources: dict[str, str | None] = {}
    used: dict[str, str] = {}
    for key, wanted in explicit.items():
        target = _match(key, names)
        found = _match(wanted, columns)
        if found is None:
            raise ValueError(
                f"{source}: mapping {target}={wanted} names a column the file does not have; "
                f"the file has: {', '.join(columns)}"
            )
        if found in used:
            raise ValueError(
                f"{source}: column {found} is mapped to both {used[found]} and {target}"
            )
        sources[target] = found
        used[found] = target
    free = [c for c in columns if c not in used]
    for name in names:
        if name not in sources:
            found = _match(name, free)
            sources[name] = found
            if found is not None:
                used[found] = name
    missing = [name for name in contract.required if sources[name] is None]
    if missing:
        raise ValueError(
            f"{source}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} of contract {contract.name!r}; the file has columns: "
            f"{', '.join(columns)} (map them with --map contract_col=source_col)"
        )
    ordered = {name: sources[name] for name in names}
    return Mapping(contract, ordered, tuple(c for c in columns if c not in used))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _noun(kind: str) -> str:
    if kind in INTEGER_TYPES:
        return "an integer"
    if kind in NUMBER_TYPES or kind.startswith("DECIMAL"):
        return "a number"
    return {
        "TIMESTAMP": "a timestamp",
        "DATE": "a date",
        "BOOLEAN": "a boolean (true/false, 1/0, yes/no)",
    }.get(kind, f"a {kind} value")


def _fail(column: str, shown: str | None, problem: str, kind: str | None = None) -> str:
    """SQL for '<column>: <shown> <problem>' + separator + '<column>: <kind>'."""
    parts = [literal(f"{column}: ")]
    if shown is not None:
        parts += [shown, literal(" ")]
    kind = kind or problem.removeprefix("is ")
    parts += [literal(problem), SEPARATOR, literal(f"{column}: {kind}")]
    return f"concat({', '.join(parts)})"


@dataclass(frozen=True)
class ColumnSql:
    """The typed value and the check of one contract column fed by a source column."""

    name: str
    typed: str
    check: str  # CASE ... END, NULL when the value is fine


def column_sql(column: Column, source: str, source_type: str, upper: bool) -> ColumnSql:
    """Typed value and check for contract `column` read from `source` of DuckDB `source_type`."""
    s = ident(source)
    text = s if source_type == "VARCHAR" else f"cast({s} as varchar)"
    quoted = f"concat('''', left({text}, {SHOWN_CHARS}), '''')"
    bare = f"left({text}, {SHOWN_CHARS})"
    target = column.type.upper()
    name = column.name
    typed_ref = ident(f"__t_{name}")
    whens: list[tuple[str, str]] = []
    if column.required:
        whens.append((f"{s} is null", _fail(name, None, "required value is missing", "missing")))

    if target == "VARCHAR":
        value = text
        if column.allowed:
            value = f"lower({value})"
        elif upper:
            value = f"upper({value})"
    elif target == "BOOLEAN" and source_type == "VARCHAR":
        folded = f"lower(trim({s}))"
        value = (
            f"case when {folded} in ({', '.join(map(literal, BOOLEAN_TRUE))}) then true "
            f"when {folded} in ({', '.join(map(literal, BOOLEAN_FALSE))}) then false end"
        )
    else:
        value = f"try_cast({s} as {target})"

    if target != "VARCHAR":
        noun = _noun(target)
        not_type = _fail(name, quoted, f"is not {noun}", f"not {noun}")
        if target in INTEGER_TYPES or target in NUMBER_TYPES or target.startswith("DECIMAL"):
            # A number that does not fit the type: say which bound it breaks when there is one.
            wide = f"try_cast({s} as double)"
            branches = [f"when {wide} is null then {not_type}"]
            if column.maximum is not None:
                problem = f"is above the maximum {_number(column.maximum)}"
                branches.append(
                    f"when {wide} > {column.maximum!r} then {_fail(name, bare, problem)}"
                )
            if column.minimum is not None:
                problem = f"is below the minimum {_number(column.minimum)}"
                branches.append(
                    f"when {wide} < {column.minimum!r} then {_fail(name, bare, problem)}"
                )
            overflow = _fail(name, bare, f"is out of range for {target}")
            not_type = f"case {' '.join(branches)} else {overflow} end"
        whens.append((f"{s} is not null and {typed_ref} is null", not_type))
        if target in INTEGER_TYPES:
            if source_type == "VARCHAR":
                # A nested CASE keeps the cheap test first: the optimizer may reorder an AND.
                fractional = (
                    f"case when contains({s}, '.') or contains({s}, 'e') or contains({s}, 'E') "
                    f"then try_cast({s} as double) <> {typed_ref} else false end"
                )
            elif source_type in NUMBER_TYPES or source_type.startswith("DECIMAL"):
                fractional = f"{s} <> {typed_ref}"
            else:
                fractional = None
            if fractional:
                whens.append(
                    (fractional, _fail(name, quoted, "is not an integer", "not an integer"))
                )

    if column.allowed:
        allowed = [a.lower() for a in column.allowed]
        listed = ", ".join(allowed)
        condition = f"{typed_ref} not in ({', '.join(map(literal, allowed))})"
        whens.append(
            (condition, _fail(name, quoted, f"is not one of {listed}", f"not one of {listed}"))
        )
    if column.pattern:
        condition = f"not regexp_full_match({typed_ref}, {literal(column.pattern)})"
        problem = f"does not match {column.pattern}"
        whens.append((condition, _fail(name, quoted, problem)))
    if column.minimum is not None:
        problem = f"is below the minimum {_number(column.minimum)}"
        whens.append((f"{typed_ref} < {column.minimum!r}", _fail(name, bare, problem)))
    if column.maximum is not None:
        problem = f"is above the maximum {_number(column.maximum)}"
        whens.append((f"{typed_ref} > {column.maximum!r}", _fail(name, bare, problem)))

    check = "null"
    if whens:
        check = "case " + " ".join(f"when {c} then {r}" for c, r in whens) + " end"
    return ColumnSql(name, value, check)


@dataclass(frozen=True)
class RowSql:
    """SQL over one source row: the typed projection, the row check, and the target values."""

    typed_select: str  # select list: every source column plus "__t_<name>" typed values
    check: str  # NULL for a good row, else "<reason>\\x1f<kind>" of its first failing column
    targets: list[tuple[str, str]]  # (target column, value SQL over the typed projection)
    raw_text: str  # the row as delimited text, for quarantine


def raw_text_sql(columns: list[tuple[str, str]], delimiter: str) -> str:
    """Values joined by the delimiter, quoted where a value holds the delimiter, a quote or a newline."""
    sep = literal(delimiter)
    parts = []
    for name, kind in columns:
        v = ident(name) if kind == "VARCHAR" else f"cast({ident(name)} as varchar)"
        needs_quotes = f"contains({v}, {sep}) or contains({v}, '\"') or contains({v}, chr(10))"
        parts.append(
            f"coalesce(case when {needs_quotes} then concat('\"', replace({v}, '\"', '\"\"'), '\"') "
            f"else {v} end, '')"
        )
    return f"concat_ws({sep}, {', '.join(parts)})"


def row_sql(
    mapping: Mapping,
    source_types: dict[str, str],
    *,
    load_id: int,
    delimiter: str = ",",
    line_sql: str = "0",
) -> RowSql:
    """Everything the load needs to say about a row of this file under this mapping.

    `line_sql` is the row's line when the reader knows it (Parquet), else a placeholder
    that warehouse.ingest.lines replaces.
    """
    rules = RULES.get(mapping.contract.name, ContractRules())
    columns = [
        column_sql(column, source, source_types[source], column.name in rules.upper_case)
        for column in mapping.contract.columns
        if (source := mapping.sources[column.name]) is not None
    ]
    typed_select = ", ".join(
        [ident(name) for name in source_types]
        + [f"{c.typed} as {ident(f'__t_{c.name}')}" for c in columns]
    )
    checks = [c.check for c in columns if c.check != "null"]
    check = f"coalesce({', '.join(checks)})" if checks else "null::varchar"
    typed = {c.name: ident(f"__t_{c.name}") for c in columns}
    targets = []
    for column in mapping.contract.columns:
        if column.name in typed:
            targets.append((column.name, typed[column.name]))
        elif column.generated:
            value = f"({load_id * GENERATED_ID_FACTOR} + {line_sql})::{column.type}"
            targets.append((column.name, value))
        else:
            targets.append((column.name, f"null::{column.type}"))
    all_typed = {c.name: typed.get(c.name, "null") for c in mapping.contract.columns}
    targets += [(name, build(all_typed)) for name, build in rules.derived]
    return RowSql(typed_select, check, targets, raw_text_sql(list(source_types.items()), delimiter))


def reason_kind_sql(check_column: str) -> tuple[str, str, str]:
    """(reason, column, kind) SQL out of a check value."""
    reason = f"split_part({check_column}, chr(31), 1)"
    kind = f"split_part({check_column}, chr(31), 2)"
    column = f"split_part({check_column}, ':', 1)"
    return reason, column, kind
