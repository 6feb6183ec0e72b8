"""One list of published articles, as the site, its feeds and its API read it.

`ArticleList(language)` is every article visible in an edition, newest first;
its filters narrow it (`.in_section("politics").with_tag(7)`), and it is read
as a count, as numbered pages (the site's lists), after a cursor (the API), or
as feed items. The visibility rule is written here once: an article is visible
in edition L when it has been published (`first_published_at` is set) and its
translation into L is "translated" or "original"; a "skipped" translation keeps
it out of that edition.

Newest first means by the time readers see (when the source published the
article, else when this site first did), then by id, so that articles
published at the same moment keep one order.

Why one module over 500 lines: the visibility rule, the order and the cursor are
shared by every way of reading the list (teasers, numbered pages, API items, feed
items), and each reading is a method of ArticleList built on them; split apart,
each part would import the rest back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Self

from sqlalchemy import ColumnElement, Select, case, func, null, or_, select
from sqlalchemy.orm import Session

from babelwire.model import TranslationStatus
from babelwire.storage.images import pictures_of
from babelwire.storage.published.views import (
    FeedItem,
    ListedArticle,
    Picture,
    SectionListing,
    Teaser,
    archive_pages,
    original_url,
    page_slice,
    reader_page_archive,
    shown_blocks,
    text_blocks,
)
from babelwire.storage.tables import ArticleRow, ArticleTagRow, SourceRow, TranslationRow

__all__ = [
    "VISIBLE_STATUSES",
    "ArticleList",
    "Condition",
    "CursorPage",
    "InvalidCursorError",
    "ListedPage",
    "decode_cursor",
    "encode_cursor",
    "from_source",
    "in_section",
    "in_story",
    "newest_first",
    "sections_with_articles",
    "shown_time",
    "teaser_rows",
    "teaser_select",
    "visible_in",
    "with_tag",
]

VISIBLE_STATUSES = (TranslationStatus.TRANSLATED, TranslationStatus.ORIGINAL)
# Row ids are 32-bit integers in PostgreSQL.
_MAX_ROW_ID = 2**31 - 1

Condition = ColumnElement[bool]


def visible_in(language: str) -> list[Condition]:
    """Conditions for an article (joined with its translations) visible in an edition."""
    return [
        ArticleRow.first_published_at.is_not(None),
        TranslationRow.language == language,
        TranslationRow.status.in_(VISIBLE_STATUSES),
    ]


def shown_time() -> Any:
    """The time readers see and lists sort by: when the source published the article,
    else when this site first did."""
    return func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at)


def newest_first() -> tuple[Any, ...]:
    return (shown_time().desc(), ArticleRow.id.desc())


def in_section(slug: str) -> Condition:
    return ArticleRow.section == slug


def from_source(source_id: int) -> Condition:
    return ArticleRow.source_id == source_id


def with_tag(tag_id: int) -> Condition:
    return ArticleRow.id.in_(select(ArticleTagRow.article_id).where(ArticleTagRow.tag_id == tag_id))


def in_story(story_id: int) -> Condition:
    return ArticleRow.story_id == story_id


#: A standfirst is cut at a word near this many characters.
STANDFIRST_CHARS = 220


def teaser_select(*, standfirst: bool = False) -> Select[Any]:
    """Articles with their translations and sources, as the columns of a Teaser; with
    `standfirst`, the first paragraph too (read from the stored text by the database,
    not the whole text)."""
    columns: list[Any] = [
        ArticleRow.id,
        TranslationRow.title,
        SourceRow.name,
        ArticleRow.section,
        shown_time(),
        ArticleRow.language,
        TranslationRow.status,
    ]
    if standfirst:
        blocks = TranslationRow.blocks
        first = case(
            (blocks[(0, "kind")].as_string() == "h", blocks[(1, "text")].as_string()),
            else_=blocks[(0, "text")].as_string(),
        )
        columns.append(func.substr(first, 1, STANDFIRST_CHARS + 80))
    return (
        select(*columns)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
    )


def shorten(text: str | None, limit: int = STANDFIRST_CHARS) -> str:
    """`text` on one line, cut at the last word that fits in `limit` characters."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def teaser_rows(
    session: Session, language: str, query: Select[Any], params: dict[str, Any] | None = None
) -> tuple[Teaser, ...]:
    """The teasers `query` finds, each with its stored picture (one more query)."""
    rows = session.execute(query, params).all()
    pictures = pictures_of(session, language, [row[0] for row in rows])
    return tuple(
        Teaser(
            id=row[0],
            language=language,
            title=row[1],
            source_name=row[2],
            section=row[3],
            published=row[4],
            original_language=row[5],
            status=row[6],
            standfirst=shorten(row[7]) if len(row) > 7 else "",
            picture=pictures.get(row[0]),
        )
        for row in rows
    )


