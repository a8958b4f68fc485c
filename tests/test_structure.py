"""The shape of `src/videorender`, checked so that it stays true (read from the source with
`ast`, nothing imported):

- no import cycle between modules, counting imports inside functions;
- no module over 600 lines;
- `pipeline/` holds at most 8 modules directly, the rest in named subpackages;
- the faces (studio, MCP, batch, CLI) import nothing from `videorender.api`, and `api/`
  imports no other face: `videorender.app` alone mounts them together (`api/__init__` only
  forwards `create_app` there, for the import path it had before).

An import edge is an explicit import: `from a.b import c` is an edge to `a.b.c` when that is a
module, else to `a.b`. The parent packages Python runs on the way (`a/__init__`) are not
counted: a package's `__init__` re-exporting its submodules is not a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from videorender.pipeline.models import Stage
from videorender.studio.routes import STAGES

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "videorender"
MAX_LINES = 600
MAX_PIPELINE_MODULES = 8
FACES = ("videorender.studio", "videorender.mcp_server", "videorender.batch", "videorender.cli")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, str]]:
    """(base, name) pairs: `name` "" for `import base`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, ""
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = module.split(".")
            anchor = anchor if is_package else anchor[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            yield base, alias.name


def import_graph() -> dict[str, set[str]]:
    """Each module of ours and the modules of ours it imports, anywhere in its body."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            for base, name in _imported(node, module, path.name == "__init__.py"):
                target = f"{base}.{name}" if f"{base}.{name}" in modules else base
                if target in modules and target != module:
                    edges.add(target)
        graph[module] = edges
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another in a circle (each reaches the others)."""
    reach = {node: _reachable(graph, node) for node in graph}
    found: list[list[str]] = []
    placed: set[str] = set()
    for node in sorted(graph):
        if node in placed or node not in reach[node]:
            continue
        group = sorted(other for other in reach[node] if node in reach[other])
        placed.update(group)
        found.append(group)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_module_is_over_600_lines() -> None:
    long = {
        module: lines
        for module, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_pipeline_holds_few_modules_directly() -> None:
    direct = sorted(p.name for p in (PACKAGE / "pipeline").glob("*.py"))
    assert len(direct) <= MAX_PIPELINE_MODULES, direct


def test_faces_import_nothing_from_the_api() -> None:
    graph = import_graph()
    wrong = {
        module: sorted(t for t in targets if t.startswith("videorender.api"))
        for module, targets in graph.items()
        if module.startswith(FACES)
    }
    assert {module: targets for module, targets in wrong.items() if targets} == {}


def test_the_api_imports_no_other_face() -> None:
    graph = import_graph()
    wrong = {
        module: sorted(t for t in targets if t.startswith(FACES))
        for module, targets in graph.items()
        if module.startswith("videorender.api")
    }
    assert {module: targets for module, targets in wrong.items() if targets} == {}


def test_the_studio_names_every_stage_of_the_pipeline() -> None:
    assert list(STAGES) == [stage.value for stage in Stage]
    assert STAGES["align"] == "Aligning the captions to the voice"
