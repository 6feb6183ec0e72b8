"""The aggregate queries `/metrics` answers from: counts and sums over the whole database.

Each is one GROUP BY that an index answers (articles by stage, translations by status,
polls by source, outcome and HTTP status, the publication delay), or a scan of a small
table (task runs, translation runs, passes), so a scrape stays cheap at 100,000
articles (bench/metrics.py). Histograms are counted in the database: one
`SUM(CASE WHEN value <= bound ...)` per bucket, never the rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import (
    ArticleRow,
    DeadLetterRow,
    FetchLogRow,
    PassRow,
    SourceRow,
    TaskRunRow,
    TranslationRow,
    TranslationRunRow,
)


@dataclass(frozen=True, slots=True)
class Buckets:
    """A histogram counted in the database: how many values were at most each bound
    (cumulative, as Prometheus has them), how many in all, and their sum."""

    bounds: tuple[float, ...]
    at_most: tuple[int, ...]
    count: int
    total: float


@dataclass(frozen=True, slots=True)
class RouteTotals:
    """What every batch sent along one route (engine and language pair) added up to."""

    engine: str
    source_language: str
    target_language: str
    articles: int
    segments: int
    memory_hits: int
    engine_words: int
    engine_seconds: float


def _bucket_columns(value: Any, bounds: Sequence[float]) -> list[Any]:
    return [func.sum(case((value <= bound, 1), else_=0)) for bound in bounds] + [
        func.count(value),
        func.sum(value),
    ]


def _buckets(row: Sequence[Any], bounds: Sequence[float]) -> Buckets:
    n = len(bounds)
    return Buckets(
        tuple(bounds), tuple(int(v or 0) for v in row[:n]), int(row[n] or 0), float(row[n + 1] or 0)
    )


def articles_by_stage(session: Session) -> dict[str, int]:
    rows = session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage))
    return {str(stage): int(count) for stage, count in rows}


def translations_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(TranslationRow.status, func.count()).group_by(TranslationRow.status)
    )
    return {str(status): int(count) for status, count in rows}


def task_runs_by_outcome(session: Session) -> dict[tuple[str, str, str], int]:
    """Task runs recorded, by (stage, runner, outcome)."""
    rows = session.execute(
        select(TaskRunRow.stage, TaskRunRow.runner, TaskRunRow.outcome, func.count()).group_by(
            TaskRunRow.stage, TaskRunRow.runner, TaskRunRow.outcome
        )
    )
    return {(str(s), str(r), str(o)): int(n) for s, r, o, n in rows}


def stage_durations(session: Session, bounds: Sequence[float]) -> dict[tuple[str, str], Buckets]:
    """Running time of the finished task runs, by (stage, runner)."""
    rows = session.execute(
        select(TaskRunRow.stage, TaskRunRow.runner, *_bucket_columns(TaskRunRow.seconds, bounds))
        .where(TaskRunRow.seconds.is_not(None))
        .group_by(TaskRunRow.stage, TaskRunRow.runner)
    )
    return {(str(row[0]), str(row[1])): _buckets(row[2:], bounds) for row in rows}


def pass_durations(session: Session, bounds: Sequence[float]) -> tuple[Buckets, int, Any]:
    """The passes' durations, how many did not end well, and when the last one began."""
    row = session.execute(
        select(
            *_bucket_columns(PassRow.seconds, bounds),
            func.sum(case((PassRow.ok.is_(False), 1), else_=0)),
            func.max(PassRow.started_at),
        )
    ).one()
    n = len(bounds) + 2
    return _buckets(row[:n], bounds), int(row[n] or 0), row[n + 1]


def fetch_outcomes(session: Session) -> dict[tuple[int, str, str], int]:
    """Polls recorded, by (source id, outcome, HTTP status class: "2xx" ... or "none")."""
    status_class = FetchLogRow.http_status / 100
    rows = session.execute(
        select(FetchLogRow.source_id, FetchLogRow.outcome, status_class, func.count()).group_by(
            FetchLogRow.source_id, FetchLogRow.outcome, status_class
        )
    )
    found: dict[tuple[int, str, str], int] = {}
    for source_id, outcome, klass, count in rows:
        name = "none" if klass is None else f"{int(klass)}xx"
        key = (int(source_id), str(outcome), name)
        found[key] = found.get(key, 0) + int(count)
    return found


def source_names(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(select(SourceRow.id, SourceRow.name))}


def translation_totals(session: Session) -> list[RouteTotals]:
    rows = session.execute(
        select(
            TranslationRunRow.engine,
            TranslationRunRow.source_language,
            TranslationRunRow.target_language,
            func.sum(TranslationRunRow.articles),
            func.sum(TranslationRunRow.segments),
            func.sum(TranslationRunRow.memory_hits),
            func.sum(TranslationRunRow.engine_words),
            func.sum(TranslationRunRow.engine_seconds),
        ).group_by(
            TranslationRunRow.engine,
            TranslationRunRow.source_language,
            TranslationRunRow.target_language,
        )
    )
    return [
        RouteTotals(
            str(e),
            str(s),
            str(t),
            int(a or 0),
            int(g or 0),
            int(h or 0),
            int(w or 0),
            float(x or 0),
        )
        for e, s, t, a, g, h, w, x in rows
    ]


def dead_letters_by_stage(session: Session) -> dict[str, int]:
    rows = session.execute(select(DeadLetterRow.stage, func.count()).group_by(DeadLetterRow.stage))
    return {str(stage): int(count) for stage, count in rows}


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds, as this database computes it."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def publication_delays(session: Session, bounds: Sequence[float]) -> tuple[Buckets, int]:
    """From a source's publication of each article to its first publication here, over the
    articles live on the site whose source gave a time (a time after ours counts as 0);
    and how many articles went live in all."""
    raw = _seconds_between(session, ArticleRow.first_published_at, ArticleRow.published_at)
    delay = case((raw < 0, 0.0), else_=raw)
    row = session.execute(
        select(*_bucket_columns(delay, bounds)).where(
            ArticleRow.first_published_at.is_not(None), ArticleRow.published_at.is_not(None)
        )
    ).one()
    live = session.scalar(
        select(func.count())
        .select_from(ArticleRow)
        .where(ArticleRow.first_published_at.is_not(None))
    )
    return _buckets(row, bounds), int(live or 0)