def sections_with_articles(session: Session, language: str, slugs: list[str]) -> set[str]:
    """The sections among `slugs` with at least one article visible in the edition: one
    query, an EXISTS per section (each a probe of the section's index)."""
    if not slugs:
        return set()
    checks = [
        select(ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language), in_section(slug))
        .exists()
        .label(f"s{index}")
        for index, slug in enumerate(slugs)
    ]
    row = session.execute(select(*checks)).one()
    return {slug for slug, shown in zip(slugs, row, strict=True) if shown}


class InvalidCursorError(ValueError):
    """A cursor that no ArticleList gave out (mangled, or from something else)."""


@dataclass(frozen=True, slots=True)
class ListedPage:
    """API list items after a cursor, and the cursor to ask for the ones after them."""

    items: tuple[ListedArticle, ...]
    next_cursor: str | None


def listed_select() -> Select[Any]:
    """Articles with their translations and sources, as the columns of a ListedArticle."""
    return (
        select(
            ArticleRow.id,
            TranslationRow.title,
            TranslationRow.status,
            ArticleRow.language,
            ArticleRow.url,
            ArticleRow.source_id,
            SourceRow.name,
            ArticleRow.section,
            ArticleRow.story_id,
            shown_time(),
            ArticleRow.first_published_at,
            TranslationRow.engine,
            TranslationRow.engine_version,
            TranslationRow.model_version,
            TranslationRow.revised_at,
            ArticleRow.canonical_url,
            TranslationRow.published_as,
        )
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
    )


def listed_rows(session: Session, language: str, query: Select[Any]) -> tuple[ListedArticle, ...]:
    return tuple(
        ListedArticle(
            id=row[0],
            language=language,
            title=row[1],
            status=row[2],
            original_language=row[3],
            original_url=original_url(row[4], row[15]),
            source_id=row[5],
            source_name=row[6],
            section=row[7],
            story_id=row[8],
            published=row[9],
            first_published_at=row[10],
            engine=row[11],
            engine_version=row[12],
            model_version=row[13],
            revised=row[14] is not None,
            published_as=row[16] or "",
        )
        for row in session.execute(query)
    )


@dataclass(frozen=True, slots=True)
class CursorPage:
    """Articles after a cursor, and the cursor to ask for the ones after them (None at
    the end of the list)."""

    teasers: tuple[Teaser, ...]
    next_cursor: str | None


