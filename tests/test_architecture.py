"""The import contract of the package (docs/explanation/architecture.md): layers, no cycles, no upward import.

Every import in ``sco_kg/`` is read from the source with :mod:`ast` (module level and inside functions, the lazy
imports of the fast path included; imports under ``if TYPE_CHECKING:`` are left out, as they never run). A module
may import a module of a lower layer, or of its own layer when no cycle results. ``cli`` and ``dev`` are imported
by nobody, the server only by ``cli``; no module of ``sco_kg/`` is over 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sco_kg"

#: Layer of each top-level part of the package, lowest first.
LAYERS: dict[str, int] = {
    "sco_kg.version": 0,
    "sco_kg.errors": 0,
    "sco_kg.paths": 0,
    "sco_kg.atomic": 0,
    "sco_kg.sandbox": 0,
    "sco_kg.rdf": 1,
    "sco_kg.sparql": 2,
    "sco_kg.io": 3,
    "sco_kg.reasoning": 4,
    "sco_kg.dataset": 5,
    "sco_kg.engine": 6,
    "sco_kg": 7,  # the public face (__init__.py) re-exports layers 5 and 6
    "sco_kg.export": 7,
    "sco_kg.remote": 7,
    "sco_kg.linking": 7,
    "sco_kg.validate": 7,
    "sco_kg.textlayer": 7,
    "sco_kg.explain": 7,
    "sco_kg.server": 8,
    "sco_kg.mcp": 8,
    "sco_kg.cli": 9,
    "sco_kg.dev": 10,
}
IMPORTED_BY_NOBODY = ("sco_kg.cli", "sco_kg.dev")
MAX_LINES = 600


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part_of(name: str) -> str:
    """Return the key of :data:`LAYERS` that ``name`` belongs to (the longest prefix)."""
    best = ""
    for key in LAYERS:
        if (name == key or name.startswith(key + ".")) and len(key) > len(best):
            best = key
    if not best:
        raise AssertionError(f"{name}: not in any layer of tests/test_architecture.py LAYERS")
    return best


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the package modules that ``name`` imports at run time (resolved to existing modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sco_kg")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "sco_kg":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    assert len(graph) > 40
    for name in graph:
        part_of(name)


def test_no_upward_import(graph: dict[str, set[str]]) -> None:
    upward = [
        f"{a} (layer {LAYERS[part_of(a)]}) imports {b} (layer {LAYERS[part_of(b)]})"
        for a, targets in graph.items()
        for b in targets
        if LAYERS[part_of(b)] > LAYERS[part_of(a)]
    ]
    assert upward == []


def test_no_cycle(graph: dict[str, set[str]]) -> None:
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_cli_and_dev_are_imported_by_nobody_and_the_server_only_by_the_cli(graph: dict[str, set[str]]) -> None:
    bad = []
    for a, targets in graph.items():
        for b in targets:
            for top in IMPORTED_BY_NOBODY:
                if part_of(b) == top and part_of(a) != top:
                    bad.append(f"{a} imports {b}")
            if part_of(b) == "sco_kg.server" and part_of(a) not in ("sco_kg.server", "sco_kg.cli", "sco_kg.dev"):
                bad.append(f"{a} imports {b}")
    assert bad == []


def test_no_module_over_600_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


def test_the_contract_catches_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    # The checker itself: a lower layer importing a higher one, and two modules importing each other.
    fake = {"sco_kg.rdf.x": {"sco_kg.engine.y"}, "sco_kg.engine.y": {"sco_kg.rdf.x"}}
    upward = [(a, b) for a, ts in fake.items() for b in ts if LAYERS[part_of(b)] > LAYERS[part_of(a)]]
    assert upward == [("sco_kg.rdf.x", "sco_kg.engine.y")]
    src = tmp_path / "m.py"
    src.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sco_kg.engine import run\n"
                   "def f():\n    from sco_kg.dataset import load\n")  # fmt: skip
    assert imports_of("sco_kg.rdf.m", src, {"sco_kg.dataset", "sco_kg.engine.run"}) == {"sco_kg.dataset"}
