"""The benchmarks name only what babelwire has: a moved or renamed name fails here, not
on the day someone runs the benchmark."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _babelwire_imports(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("babelwire"):
            found += [(node.module or "", alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_exists(script: Path) -> None:
    missing = []
    for module_name, name in _babelwire_imports(script):
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                missing.append(f"{module_name}.{name}")
    assert missing == []


def test_the_benchmarks_are_found() -> None:
    assert (BENCH / "pipeline.py").exists()
    assert ("babelwire.jobs.run", "run_pass") in _babelwire_imports(BENCH / "pipeline.py")
