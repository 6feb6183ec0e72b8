"""Which pages an incremental build rewrites for what changed since the last build.

What changed is read through `babelwire.storage.published.changes`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from babelwire.model import is_ascii_number
from babelwire.publish.pages import SitePages
from babelwire.publish.rendering import page_size
from babelwire.storage.published.articles import later_related
from babelwire.storage.published.listing import ArticleList
from babelwire.storage.published.views import archive_pages


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
    size = page_size(pages.config)
    ids = sorted(set(changed))
    with pages.sessions() as session:
        listed = ArticleList(language).matching(where)
        total = listed.count(session)
        archive = archive_pages(total, size)
        lowest = archive + 1
        for article_id in ids:
            newer = listed.position(session, article_id)
            if newer < 0:
                return 1, total
            lowest = min(lowest, (total - 1 - newer) // size + 1)
    # Were all of them new, the list had this many archive pages before.
    before = archive_pages(total - len(ids), size)
    if archive > before:
        lowest = min(lowest, before)
    return max(1, lowest), total


def article_folders(root: Path, ids: set[int]) -> dict[int, list[Path]]:
    """The existing folders of these articles under /{lang}/article/ (any slug)."""
    found: dict[int, list[Path]] = {}
    if not root.is_dir():
        return found
    with os.scandir(root) as entries:
        for entry in entries:
            head = entry.name.split("-", 1)[0]
            if is_ascii_number(head) and int(head) in ids and entry.is_dir():
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
    """Articles whose related box may list a changed article."""
    result: set[int] = set()
    with pages.sessions() as session:
        for article_id in changed:
            result.update(later_related(session, language, article_id, 5))
    return result - set(changed)
