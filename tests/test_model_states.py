"""Article stages, translation statuses and runner steps are named in `babelwire.model` only.

The stored values are strings, so a literal "translated" compares and assigns just as
well as the enum member, and a misspelt one fails silently. These tests walk every
module (and template) and fail on such a literal where a stage, status or step is
compared, assigned or passed, so the enums stay the one place the values are written.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import babelwire
from babelwire.model import STEPS, Stage, Step, TranslationStatus

PACKAGE = Path(babelwire.__file__).parent
MIGRATIONS = PACKAGE / "storage" / "migrations"
VALUES = {str(v) for v in (*Stage, *TranslationStatus, *Step)}
FIELDS = {"stage", "status"}
# A comparison counts when what is compared is named for a stage, status, step or queue:
# `column in {"new", "failed"}` compares a report's column names, not states.
STATE_NAME = re.compile(r"stage|status|step|queue", re.IGNORECASE)


def _modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path != PACKAGE / "model.py" and MIGRATIONS not in path.parents
    )


def _literals(node: ast.AST | None) -> Iterator[ast.Constant]:
    """The state-like string constants in an expression (tuples and conditionals included)."""
    if node is None:
        return
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and child.value in VALUES:
            yield child


def _names_state(node: ast.expr) -> bool:
    return any(
        (isinstance(n, ast.Name) and STATE_NAME.search(n.id))
        or (isinstance(n, ast.Attribute) and STATE_NAME.search(n.attr))
        for n in ast.walk(node)
    )


def _names_field(target: ast.expr) -> bool:
    return isinstance(target, ast.Attribute) and target.attr in FIELDS


def state_literals(source: str) -> list[tuple[int, int, str]]:
    """(line, value) of each stage, status or step literal compared, assigned or passed."""
    found: list[ast.Constant] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = (node.left, *node.comparators)
            literal = [o for o in operands if isinstance(o, ast.Constant | ast.Tuple | ast.Set)]
            if any(_names_state(o) for o in operands if o not in literal):
                for operand in literal:
                    found.extend(_literals(operand))
        elif isinstance(node, ast.Assign):
            if any(_names_field(t) or _names_state(t) for t in node.targets):
                found.extend(_literals(node.value))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            if _names_field(node.target):
                found.extend(_literals(node.value))
        elif isinstance(node, ast.keyword):
            if node.arg in FIELDS:
                found.extend(_literals(node.value))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in FIELDS:
                    found.extend(_literals(value))
    return sorted((c.lineno, c.col_offset, c.value) for c in found)


def test_the_check_finds_each_kind_of_literal() -> None:
    source = """
if article.stage == "published": pass
if row.status in ("translated", "original"): pass
if "translate" in os.environ.get(QUEUES, "").split(","): pass
row.status = "held" if low else "translated"
query.values(stage="failed")
SHOWN_STATUSES = ("translated", "original")
record(stage="fetch")
rows = {"status": "skipped"}
"""
    assert [value for _, _, value in state_literals(source)] == [
        "published",
        "translated",
        "original",
        "translate",
        "held",
        "translated",
        "failed",
        "translated",
        "original",
        "fetch",
        "skipped",
    ]


def test_the_check_leaves_other_text_alone() -> None:
    source = """
labels = {"published": "Published", "translated": "Translated automatically"}
context = dict(published=article.first_published_at, original=url)
table.add_column("failed")
css = "published"
print(t["translated"].format(source=name))
if column in {"new", "updated", "skipped", "failed"}: pass
if part == "publish" and kind != "translated": pass
"""
    assert state_literals(source) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_state_literal_outside_the_model(path: Path) -> None:
    found = state_literals(path.read_text(encoding="utf-8"))
    assert found == [], (
        f"{path.relative_to(PACKAGE)}: use the Stage, TranslationStatus or Step member "
        f"from babelwire.model instead of {found}"
    )


def test_templates_compare_no_state() -> None:
    """A template is given a flag computed in Python, not a status to compare."""
    values = "|".join(sorted(VALUES))
    compared = re.compile(rf"""(==|!=|\bin\b)\s*\(?\s*["']({values})["']""")
    for template in sorted((PACKAGE / "web" / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not compared.search(text), template.name


def test_steps_are_not_stages() -> None:
    """No runner step shares a value with an article stage: the two cannot be mixed up."""
    assert not {str(s) for s in STEPS} & {str(s) for s in Stage}
    assert list(STEPS) == ["fetch", "extract", "translate", "publish"]
