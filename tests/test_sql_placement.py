"""SQL above the warehouse lives in queries/sql/*.sql, not in Python strings.

The layers above warehouse/ run their SQL through queries.runner by file name. This test
reads their Python sources with `ast` and fails on a SQL statement in a string: a string
literal handed to an execute/sql/fetch_frame-style call, or any string constant that
starts like a statement, and on `.format()` of a query file's text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("queries", "modeling", "dashboard", "portrait")

# Checked once their rewrite lands: these files are being rewritten on other branches.
NOT_YET_CHECKED: tuple[str, ...] = ()

# Justified exceptions, file -> why its SQL stays in Python.
ALLOWED_FILES = {
    # PostgreSQL statements for the user's own database, composed with psycopg's
    # sql.Identifier (PostgreSQL's quoting): no DuckDB query file could run them.
    "modeling/churn/export.py": "PostgreSQL statements composed by psycopg.sql",
}

# Calls whose string arguments are SQL text (or, for queries.runner, a query file name).
SQL_CALLS = {
    "execute",
    "executemany",
    "sql",
    "query",
    "fetch_frame",
    "fetchone",
    "fetchall",
    "fetchdf",
    "run",
    "statement",
}
QUERY_NAME = re.compile(r"^\w+$")
# Transaction control and settings may stay inline.
TRIVIAL = re.compile(r"^\s*(begin|commit|rollback|checkpoint|set|reset|pragma)\b", re.IGNORECASE)
STATEMENT = re.compile(r"^\s*(select|insert|delete|update|create|drop|alter)\s", re.IGNORECASE)
# `with` starts many English sentences; as SQL it opens a CTE: with [recursive] name as (.
CTE = re.compile(r"^\s*with\s+(recursive\s+)?\w+\s*(\([^)]*\)\s*)?as\s*\(", re.IGNORECASE)
TEMPLATE_READERS = {"sql_text", "statement"}


def _text(node: ast.AST) -> str | None:
    """The text of a string literal; an f-string's holes read as {}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of the module and its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _text(body[0].value) is not None:
                found.add(id(body[0].value))
    return found


def _looks_like_statement(text: str) -> bool:
    return bool(STATEMENT.match(text) or CTE.match(text))


def sql_in_python(source: str) -> list[tuple[int, str]]:
    """(line, snippet) of each SQL statement held in a Python string of `source`."""
    tree = ast.parse(source)
    skipped = _docstrings(tree)
    # The pieces of an f-string are judged as the whole f-string, not one by one.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in node.values)
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name in SQL_CALLS:
                for arg in node.args:
                    text = _text(arg)
                    if text is not None and not QUERY_NAME.match(text) and not TRIVIAL.match(text):
                        found.setdefault(arg.lineno, text)
            if (
                name == "format"
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Call)
                and _called_name(node.func.value) in TEMPLATE_READERS
            ):
                found.setdefault(node.lineno, "<query text>.format(...)")
        if id(node) in skipped:
            continue
        text = _text(node)
        if text is not None and _looks_like_statement(text):
            found.setdefault(node.lineno, text)
    return sorted((line, " ".join(text.split())[:80]) for line, text in found.items())


def _checked_files() -> list[str]:
    files = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(NOT_YET_CHECKED) or relative in ALLOWED_FILES:
                continue
            files.append(relative)
    return files


def test_no_sql_statement_in_python_strings_above_the_warehouse():
    offenders = [
        f"{relative}:{line}: {snippet}"
        for relative in _checked_files()
        for line, snippet in sql_in_python((ROOT / relative).read_text(encoding="utf-8"))
    ]
    assert not offenders, "SQL belongs in queries/sql/<name>.sql:\n" + "\n".join(offenders)


def test_the_exempt_files_exist():
    # An exemption outliving its file would hide a new file of the same name.
    for relative in (*NOT_YET_CHECKED, *ALLOWED_FILES):
        assert (ROOT / relative).exists(), relative


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ('con.execute("select 1")', [1]),
        ('con.execute(f"delete from {table} where run_id = ?", [run_id])', [1]),
        ('fetch_frame(con, "describe raw.ad_events")', [1]),
        ('QUERY = """\n    with final as (select 1)\n    select * from final\n"""', [1]),
        ('x = "Insert into t values (1)"', [1]),
        ('text = sql_text("churn_activity_events").format(table="t")', [1]),
        ('run(con, "cluster_assign", {"run_id": run_id})', []),
        ('con.execute("begin")\ncon.execute("set enable_progress_bar = false")', []),
        ('def f():\n    """Select the rows of the latest day."""', []),
        ('log.info("with day of month: k %d", k)', []),
    ],
)
def test_sql_in_python_finds_statements_and_passes_names(source, lines):
    assert [line for line, _ in sql_in_python(source)] == lines
