"""Is the newsroom ready to work: the checks `/readyz` answers with.

Each check says what is wrong in words an operator can act on. The broker is checked
by the caller that knows the runner (web/operations.py), not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.engine import EngineError
from babelwire.storage.database import DatabaseUnavailable, check_connection, schema_is_current

__all__ = ["Check", "check_database", "check_engines"]


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str


def check_database(newsroom: Newsroom) -> dict[str, Check]:
    """The database answers, and its schema is the one this babelwire expects."""
    try:
        check_connection(newsroom.db)
    except DatabaseUnavailable as exc:
        return {
            "database": Check(False, str(exc)),
            "schema": Check(False, "not checked: the database is unreachable"),
        }
    except Exception as exc:  # a full disk, a broken driver: say it, do not crash
        return {
            "database": Check(False, f"{type(exc).__name__}: {exc}"),
            "schema": Check(False, "not checked: the database failed"),
        }
    current = schema_is_current(newsroom.db)
    return {
        "database": Check(True, "reachable"),
        "schema": Check(
            current, "current" if current else "behind this version: run `babelwire db upgrade`"
        ),
    }


def check_engines(newsroom: Newsroom) -> Check:
    """Every configured engine loads, and every edition can be reached from another
    language by some route (directly or through a pivot)."""
    translators = newsroom.translators
    problems: list[str] = []
    sources: set[str] = set()
    for name in translators.names:
        try:
            sources |= {source for source, _target in translators.engine(name).pairs()}
        except EngineError as exc:
            problems.append(f"{name}: {exc}")
    editions = newsroom.config.languages
    if len(editions) > 1 or sources - set(editions):
        for target in editions:
            if not any(translators.routes(s, target) for s in sources if s != target):
                problems.append(f"no engine translates into {target}")
    if problems:
        return Check(False, "; ".join(problems))
    return Check(True, f"{len(translators.names)} engine(s); every edition reachable")
