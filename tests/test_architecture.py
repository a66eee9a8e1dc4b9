"""The rooms of the project: imports go one way (DESIGN.md, "Shape").

The import graph of the project's own modules is read with `ast` from the source,
module-level and function-level (lazy) imports alike: a lazy import is still a
dependency. `from package import name` counts as an import of the package's
`__init__` (its re-exports), or of the submodule when `name` is one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"migrations", "tests", "node_modules", "static", "templates", "docs"}


def _packages() -> list[str]:
    return sorted(
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith(".") and (path / "__init__.py").exists()
        if path.name not in SKIPPED_DIRS
    )


def _source_files() -> Iterator[Path]:
    for package in _packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & SKIPPED_DIRS and not path.name.startswith("test_"):
                yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in _source_files()}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules that `module` imports, anywhere in its body."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in known else source)
    return {target for target in targets if target in known and target != module}


def import_graph() -> dict[str, set[str]]:
    known = _modules()
    return {module: _targets(module, path, known) for module, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _app_imports(graph: dict[str, set[str]]) -> set[tuple[str, str, str, str]]:
    """(importer app, imported app, importer module, imported module) across apps."""
    return {
        (module.split(".")[0], target.split(".")[0], module, target)
        for module, targets in graph.items()
        for target in targets
        if module.split(".")[0] != target.split(".")[0]
    }


def test_the_graph_sees_lazy_imports_and_the_apps():
    # a check that finds nothing because it reads nothing cannot fail
    graph = import_graph()
    assert {"accounts", "cases", "referrals", "stats", "api", "regions", "pmks"} <= {
        module.split(".")[0] for module in graph
    }
    assert "referrals.models" in graph["referrals.services"] or any(
        target.startswith("referrals.") for target in graph.get("referrals.tasks", set())
    )
    assert "cases.filters" in graph["cases.selectors"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle():
    assert _cycles(import_graph()) == []


# importer app -> apps it must never import (DESIGN.md: stats reads referrals and
# cases; referrals reads cases; cases reads accounts and regions; nothing reads stats)
# The work apps above cases (docs/ARCHITECTURE.md): follow-ups, plans, imports and
# exports. cases reaches follow-ups and plans only through pmks/hooks.py and their
# template tags; households is the one app cases imports besides the lower ones.
ABOVE_CASES = {"followups", "plans", "imports", "exports"}
FORBIDDEN = {
    "cases": {"referrals", "stats", "api"} | ABOVE_CASES,
    "accounts": {"cases", "referrals", "stats", "api", "households"} | ABOVE_CASES,
    "regions": {"accounts", "cases", "referrals", "stats", "api", "households"} | ABOVE_CASES,
    "referrals": {"stats", "api", "households"} | ABOVE_CASES,
    "households": {"referrals", "stats", "api"} | ABOVE_CASES,
    "followups": {"plans", "imports", "exports", "stats", "api"},
    "plans": {"imports", "exports", "stats", "api"},
    "imports": {"exports", "followups", "plans", "stats"},
    # the key table serves the API and (later) the offline sync: it knows neither
    "idempotency": {"cases", "referrals", "stats", "api"},
}
# the project package composes the apps (urls, settings, the home page) and may read
# stats; so may the API's stats endpoints (the dashboards' tables over REST, DESIGN.md
# "REST API") and the tools above every app (demo data, the scale bench).
MAY_READ_STATS = {"stats", "pmks", "api.views.stats", "demo", "bench"}


def test_the_app_arrows_point_one_way():
    wrong = sorted(
        f"{module} imports {target}"
        for importer, imported, module, target in _app_imports(import_graph())
        if imported in FORBIDDEN.get(importer, set())
        or (imported == "stats" and not MAY_READ_STATS & {importer, module})
    )
    assert wrong == []


# --- function length ---------------------------------------------------------------

MAX_FUNCTION_LINES = 60
# Functions whose body is mostly SQL text (the statement is the function):
SQL_FUNCTIONS = {
    "stats.rollup._statements",  # SQL: the set-based rebuild statements of every summary table
}
# Still to split (issue 12, "keep functions under ~60 lines"); listed by name so that
# no new long function slips in meanwhile. Remove a name when its function is split.
NOT_YET_SPLIT: set[str] = set()
# Nothing is excluded: demo/scale/ and bench/ were split too (issue 12).
LENGTH_EXCLUDED: tuple[str, ...] = ()


def _long_functions() -> list[str]:
    found = []
    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(LENGTH_EXCLUDED):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            qualified = f"{_module_name(path)}.{node.name}"
            if length > MAX_FUNCTION_LINES and qualified not in SQL_FUNCTIONS | NOT_YET_SPLIT:
                found.append(f"{relative}:{node.lineno} {node.name} ({length} lines)")
    return sorted(found)


def test_no_function_is_longer_than_sixty_lines():
    assert _long_functions() == []


def test_the_length_allow_lists_name_real_long_functions():
    # a stale name in an allow-list would hide the next long function of that name
    lengths = {}
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                lengths[f"{_module_name(path)}.{node.name}"] = length
    assert {name for name in SQL_FUNCTIONS | NOT_YET_SPLIT if lengths.get(name, 0) <= 60} == set()