def encode_cursor(shown: datetime, article_id: int) -> str:
    """An opaque cursor: the list goes on after the article shown at `shown` with this id."""
    raw = json.dumps([shown.isoformat(), article_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(shown time, id) of a cursor from `encode_cursor`; InvalidCursorError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        shown, article_id = json.loads(raw.decode())
        when = datetime.fromisoformat(shown)
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as error:
        raise InvalidCursorError(_refusal(cursor)) from error
    if when.tzinfo is None or type(article_id) is not int or not 0 < article_id <= _MAX_ROW_ID:
        raise InvalidCursorError(_refusal(cursor))
    return when, article_id


def _refusal(cursor: str) -> str:
    return f"invalid cursor {cursor[:64]!r}: pass back a next_cursor the list gave out"


@dataclass(frozen=True, slots=True, eq=False)
class ArticleList:
    """The articles visible in edition `language` that pass every filter, newest first.

    Each filter returns a new list; reading one runs its query in the caller's session.
    """

    language: str
    conditions: tuple[Condition, ...] = ()
    # Only recent articles are asked for: see `first_published_since`.
    recent: bool = False

    # -- filters -------------------------------------------------------------

    def matching(self, *conditions: Condition) -> Self:
        """Only the articles matching every condition (built by storage modules)."""
        return replace(self, conditions=(*self.conditions, *conditions))

    def in_section(self, slug: str) -> Self:
        return self.matching(in_section(slug))

    def from_source(self, source_id: int) -> Self:
        return self.matching(from_source(source_id))

    def with_tag(self, tag_id: int) -> Self:
        return self.matching(with_tag(tag_id))

    def in_story(self, story_id: int) -> Self:
        return self.matching(in_story(story_id))

    def with_ids(self, ids: Collection[int]) -> Self:
        return self.matching(ArticleRow.id.in_(list(ids)))

    def with_ids_between(self, low: int, high: int) -> Self:
        """Only the articles with ids in (low, high]."""
        return self.matching(ArticleRow.id > low, ArticleRow.id <= high)

    def in_language(self, language: str) -> Self:
        """Only the articles written in `language` at their source."""
        return self.matching(ArticleRow.language == language)

    def shown_between(self, since: datetime | None, until: datetime | None) -> Self:
        """Only the articles shown as published at or after `since` and before `until`."""
        found = self
        if since is not None:
            found = found.matching(shown_time() >= since)
        if until is not None:
            found = found.matching(shown_time() < until)
        return found

    def first_published_since(self, since: datetime) -> Self:
        """Only the articles this site first published at or after `since`."""
        return replace(self.matching(ArticleRow.first_published_at >= since), recent=True)

    # -- reading -------------------------------------------------------------

    def _where(self) -> list[Condition]:
        return [*visible_in(self.language), *self.conditions]

    def _order(self) -> tuple[Any, ...]:
        if self.recent:
            # The same order through an expression no index covers, so that the database
            # reads the few recent articles by first_published_at and sorts them.
            shown = func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at, null())
            return shown.desc(), ArticleRow.id.desc()
        return newest_first()

    def count(self, session: Session) -> int:
        total = session.scalar(
            select(func.count(ArticleRow.id))
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .where(*self._where())
        )
        return int(total or 0)

    def teasers(
        self,
        session: Session,
        *,
        offset: int = 0,
        limit: int | None = None,
        standfirst: bool = False,
    ) -> tuple[Teaser, ...]:
        """The articles of the list (all, or `limit` from `offset`), newest first; with
        `standfirst`, each with its first paragraph, shortened."""
        query = (
            teaser_select(standfirst=standfirst)
            .where(*self._where())
            .order_by(*self._order())
            .offset(offset)
            .limit(limit)
        )
        return teaser_rows(session, self.language, query)

    def page(
        self, session: Session, page: int, size: int, *, slug: str = "", name: str = ""
    ) -> SectionListing | None:
        """Page `page` of the list, `size` articles a page, numbered from the oldest end
        (see SectionListing); None past its end. `slug` and `name` name the list."""
        return self._page_of(session, self.count(session), page, size, slug=slug, name=name)

    def reader_page(
        self,
        session: Session,
        reader: int,
        size: int,
        window: int,
        *,
        slug: str = "",
        name: str = "",
    ) -> SectionListing | None:
        """The reader's page `reader` of the list, counted from the newest (2: the second
        newest page, up to `window`), as the archive page it shows; None past either end."""
        total = self.count(session)
        page = reader_page_archive(total, size, reader, window)
        if page is None:
            return None
        return self._page_of(session, total, page, size, slug=slug, name=name, reader=reader)

    def _page_of(
        self,
        session: Session,
        total: int,
        page: int,
        size: int,
        *,
        slug: str,
        name: str,
        reader: int = 0,
    ) -> SectionListing | None:
        bounds = page_slice(total, size, page)
        if bounds is None:
            return None
        start, stop = bounds
        return SectionListing(
            language=self.language,
            slug=slug,
            name=name,
            page=page,
            archive_pages=archive_pages(total, size),
            page_size=size,
            total=total,
            teasers=self.teasers(session, offset=start, limit=stop - start, standfirst=True),
            reader=reader,
        )

    def _after_cursor(self, query: Select[Any], cursor: str | None, limit: int) -> Select[Any]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = query.where(*self._where())
        if cursor is not None:
            shown, article_id = decode_cursor(cursor)
            time = shown_time()
            query = query.where(
                # A range on the list's index, then the ties.
                time <= shown,
                or_(time < shown, ArticleRow.id < article_id),
            )
        return query.order_by(*self._order()).limit(limit + 1)

    def after(self, session: Session, cursor: str | None, limit: int) -> CursorPage:
        """Up to `limit` articles following `cursor` (None: from the newest).

        Every article is read once walking the cursors, however many share a time, and
        articles published meanwhile do not shift the ones still to come.
        """
        query = self._after_cursor(teaser_select(), cursor, limit)
        found = teaser_rows(session, self.language, query)
        teasers = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = teasers[-1]
            # A visible article has been published, so it has a time to be shown at.
            assert last.published is not None
            next_cursor = encode_cursor(last.published, last.id)
        return CursorPage(teasers=teasers, next_cursor=next_cursor)

    def listed_after(self, session: Session, cursor: str | None, limit: int) -> ListedPage:
        """`after`, as the API's list items (with where each came from and how)."""
        found = listed_rows(
            session, self.language, self._after_cursor(listed_select(), cursor, limit)
        )
        items = found[:limit]
        next_cursor = None
        if len(found) > limit:
            next_cursor = encode_cursor(items[-1].published, items[-1].id)
        return ListedPage(items=items, next_cursor=next_cursor)

    def position(self, session: Session, article_id: int) -> int:
        """How many articles of the list sort before this one; -1 when it is not in it."""
        row = session.execute(
            select(shown_time())
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .where(*self._where(), ArticleRow.id == article_id)
        ).first()
        if row is None:
            return -1
        time = shown_time()
        # A range on the list's index (only the newer articles are read), then the ties.
        newer = self.matching(time >= row[0], or_(time > row[0], ArticleRow.id > article_id))
        return newer.count(session)

    def feed_items(
        self,
        session: Session,
        limit: int | None = 50,
        *,
        offset: int = 0,
        with_summary: bool = True,
        with_text: bool = False,
    ) -> tuple[FeedItem, ...]:
        """The newest articles of the list as feed or sitemap entries (all when `limit`
        is None); `with_summary`: the first paragraph too; `with_text`: the whole text,
        the author and image, and how the text got here (a feed's items), in the same
        query."""
        columns: list[Any] = [
            ArticleRow.id,
            TranslationRow.title,
            SourceRow.name,
            ArticleRow.url,
            ArticleRow.canonical_url,
            ArticleRow.section,
            shown_time(),
            ArticleRow.updated_at,
        ]
        if with_summary or with_text:
            columns.append(TranslationRow.blocks)
        if with_text:
            columns += [
                TranslationRow.status,
                ArticleRow.language,
                TranslationRow.engine,
                TranslationRow.engine_version,
                TranslationRow.model_version,
                TranslationRow.revised_by,
                TranslationRow.revised_by_display,
                ArticleRow.author,
                ArticleRow.image,
                TranslationRow.published_as,
            ]
        query = (
            select(*columns)
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .join(SourceRow, SourceRow.id == ArticleRow.source_id)
            .where(*self._where())
            .order_by(*self._order())
            .offset(offset)
            .limit(limit)
        )
        rows = session.execute(query).all()
        ids = [row[0] for row in rows] if with_text else []
        pictures = pictures_of(session, self.language, ids)
        return tuple(
            self._feed_item(row, with_summary or with_text, with_text, pictures.get(row[0]))
            for row in rows
        )

    def _feed_item(
        self, row: Any, with_summary: bool, with_text: bool = False, picture: Picture | None = None
    ) -> FeedItem:
        summary = ""
        blocks = text_blocks(row[8]) if with_summary else ()
        for block in blocks:
            if block.kind == "p" and block.text.strip():
                summary = block.text.strip()
                break
        original = next(
            (u for u in (row[4], row[3]) if u and u.lower().startswith(("https://", "http://"))),
            "",
        )
        item = FeedItem(
            id=row[0],
            language=self.language,
            title=row[1],
            summary=summary,
            source_name=row[2],
            original_url=original,
            section=row[5],
            published=row[6],
            updated=row[7],
        )
        if not with_text:
            return item
        return replace(
            item,
            status=row[9],
            original_language=row[10],
            engine=row[11] or "",
            engine_version=row[12] or "",
            model_version=row[13] or "",
            revised=row[14] is not None,
            revised_by_display=row[15],
            author=row[16] or "",
            image=row[17] or "",
            blocks=shown_blocks(blocks, row[18] or ""),
            published_as=row[18] or "",
            picture=picture,
        )

    def highest_id(self, session: Session) -> int:
        """The highest article id in the list (0 when it is empty)."""
        query = (
            select(func.max(ArticleRow.id))
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .where(*self._where())
        )
        return int(session.scalar(query) or 0)

    def source_ids(self, session: Session) -> tuple[int, ...]:
        """The sources with at least one article in the list, by id."""
        query = (
            select(ArticleRow.source_id)
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .where(*self._where())
            .group_by(ArticleRow.source_id)
            .order_by(ArticleRow.source_id)
        )
        return tuple(int(x) for x in session.scalars(query))
