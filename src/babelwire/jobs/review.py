"""The review queue: translations the quality gate held, worst first, a page at a time.

A page goes on from a cursor (the quality and id of the previous page's last item),
so a queue of thousands costs the same per page as one of ten.
"""

from __future__ import annotations

from dataclasses import dataclass

from babelwire.jobs.audit import Actor, record
from babelwire.jobs.retranslate import release_translation
from babelwire.newsroom import Newsroom
from babelwire.storage import translations

__all__ = ["HeldItem", "ReviewPage", "release_held", "review_queue"]


@dataclass(frozen=True, slots=True)
class HeldItem:
    translation_id: int
    article_id: int
    language: str
    title: str  # the machine's title in `language`
    original_title: str
    source: str
    quality: float | None
    flags: tuple[str, ...]
    reason: str | None
    engine: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    items: list[HeldItem]
    next_cursor: str | None  # None: this is the last page
    held: int  # how many are held in all


def _parse_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    score, _, last = cursor.partition("_")
    try:
        value, ident = float(score), int(last)
    except ValueError:
        return None
    if not (-10.0 <= value <= 10.0) or not (0 <= ident < 2**63):  # also refuses nan
        return None
    return value, ident


def review_queue(newsroom: Newsroom, *, cursor: str | None = None, limit: int = 50) -> ReviewPage:
    """One page of the held translations, worst first; a bad cursor starts from the top."""
    with newsroom.sessions() as session:
        rows = translations.held_page(session, after=_parse_cursor(cursor), limit=limit + 1)
        held = translations.count_held(session)
        items = [
            HeldItem(
                translation_id=row.id,
                article_id=row.article_id,
                language=row.language,
                title=row.title,
                original_title=title,
                source=source,
                quality=row.quality,
                flags=tuple(row.flags or ()),
                reason=row.reason,
                engine=row.engine,
            )
            for row, title, source in rows[:limit]
        ]
        last = rows[limit - 1][0] if len(rows) > limit else None
        next_cursor = f"{translations.sort_score(last)!r}_{last.id}" if last else None
    return ReviewPage(items=items, next_cursor=next_cursor, held=held)


def release_held(newsroom: Newsroom, article_id: int, language: str, *, actor: Actor) -> bool:
    """Publish a held translation as it is; False if none was held."""
    released = release_translation(newsroom, article_id, language)
    if released:
        record(newsroom, actor, "translation.release", f"article {article_id} {language}")
    return released
