"""The import graph keeps its direction: SQL in storage/, a pipeline that knows no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "babelwire"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every module the file imports, at its top or inside a function, as absolute names."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names.add(module)
            # `from babelwire import storage` imports babelwire.storage.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules() -> dict[str, set[str]]:
    return {module_name(p): imported(p) for p in sorted(PACKAGE.rglob("*.py"))}


def babelwire_imports(path: Path, known: set[str], *, typing: bool = False) -> set[str]:
    """The babelwire modules `path` loads when it runs (and, with `typing`, those it
    names for type checking too), with `from package import name` read as the
    submodule when `name` is one: importing a submodule runs its package's
    __init__, which is no dependency of the submodule's own."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only and not typing:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                name = f"{module}.{alias.name}"
                found.add(name if name in known else module)
    return {name for name in found if name in known} - {module_name(path)}


def babelwire_graph(*, typing: bool = False) -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): babelwire_imports(p, known, typing=typing) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


# The packages from the bottom up: each may import those below it, never one above
# or beside it. The first layer is the plain modules everything shares.
LAYERS = [
    ["babelwire", "model", "clock", "errors", "failure", "extras", "setting"],
    ["pipeline"],
    ["config"],
    ["storage"],
    ["newsroom"],
    ["publish"],
    ["jobs"],
    ["runners"],
    ["web", "demo"],
    ["cli"],
]
# Leaves any layer may name: the site's URL scheme imports nothing of babelwire, and
# the fetcher's User-Agent links the site's about page.
LEAVES = {"babelwire.publish.paths"}


def layer_of(module: str) -> tuple[int, str]:
    """The layer of `module` and the package (or plain module) that places it there."""
    top = module.split(".")[1] if "." in module else "babelwire"
    for rank, members in enumerate(LAYERS):
        if top in members:
            return rank, top
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS")


def upward(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        rank, package = layer_of(module)
        for target in targets:
            target_rank, target_package = layer_of(target)
            allowed = (
                target_rank < rank
                or target_package == package
                or (rank == 0 and target_rank == 0)
                or target in LEAVES
            )
            if not allowed:
                found.append(f"{module} imports {target}")
    return sorted(found)


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def offending(graph: dict[str, set[str]], under: str, forbidden: list[str]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in graph.items()
        if within(module, under)
        for name in names
        if any(within(name, f) for f in forbidden)
    )


def test_the_package_is_found() -> None:
    graph = modules()
    assert "babelwire.pipeline.translate.memory" in graph
    assert "babelwire.storage.memory" in graph


def test_the_pipeline_imports_no_database_and_no_configuration() -> None:
    forbidden = ["sqlalchemy", "babelwire.storage", "babelwire.config"]
    assert offending(modules(), "babelwire.pipeline", forbidden) == []


def test_storage_imports_none_of_its_callers() -> None:
    callers = [f"babelwire.{name}" for name in ("jobs", "publish", "web", "cli", "runners", "demo")]
    assert offending(modules(), "babelwire.storage", callers) == []


def test_no_module_outside_storage_imports_sqlalchemy() -> None:
    querying = sorted(
        module
        for module, names in modules().items()
        if not within(module, "babelwire.storage")
        and any(within(name, "sqlalchemy") for name in names)
    )
    assert querying == [], "their queries belong in storage/"


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(babelwire_graph()) == []


def test_packages_import_only_the_layers_below_them() -> None:
    assert upward(babelwire_graph(typing=True)) == []


def test_a_cycle_and_an_upward_import_are_found() -> None:
    graph = {
        "babelwire.jobs.a": {"babelwire.jobs.b"},
        "babelwire.jobs.b": {"babelwire.jobs.a"},
        "babelwire.storage.c": {"babelwire.jobs.a", "babelwire.model"},
        "babelwire.newsroom.d": {"babelwire.publish.paths"},
    }
    assert cycles(graph) == [["babelwire.jobs.a", "babelwire.jobs.b"]]
    assert upward(graph) == ["babelwire.storage.c imports babelwire.jobs.a"]


def test_imports_for_type_checking_and_of_a_package_are_not_runtime_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from babelwire.pipeline import fetch\n"
        "from babelwire.pipeline import run\n"
        "if TYPE_CHECKING:\n"
        "    from babelwire.storage import tables\n"
    )
    probe = _planted(tmp_path, monkeypatch, source)
    known = {"babelwire.pipeline", "babelwire.pipeline.fetch", "babelwire.storage.tables"}
    assert babelwire_imports(probe, known) == {"babelwire.pipeline", "babelwire.pipeline.fetch"}
    assert "babelwire.storage.tables" in babelwire_imports(probe, known, typing=True)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlalchemy.orm\n", {"sqlalchemy.orm"}),
        ("def f():\n    from sqlalchemy import select\n", {"sqlalchemy", "sqlalchemy.select"}),
        ("from babelwire import storage\n", {"babelwire", "babelwire.storage"}),
        ("from ..storage import tables\n", {"babelwire.storage", "babelwire.storage.tables"}),
        (
            "from .fetch import http\n",
            {"babelwire.pipeline.fetch", "babelwire.pipeline.fetch.http"},
        ),
    ],
)
def test_imports_are_read_wherever_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, expected: set[str]
) -> None:
    probe = _planted(tmp_path, monkeypatch, source)
    assert imported(probe) == expected


def test_a_pipeline_module_reaching_for_storage_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _planted(tmp_path, monkeypatch, "def f():\n    from babelwire.storage import tables\n")
    found = offending(modules(), "babelwire.pipeline", ["babelwire.storage"])
    assert "babelwire.pipeline.probe imports babelwire.storage.tables" in found


def _planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> Path:
    """A package of one pipeline module, `source`, in place of the real one."""
    folder = tmp_path / "babelwire" / "pipeline"
    folder.mkdir(parents=True)
    probe = folder / "probe.py"
    probe.write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "babelwire")
    return probe
