"""The paginated lists of an edition: a section's, a source's and a tag's articles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from babelwire.publish.interface import Interface
from babelwire.publish.paths import (
    READER_PAGES,
    is_tag_slug,
    list_page_path,
    safe_url,
    url_for_section,
    url_for_source,
    url_for_tag,
)
from babelwire.publish.rendering import SiteRenderer, is_row_id, page_size
from babelwire.storage import Session
from babelwire.storage.published import articles, tags
from babelwire.storage.published.listing import (
    ArticleList,
    Condition,
    from_source,
    in_section,
    with_tag,
)
from babelwire.storage.published.views import (
    SectionListing,
    SourceInfo,
    archive_pages,
    page_slice,
)


class ListPages(SiteRenderer):
    """Lists, newest first: page 0 at the list's own address, archive pages counted
    from the oldest article (addresses that keep their articles), and the newest
    READER_PAGES pages also at reader addresses counted from the newest, whose
    canonical address is the archive page they show."""

    def archive_pages(self, language: str, slug: str) -> int:
        """How many archive pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 0)
        return 0 if listing is None else listing.archive_pages

    def _one_page(
        self,
        session: Session,
        articles_of: ArticleList,
        page: int,
        reader: int,
        *,
        slug: str,
        name: str,
    ) -> SectionListing | None:
        """Archive page `page` (0: the newest), or with `reader` > 0 the reader's page."""
        size = page_size(self.config)
        if reader:
            return articles_of.reader_page(
                session, reader, size, READER_PAGES, slug=slug, name=name
            )
        return articles_of.page(session, page, size, slug=slug, name=name)

    def _listing(
        self, language: str, slug: str, page: int, reader: int = 0
    ) -> SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        rule = self.config.section(slug)
        assert rule is not None
        articles_of = ArticleList(language).in_section(slug)
        with self.sessions() as session:
            return self._one_page(
                session,
                articles_of,
                page,
                reader,
                slug=slug,
                name=self.section_name(rule, language),
            )

    def section(self, language: str, slug: str, page: int = 0, reader: int = 0) -> str | None:
        """A section's page: its newest articles, archive page `page`, or the reader's
        page `reader` (counted from the newest)."""
        listing = self._listing(language, slug, page, reader)
        if listing is None:
            return None
        return self._render_section(listing)

    def section_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[SectionListing, str]]:
        """(listing, html) of the pages of a section (static builds): every page, or with
        `since` = (archive page, the list's length) page 0 and the archive pages from
        that one on."""
        if not self.has_edition(language) or not self.has_section(slug):
            return
        rule = self.config.section(slug)
        assert rule is not None
        articles_of = ArticleList(language).in_section(slug)
        for found in self._list_pages(
            articles_of, slug, self.section_name(rule, language), since, keep_empty=True
        ):
            yield found, self._render_section(found)

    def _render_section(self, listing: SectionListing) -> str:
        language, slug, page = listing.language, listing.slug, listing.page
        context = self._context(
            language,
            path=url_for_section(language, slug, page),
            # Page n of one edition is not page n of another: only page 0 has alternates.
            alternates={code: url_for_section(code, slug) for code in self.languages}
            if page == 0
            else None,
            current_section=slug,
            feed_section=slug,
        )
        self._pager(context, listing, url_for_section(language, slug))
        return self._render("section.html", context)

    # -- sources -----------------------------------------------------------------

    def _source_listing(
        self, language: str, source_id: int, page: int, reader: int
    ) -> SectionListing | None:
        if not self.has_edition(language) or not is_row_id(source_id):
            return None
        with self.sessions() as session:
            info = articles.source_info(session, source_id)
            if info is None:
                return None
            articles_of = ArticleList(language).from_source(source_id)
            found = self._one_page(
                session, articles_of, page, reader, slug=str(source_id), name=info.name
            )
        if found is None or found.total == 0:
            return None
        return found

    def source(self, language: str, source_id: int, page: int = 0, reader: int = 0) -> str | None:
        """What the site took from one source, newest first (pages as `section`)."""
        listing = self._source_listing(language, source_id, page, reader)
        if listing is None:
            return None
        with self.sessions() as session:
            info = articles.source_info(session, source_id)
        assert info is not None
        return self._render_source(info, listing)

    def source_pages(
        self, language: str, source_id: int, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[SectionListing, str]]:
        """(listing, html) of the pages of a source, as `section_pages`."""
        if not self.has_edition(language) or not is_row_id(source_id):
            return
        with self.sessions() as session:
            info = articles.source_info(session, source_id)
        if info is None:
            return
        articles_of = ArticleList(language).from_source(source_id)
        for found in self._list_pages(articles_of, str(source_id), info.name, since):
            yield found, self._render_source(info, found)

    def _render_source(self, info: SourceInfo, listing: SectionListing) -> str:
        language, source_id = listing.language, info.id
        context = self._context(language, path=url_for_source(language, source_id, listing.page))
        context["feeds"] = self.feed_links(language, source=source_id)
        context["source"] = info
        context["source_href"] = safe_url(info.url)
        self._pager(context, listing, url_for_source(language, source_id))
        return self._render("source.html", context)

    def tag(self, language: str, slug: str, page: int = 0, reader: int = 0) -> str | None:
        """The articles naming a tag, newest first (pages as `section`)."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return None
        with self.sessions() as session:
            info = tags.tag_info(session, language, slug)
            if info is None:
                return None
            articles_of = ArticleList(language).with_tag(info.id)
            found = self._one_page(session, articles_of, page, reader, slug=slug, name=info.name)
            if found is None or found.total == 0:
                return None
            editions = tags.editions_showing(session, info.id) if found.page == 0 else set()
        return self._render_tag(info, found, editions)

    def tag_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[SectionListing, str]]:
        """(listing, html) of the pages of a tag, as `section_pages`."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return
        with self.sessions() as session:
            info = tags.tag_info(session, language, slug)
            if info is None:
                return
            editions = tags.editions_showing(session, info.id)
        articles_of = ArticleList(language).with_tag(info.id)
        for found in self._list_pages(articles_of, slug, info.name, since):
            yield found, self._render_tag(info, found, editions)

    def list_where(self, language: str, kind: str, key: str) -> Condition | None:
        """The articles of a list ("section", "source" or "tag"), or None for no such list."""
        if kind == "section":
            return in_section(key)
        if kind == "source":
            return from_source(int(key))
        with self.sessions() as session:
            info = tags.tag_info(session, language, key)
        return None if info is None else with_tag(info.id)

    def _list_pages(
        self,
        articles_of: ArticleList,
        slug: str,
        name: str,
        since: tuple[int, int] | None,
        keep_empty: bool = False,
    ) -> Iterator[SectionListing]:
        """Page 0, the reader pages and the archive pages of a list (all, or with `since`
        = (archive page, the list's length) the archive pages from that page on, and the
        reader pages only when an archive page changed), reading only the articles they
        show. Reader pages show archive pages, so they change only with them, and a list
        that gains an archive page shifts them all: at most READER_PAGES - 1 pages."""
        size = page_size(self.config)
        with self.sessions() as session:
            if since is None:
                teasers = articles_of.teasers(session)
                total = len(teasers)
                first = 1
            else:
                total = since[1]
                first = min(max(1, since[0]), archive_pages(total, size) + 1)
            archive = archive_pages(total, size)
            readers = range(2, min(archive + 1, READER_PAGES) + 1) if first <= archive else ()
            oldest = min(first, archive + 1 - len(readers)) if readers else first
            if since is not None:
                teasers = articles_of.teasers(session, limit=total - (max(1, oldest) - 1) * size)
        if total == 0 and not keep_empty:
            return
        shown = [(0, 0)]
        shown += [(archive + 2 - reader, reader) for reader in readers]
        shown += [(page, 0) for page in range(first, archive + 1)]
        for page, reader in shown:
            bounds = page_slice(total, size, page)
            assert bounds is not None
            yield SectionListing(
                language=articles_of.language,
                slug=slug,
                name=name,
                page=page,
                archive_pages=archive,
                page_size=size,
                total=total,
                teasers=tuple(teasers[bounds[0] : bounds[1]]),
                reader=reader,
            )

    def _pager(self, context: dict[str, Any], listing: SectionListing, list_path: str) -> None:
        """Links and label of a list page: newer is "previous", older is "next".

        The list's own address and the reader pages link to reader pages (the same
        addresses in served and static sites), and past READER_PAGES to the archive;
        an archive page links only to addresses that keep their articles, so that it
        does not change as the list grows."""
        words: Interface = context["interface"]
        context["listing"] = listing
        pages = listing.archive_pages + 1

        def reader_href(number: int) -> str:
            if number <= READER_PAGES:
                return list_page_path(list_path, reader=number)
            return list_page_path(list_path, pages - number + 1)

        if listing.page == 0:
            context["pager_label"] = words.ngettext(
                "%(num)s article", "%(num)s articles", listing.total
            )
            if pages > 1:
                context["next_href"] = reader_href(2)
            return
        if listing.reader:
            context["pager_label"] = words.gettext(
                "Page %(page)s of %(pages)s",
                page=words.number(listing.reader),
                pages=words.number(pages),
            )
            context["prev_href"] = reader_href(listing.reader - 1)
            if listing.reader < pages:
                context["next_href"] = reader_href(listing.reader + 1)
            return
        context["pager_label"] = words.gettext(
            "Archive, page %(page)s (page 1 holds the oldest)", page=words.number(listing.page)
        )
        newer = listing.page + 1 if listing.page < listing.archive_pages else 0
        context["prev_href"] = list_page_path(list_path, newer)
        if listing.page > 1:
            context["next_href"] = list_page_path(list_path, listing.page - 1)

    def _render_tag(self, info: tags.TagInfo, listing: SectionListing, editions: set[str]) -> str:
        """A tag page; `editions` show the tag too (page 0 names them as alternates)."""
        language, page = listing.language, listing.page
        context = self._context(
            language,
            path=url_for_tag(language, info.slug, page),
            alternates={
                code: url_for_tag(code, info.slug) for code in self.languages if code in editions
            }
            if page == 0
            else None,
        )
        context["feeds"] = self.feed_links(language, tag=info.slug)
        context["tag"] = info
        self._pager(context, listing, url_for_tag(language, info.slug))
        return self._render("tag.html", context)
