"""How fresh the news is: the delays from a source's publication, and from babelwire
first seeing an article, to the article going live here, as quantiles over a window.

An article is live when the publish stage made it visible (`first_published_at`,
what `serve` shows at once) or, on a site exported with `babelwire build`, when the
first build that wrote its page finished (`built_at`), which comes first when set.
A window holds the articles that went live since a moment, found through the index
on `first_published_at`, so a query reads that window's articles and no others.

PostgreSQL computes the quantiles itself (`percentile_cont`); SQLite has no such
function, so the window's times are read and the same linear interpolation is done
here, on times subtracted in Python (SQLite's julianday arithmetic is not exact).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from babelwire.storage.tables import ArticleRow, SourceRow, UTCDateTime

__all__ = [
    "MEASURES",
    "QUANTILES",
    "Delays",
    "SourceDelays",
    "mark_built",
    "quantile",
    "slowest_sources",
    "unbuilt_published",
    "window_delays",
]

# From the source's own publication time, and from babelwire first seeing the article.
SOURCE_TO_LIVE = "source_to_live"
SEEN_TO_LIVE = "seen_to_live"
MEASURES = (SOURCE_TO_LIVE, SEEN_TO_LIVE)
QUANTILES = (0.5, 0.95)


@dataclass(frozen=True, slots=True)
class Delays:
    """One measure over one window: how many articles it counts and their quantiles in
    seconds (QUANTILES order; None when it counts none)."""

    count: int
    quantiles: tuple[float | None, ...]

    @property
    def p50(self) -> float | None:
        return self.quantiles[0]

    @property
    def p95(self) -> float | None:
        return self.quantiles[1]


NO_DELAYS = Delays(0, (None,) * len(QUANTILES))


@dataclass(frozen=True, slots=True)
class SourceDelays:
    """One source's delays over a window, by measure."""

    source_id: int
    name: str
    delays: dict[str, Delays]


def quantile(ordered: Sequence[float], q: float) -> float | None:
    """The `q` quantile of sorted values, interpolated as PostgreSQL's percentile_cont."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _live() -> Any:
    return type_coerce(
        func.coalesce(ArticleRow.built_at, ArticleRow.first_published_at), UTCDateTime()
    )


def _in_window(since: datetime) -> tuple[Any, ...]:
    return (
        ArticleRow.first_published_at.is_not(None),
        ArticleRow.first_published_at >= since,
    )


def _seconds(later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds, never below 0 (a source's clock ahead of ours)."""
    raw = func.extract("epoch", later - earlier)
    return case((raw < 0, 0.0), else_=raw)


def _measured() -> dict[str, Any]:
    live = _live()
    return {
        SOURCE_TO_LIVE: _seconds(live, ArticleRow.published_at),
        SEEN_TO_LIVE: _seconds(live, ArticleRow.seen_at),
    }


def _sql_columns(delay: Any) -> list[Any]:
    return [func.count(delay)] + [
        func.percentile_cont(q).within_group(delay.asc()) for q in QUANTILES
    ]


def _from_sql(row: Sequence[Any]) -> Delays:
    count = int(row[0] or 0)
    if not count:
        return NO_DELAYS
    return Delays(count, tuple(None if v is None else float(v) for v in row[1:]))


def _from_values(values: list[float]) -> Delays:
    if not values:
        return NO_DELAYS
    values.sort()
    return Delays(len(values), tuple(quantile(values, q) for q in QUANTILES))


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _window_times(
    session: Session, since: datetime
) -> list[tuple[int, datetime, datetime | None, datetime | None]]:
    """(source id, live, published at the source, first seen) of the window's articles."""
    rows = session.execute(
        select(ArticleRow.source_id, _live(), ArticleRow.published_at, ArticleRow.seen_at).where(
            *_in_window(since)
        )
    ).all()
    return [(int(s), live, published, seen) for s, live, published, seen in rows]


def _python_delays(
    rows: Sequence[tuple[int, datetime, datetime | None, datetime | None]],
) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {m: [] for m in MEASURES}
    for _source, live, published, seen in rows:
        for measure, earlier in ((SOURCE_TO_LIVE, published), (SEEN_TO_LIVE, seen)):
            if earlier is not None:
                found[measure].append(max((live - earlier).total_seconds(), 0.0))
    return found


def window_delays(session: Session, since: datetime) -> dict[str, Delays]:
    """Each measure over the articles that went live since `since`."""
    if _sqlite(session):
        values = _python_delays(_window_times(session, since))
        return {m: _from_values(values[m]) for m in MEASURES}
    measured = _measured()
    columns = [c for m in MEASURES for c in _sql_columns(measured[m])]
    row = session.execute(select(*columns).where(*_in_window(since))).one()
    width = 1 + len(QUANTILES)
    return {m: _from_sql(row[i * width : (i + 1) * width]) for i, m in enumerate(MEASURES)}


def _by_source(session: Session, since: datetime) -> dict[int, dict[str, Delays]]:
    if _sqlite(session):
        grouped: dict[int, list[Any]] = {}
        for row in _window_times(session, since):
            grouped.setdefault(row[0], []).append(row)
        return {
            source: {m: _from_values(v) for m, v in _python_delays(rows).items()}
            for source, rows in grouped.items()
        }
    measured = _measured()
    columns = [c for m in MEASURES for c in _sql_columns(measured[m])]
    rows = session.execute(
        select(ArticleRow.source_id, *columns)
        .where(*_in_window(since))
        .group_by(ArticleRow.source_id)
    ).all()
    width = 1 + len(QUANTILES)
    return {
        int(row[0]): {
            m: _from_sql(row[1 + i * width : 1 + (i + 1) * width]) for i, m in enumerate(MEASURES)
        }
        for row in rows
    }


def slowest_sources(session: Session, since: datetime, limit: int) -> list[SourceDelays]:
    """The `limit` sources whose articles went live slowest since `since`: by the p95 from
    their own publication (from first seen when they give no time), then by name."""
    found = _by_source(session, since)
    if not found:
        return []
    names = dict(
        session.execute(select(SourceRow.id, SourceRow.name).where(SourceRow.id.in_(found))).all()
    )
    listed = [SourceDelays(i, str(names.get(i, "")), d) for i, d in found.items()]

    def slowness(s: SourceDelays) -> tuple[float, str]:
        worst = s.delays[SOURCE_TO_LIVE].p95
        worst = s.delays[SEEN_TO_LIVE].p95 if worst is None else worst
        return (-(worst or 0.0), s.name)

    return sorted(listed, key=slowness)[:limit]


def mark_built(
    session: Session,
    published_before: datetime,
    finished: datetime,
    articles: Collection[int] | None = None,
) -> int:
    """Record `finished` as the build time of the live articles (of `articles`, when
    given) published before `published_before` that no build wrote yet; how many it
    marked."""
    only = () if articles is None else (ArticleRow.id.in_(sorted(set(articles))),)
    result = session.execute(
        update(ArticleRow)
        .where(
            ArticleRow.built_at.is_(None),
            ArticleRow.first_published_at.is_not(None),
            ArticleRow.first_published_at <= published_before,
            *only,
        )
        .values(built_at=finished)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unbuilt_published(session: Session, limit: int = 500) -> list[tuple[int, datetime, datetime]]:
    """Live articles waiting for the first build that writes their page (at most
    `limit`): id, when first seen, when published."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.seen_at, ArticleRow.first_published_at)
        .where(ArticleRow.built_at.is_(None), ArticleRow.first_published_at.is_not(None))
        .limit(limit)
    ).all()
    return [(int(i), seen or live, live) for i, seen, live in rows if live is not None]
