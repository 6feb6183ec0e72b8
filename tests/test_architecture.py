"""The import graph keeps its direction: SQL in storage/, a pipeline that knows no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "babelwire"

# Modules outside storage/ that still import SQLAlchemy: their queries are still
# to move into storage/. This list may only shrink, to empty: a module that stops
# importing SQLAlchemy must leave it, and no module may join it.
STILL_QUERYING = {
    "babelwire.jobs.claims",
    "babelwire.jobs.duplicates",
    "babelwire.jobs.newsroom",
    "babelwire.jobs.sections",
    "babelwire.jobs.stories",
    "babelwire.jobs.tags",
    "babelwire.publish.article_pages",
    "babelwire.publish.build_changes",
    "babelwire.publish.edition_pages",
    "babelwire.publish.list_pages",
    "babelwire.publish.queries",
    "babelwire.publish.rendering",
    "babelwire.publish.search",
    "babelwire.publish.static",
    "babelwire.publish.stories",
    "babelwire.publish.tags",
    "babelwire.web.data_version",
}


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


def test_only_the_listed_modules_outside_storage_import_sqlalchemy() -> None:
    graph = modules()
    querying = {
        module
        for module, names in graph.items()
        if not within(module, "babelwire.storage")
        and any(within(name, "sqlalchemy") for name in names)
    }
    joined = sorted(querying - STILL_QUERYING)
    assert joined == [], "their queries belong in storage/"
    left = sorted(STILL_QUERYING - querying)
    assert left == [], "no SQLAlchemy left in them: take them off STILL_QUERYING"


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
