"""Quoting for the SQL the project generates: the one place identifiers are quoted.

Values always travel as bound parameters. What cannot be a parameter (table and
column names, and the few constants DuckDB takes only inline, such as COMMENT texts)
is quoted here: names with `ident`/`qualified`, texts with `literal`. A SQL file whose
table or column names are only known at run time names them as `{slot}`s, and
`with_identifiers` fills the slots with quoted identifiers and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# What a table the project creates from a user's name may be called.
TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# A slot of a SQL template: `{name}`. DuckDB's own braces (struct literals such as
# {'a': 1}) never match, so templates need no escaping.
SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Identifier = str | tuple[str, ...]


class Fragment(str):
    """SQL the project composed itself from allow-listed names and `$placeholders` (a
    filter's where clause, a case expression over known columns): `with_identifiers`
    puts it in as it is. Never wrap text that came from a user or a data file."""


def ident(name: str) -> str:
    """`name` as one quoted SQL identifier: 'a"b' -> "a""b"."""
    if not isinstance(name, str):
        raise TypeError(f"an identifier must be a string, not {type(name).__name__}: {name!r}")
    if not name:
        raise ValueError("an identifier must not be empty")
    if "\x00" in name:
        raise ValueError(f"an identifier must not contain NUL: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str | tuple[str, ...]) -> str:
    """A dotted name with each part quoted: 'raw.ad_events' -> "raw"."ad_events".

    A string is split on its dots and must have at least two parts; a tuple gives the
    parts as they are (for names that contain a dot themselves).
    """
    if isinstance(name, str):
        parts = tuple(name.split("."))
        if len(parts) < 2 or not all(parts):
            raise ValueError(f"expected a qualified name such as schema.table, got {name!r}")
    elif isinstance(name, tuple) and name:
        parts = name
    else:
        raise TypeError(f"a qualified name is a dotted string or a tuple of parts, not {name!r}")
    try:
        return ".".join(ident(part) for part in parts)
    except (TypeError, ValueError) as error:
        raise type(error)(f"bad qualified name {name!r}: {error}") from None


def literal(value: str) -> str:
    """`value` as a SQL string literal, for the places DuckDB takes no parameter."""
    if not isinstance(value, str):
        raise TypeError(f"a SQL literal must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"a SQL literal must not contain NUL: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def struct_of_types(columns: list[tuple[str, str]]) -> str:
    """The `columns={...}` argument of read_csv for (name, type) pairs."""
    return "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in columns) + "}"


def with_identifiers(
    template: str, /, *, allowed: Collection[str] = (), **identifiers: Identifier | Fragment
) -> str:
    """`template` with each `{slot}` replaced by the quoted identifier given for it.

    A string is one identifier (`ident`), a tuple a qualified name (`qualified`), a
    `Fragment` composed SQL put in as it is. A value listed in `allowed`, an allow-list of SQL words the caller owns (such as
    `null`), goes in as it is. Every slot of the template must be filled and every
    value must fill a slot; anything else raises ValueError.
    """
    slots = set(SLOT.findall(template))
    missing = sorted(slots - identifiers.keys())
    if missing:
        raise ValueError(f"the SQL template has slots that were not filled: {missing}")
    unknown = sorted(identifiers.keys() - slots)
    if unknown:
        raise ValueError(f"the SQL template has no slots named {unknown}")
    quoted = {}
    for slot, value in identifiers.items():
        if isinstance(value, Fragment) or (isinstance(value, str) and value in allowed):
            quoted[slot] = value
        elif isinstance(value, tuple):
            quoted[slot] = qualified(value)
        else:
            quoted[slot] = ident(value)
    # One pass: a filled value is never searched for slots again.
    return SLOT.sub(lambda match: quoted[match.group(1)], template)
