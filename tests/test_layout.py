"""The package's shape stays readable: small modules, few at the top, imports that go one way.

Read from the source with `ast` (nothing is imported): a module's imports at its top level
(and under a top-level `if`/`try`) are the ones that run when it is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "autofix"
MAX_LINES = 400
MAX_TOP_LEVEL = 10


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(name: str, path: Path) -> Iterator[str]:
    """The autofix modules `name` imports when it is imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            nodes.extend(node.body)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target in _imported(name, path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("autofix") and target != name:
                graph[name].add(target)
    return graph


def _area(module: str) -> str:
    """`autofix.loop.verify` -> `loop`; a top-level module is its own area."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "autofix"


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_at_most_ten_modules_at_the_top_level() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


def test_no_import_cycle_between_modules() -> None:
    try:
        TopologicalSorter(_graph()).prepare()
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_areas_import_one_way() -> None:
    """The areas (`loop`, `step`, `records`, ...) form layers: no two import each other,
    even through others, so each can be read knowing only those below it."""
    areas: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        areas.setdefault(_area(module), set()).update(
            _area(t) for t in targets if _area(t) != _area(module)
        )
    try:
        TopologicalSorter(areas).prepare()
    except CycleError as error:
        raise AssertionError(f"areas import each other: {' -> '.join(error.args[1])}") from None


def test_the_graph_sees_imports() -> None:
    """The check reads real imports: the loop imports the records it writes."""
    graph = _graph()
    assert "autofix.records.events" in graph["autofix.loop.repair_loop"]
    assert _area("autofix.loop.repair_loop") == "loop"
