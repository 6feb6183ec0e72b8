"""What changed since the last build, and so which pages an incremental build rewrites."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from babelwire.publish import queries
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleRow, StoryRow, TombstoneRow, TranslationRow


@dataclass(frozen=True, slots=True)
class SiteList:
    """A paginated list of an edition: kind is "section", "source" or "tag"."""

    kind: str
    key: str


def first_changed_page(
    pages: SitePages, language: str, lst: SiteList, changed: Iterable[int]
) -> tuple[int, int] | None:
    """The oldest archive page of a list that the changed articles may alter, and the
    list's length (None: no such list any more).

    Pages are counted from the oldest article, so an article changes only the page
    it falls on and the newer ones; a list that grew may have gained archive pages,
    and the newest old one then links to them. An article that left the list (taken
    down, no longer shown) moved every page: the whole list is rewritten.
    """
    where = pages.list_where(language, lst.kind, lst.key)
    if where is None:
        return None
    size = queries.page_size(pages.config)
    ids = sorted(set(changed))
    with pages.sessions() as session:
        total = queries.count_visible(session, language, where)
        archive = queries.archive_pages(total, size)
        lowest = archive + 1
        for article_id in ids:
            newer = queries.newer_than(session, language, article_id, where)
            if newer < 0:
                return 1, total
            lowest = min(lowest, (total - 1 - newer) // size + 1)
    # Were all of them new, the list had this many archive pages before.
    before = queries.archive_pages(total - len(ids), size)
    if archive > before:
        lowest = min(lowest, before)
    return max(1, lowest), total


def changed_articles(pages: SitePages, since: datetime) -> list[int]:
    with pages.sessions() as session:
        articles = select(ArticleRow.id).where(
            or_(
                ArticleRow.first_published_at >= since,
                ArticleRow.updated_at >= since,
            )
        )
        translations = select(TranslationRow.article_id).where(TranslationRow.updated_at >= since)
        removed = select(TombstoneRow.article_id).where(
            TombstoneRow.created_at >= since, TombstoneRow.article_id.is_not(None)
        )
        ids: set[int] = set()
        for query in (articles, translations, removed):
            ids.update(int(x) for x in session.scalars(query) if x is not None)
    return sorted(ids)


def changed_stories(session: Session, changed: list[int], since: datetime) -> list[int]:
    """Stories of the changed articles, and stories the organising stage changed since."""
    found = set(
        session.scalars(
            select(ArticleRow.story_id).where(
                ArticleRow.id.in_(changed), ArticleRow.story_id.is_not(None)
            )
        )
    )
    found.update(session.scalars(select(StoryRow.id).where(StoryRow.updated_at >= since)))
    return sorted(int(x) for x in found if x is not None)


def published_members(session: Session, story_ids: list[int]) -> set[int]:
    """The published articles of these stories (their pages say how many sources)."""
    if not story_ids:
        return set()
    return {
        int(x)
        for x in session.scalars(
            select(ArticleRow.id).where(
                ArticleRow.story_id.in_(story_ids), ArticleRow.first_published_at.is_not(None)
            )
        )
    }


def article_folders(root: Path, ids: set[int]) -> dict[int, list[Path]]:
    """The existing folders of these articles under /{lang}/article/ (any slug)."""
    found: dict[int, list[Path]] = {}
    if not root.is_dir():
        return found
    with os.scandir(root) as entries:
        for entry in entries:
            head = entry.name.split("-", 1)[0]
            if head.isdigit() and int(head) in ids and entry.is_dir():
                found.setdefault(int(head), []).append(Path(entry.path))
    return found


_OWN_LIST_LINK = re.compile(
    r'<p class="kicker"><a href="(/[^"/]+/section/[^"/]+/)"'
    r'|<a href="(/[^"/]+/tag/[^"/]+/)" rel="tag"'
)


def lists_linked_from(language: str, folders: list[Path]) -> set[SiteList]:
    """The section and tag lists an article page written earlier links as its own."""
    found: set[SiteList] = set()
    for folder in folders:
        try:
            page = (folder / "index.html").read_text(encoding="utf-8")
        except OSError:
            continue
        for match in _OWN_LIST_LINK.finditer(page):
            href = match.group(1) or match.group(2)
            lang, kind, key = (unquote(part) for part in href.strip("/").split("/"))
            if lang == language:
                found.add(SiteList(kind, key))
    return found


def later_neighbours(pages: SitePages, language: str, changed: list[int]) -> set[int]:
    """Articles whose "earlier in this section" box may list a changed article."""
    result: set[int] = set()
    with pages.sessions() as session:
        for article_id in changed:
            result.update(queries.later_in_section(session, language, article_id, 5))
    return result - set(changed)
