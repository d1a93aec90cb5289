"""The shape of the code: no import cycle among the ``events`` modules.

Every ``import`` counts, at module level or inside a function, since a function-level import only
defers the cycle to the first call. Imports under ``if TYPE_CHECKING:`` never run and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import events

ROOT = Path(events.__file__).parent

#: Known cycles, each as the sorted set of its modules (none: keep it that way).
ALLOWED_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _Imports(ast.NodeVisitor):
    """The ``events`` modules one module imports, resolved against the known module names."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.found: set[str] = set()

    def _add(self, name: str) -> None:
        while name and name not in self.known:
            name = name.rpartition(".")[0]
        if name:
            self.found.add(name)

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parent = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*parent, base] if base else parent)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base)


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in ROOT.rglob("*.py")}
    graph = {}
    for module, path in paths.items():
        visitor = _Imports(module, path.name == "__init__.py", set(paths))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        graph[module] = visitor.found - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def test_the_import_graph_counts_imports_inside_functions_but_not_type_checking_ones():
    graph = import_graph()
    assert "events.demo.loader" in graph["events.cli"]
    assert "events.calendars.services" not in graph["events.signals"]


def test_no_import_cycle_among_events_modules():
    found = set(cycles(import_graph()))
    assert found - ALLOWED_CYCLES == set(), "import cycles: " + "; ".join(
        " ↔ ".join(sorted(cycle)) for cycle in found - ALLOWED_CYCLES
    )
    assert ALLOWED_CYCLES <= found, "an allowed cycle is gone: remove it from ALLOWED_CYCLES"


#: Core packages that build what a reader gets outside the pages (documents, reports): they must not
#: reach into the web layer for words; the words they share with the pages are in events.i18n.
WEB_FREE = ("events.i18n", "events.reports", "events.action_plans.report")


def test_the_report_and_its_words_do_not_import_the_web_layer():
    graph = import_graph()
    found = {
        module: sorted(imported for imported in graph[module] if imported.split(".")[:2] == ["events", "web"])
        for module in graph
        if module.startswith(WEB_FREE)
    }
    assert {module: imported for module, imported in found.items() if imported} == {}
