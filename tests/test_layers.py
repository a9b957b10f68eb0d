"""The layer rule, read from the source: each layer imports only itself and the layers
before it (warehouse -> queries -> modeling -> dashboard), none imports the command line,
and no library code imports tqdm (bars belong to the command line, progress to callbacks)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ["warehouse", "queries", "modeling", "dashboard"]
FORBIDDEN_EVERYWHERE = {"portrait": "the command line", "tqdm": "progress bars"}
# (file, line) -> why it is allowed; empty while the code keeps the rule.
KNOWN_VIOLATIONS: dict[tuple[str, int], str] = {}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def offending(layer: str, tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, package, why) of each import that `layer` must not make."""
    later = {name: "a later layer" for name in LAYERS[LAYERS.index(layer) + 1 :]}
    forbidden = {**later, **FORBIDDEN_EVERYWHERE}
    return [
        (line, package, forbidden[package])
        for line, package in imported_modules(tree)
        if package in forbidden
    ]


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((REPO / layer).rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        found += [
            f"{relative}:{line} imports {package} ({why})"
            for line, package, why in offending(layer, tree)
            if (relative, line) not in KNOWN_VIOLATIONS
        ]
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_itself_and_earlier_layers(layer):
    assert violations(layer) == []


@pytest.mark.parametrize(
    ("source", "layer", "expected"),
    [
        ("import tqdm\n", "warehouse", ["tqdm"]),
        ("from tqdm.auto import tqdm\n", "modeling", ["tqdm"]),
        ("from modeling.registry import load\n", "queries", ["modeling"]),
        ("import portrait.cli\n", "dashboard", ["portrait"]),
        ("def f():\n    import dashboard.app\n", "modeling", ["dashboard"]),
        ("from queries import runner\n", "modeling", []),
        ("from . import sibling\n", "warehouse", []),
    ],
)
def test_the_check_sees_each_kind_of_import(source, layer, expected):
    assert [package for _, package, _ in offending(layer, ast.parse(source))] == expected
