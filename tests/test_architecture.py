"""The shape of the code: no module over 500 lines, no import cycle, and every registry a table
whose rows are complete (walked here, so a half-registered kind fails a test, not a user).

The layer rules themselves are import-linter contracts (`pyproject.toml`, `make lint`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from assistant.domain.record import Kind
from assistant.reports import rendering, sections
from assistant.risks import signals
from evals import suites
from ingest import loaders
from tests.conftest import REPO

PACKAGES = ("assistant", "ingest", "evals", "tests", "bench")
MAX_LINES = 500


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "fixtures" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(REPO)): lines
        for path in python_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports at its top level (imports inside functions run
    later and cannot make an import cycle at load time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c in known and c != name}
    return found


def test_no_import_cycle() -> None:
    paths = {module_name(p): p for p in python_files()}
    graph = {name: imports_of(path, set(paths)) for name, path in paths.items()}
    # A package's __init__ importing its own modules is how a registry is built, not a cycle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    cycles = [component for component in strongly_connected(graph) if len(component) > 1]
    assert cycles == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# The registries -------------------------------------------------------------------------------


def test_every_loader_names_its_format_and_every_extension_has_a_fallback() -> None:
    assert len({loader.name for loader in loaders.LOADERS}) == len(loaders.LOADERS)
    for loader in loaders.LOADERS:
        assert loader.extensions and all(e.startswith(".") for e in loader.extensions)
        assert isinstance(loader.kind, Kind) and loader.describes
    # Every kind of record can be read from some file.
    assert {loader.kind for loader in loaders.LOADERS} == set(Kind)


def test_every_report_section_has_a_unique_key_and_a_title() -> None:
    keys = [section.key for section in sections.SECTIONS]
    assert len(set(keys)) == len(keys)
    assert all(section.title and section.empty for section in sections.SECTIONS)


def test_every_signal_family_has_a_detector_and_a_proposal_rule() -> None:
    kinds = [family.kind for family in signals.FAMILIES]
    assert len(set(kinds)) == len(kinds)
    assert all(callable(f.detect) and callable(f.propose) for f in signals.FAMILIES)
    # Specific families run before the generic ones they absorb.
    generic = [family.generic for family in signals.FAMILIES]
    assert generic == sorted(generic)


def test_every_output_format_has_a_media_type_and_a_suffix() -> None:
    names = [renderer.name for renderer in rendering.RENDERERS]
    assert len(set(names)) == len(names)
    for renderer in rendering.RENDERERS:
        assert "/" in renderer.media_type and renderer.suffix.startswith(".") and renderer.label


def test_every_eval_suite_has_a_unique_name() -> None:
    names = [suite.name for suite in suites.SUITES]
    assert len(set(names)) == len(names)
    assert suites.parse_suites("all") == suites.SUITES
