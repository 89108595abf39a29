"""The layout's rules, read from every module's imports (``ast``), not from a diagram.

Layers, top to bottom; a package may import only from itself and the layers below it:

    bot        Teams edge and composition root (create_app, python -m bot)
    dialogs    the features, one package each, over the shared modules in dialogs/*.py
    scheduler  time: clock, meeting calendar, the every-minute job
    content    official wording and every text, as validated data
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "dialogs", "scheduler", "content")  # top to bottom
FEATURES = ("qa", "reminders", "status", "mydata", "experts", "help")
# Which feature may use which other feature: "mine data" shows and deletes what the others
# store, the status report counts the committees' meetings, and the experts' supplementary
# answers are matched to questions as the Q&A reads them. Help uses none: it is given the role
# lookups it needs, and the Q&A is given help's card.
FEATURE_USES = {
    "qa": set[str](),
    "reminders": set[str](),
    "status": {"reminders"},
    "mydata": {"reminders", "status"},
    "experts": {"qa"},  # the answerer's topic words find similar questions
    "help": set[str](),
}
# Third-party packages that stay behind one layer, so a change of SDK is one contained change.
ONLY_IN = {
    "botbuilder": "bot",
    "aiohttp": "bot",
    "apscheduler": "scheduler",
    "psycopg": "bot",
    "psycopg_pool": "bot",
}


@cache
def modules() -> tuple[tuple[str, Path], ...]:
    """Every module of the four packages, by dotted name."""
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(p for p in parts if p != "__init__"), path))
    return tuple(found)


@cache
def imports_of(path: Path) -> frozenset[str]:
    """The absolute module names ``path`` imports, wherever in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: use absolute imports"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def unit_of(module: str) -> str:
    """The node of the package graph a module belongs to: a layer, or ``dialogs.<feature>``."""
    parts = module.split(".")
    if parts[0] == "dialogs" and len(parts) > 1 and parts[1] in FEATURES:
        return f"dialogs.{parts[1]}"
    return parts[0]


def package_graph() -> dict[str, set[str]]:
    """Which unit imports which other unit."""
    ours = {m for m, _ in modules()}
    graph: dict[str, set[str]] = {}
    for module, path in modules():
        source = unit_of(module)
        for name in imports_of(path):
            if name in ours or name.split(".")[0] in LAYERS:
                target = unit_of(name)
                if target != source:
                    graph.setdefault(source, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (empty when the graph is acyclic)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_package_graph_has_no_cycles() -> None:
    assert cycles(package_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_go_down_the_layers_only() -> None:
    wrong = []
    for module, path in modules():
        rank = LAYERS.index(module.split(".")[0])
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in LAYERS and LAYERS.index(top) < rank:
                wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_features_use_only_the_features_they_are_allowed_to() -> None:
    wrong = []
    for source, targets in package_graph().items():
        for target in targets:
            if not target.startswith("dialogs."):
                continue
            feature = target.split(".")[1]
            if source == "dialogs":
                wrong.append(f"the shared modules in dialogs/ import {target}")
            elif source.startswith("dialogs.") and feature not in FEATURE_USES[source[8:]]:
                wrong.append(f"{source} imports {target}")
    assert wrong == []


@pytest.mark.parametrize(("package", "home"), sorted(ONLY_IN.items()))
def test_a_framework_stays_in_its_layer(package: str, home: str) -> None:
    users = sorted(
        module
        for module, path in modules()
        if module.split(".")[0] != home
        and any(name.split(".")[0] == package for name in imports_of(path))
    )
    assert users == []


def test_only_the_composition_root_knows_every_feature() -> None:
    """``bot/app.py`` wires the features and ``bot/__main__.py`` their commands; the rest of
    ``bot/`` knows none of them."""
    knows = {
        module
        for module, path in modules()
        if module.startswith("bot")
        and any(unit_of(name).startswith("dialogs.") for name in imports_of(path))
    }
    assert knows <= {"bot.app", "bot.__main__"}


def test_every_content_file_is_packaged() -> None:
    """``pip install .`` (the container) ships only what ``package-data`` names."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["content"]
    shipped = {p for pattern in patterns for p in (root / "content").glob(pattern)}
    data = {p for p in (root / "content" / "data").rglob("*") if p.is_file()}
    assert data and data <= shipped, sorted(str(p) for p in data - shipped)
