"""The paginated lists of an edition: a section's, a source's and a tag's articles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import ColumnElement

from babelwire.publish import queries
from babelwire.publish.paths import (
    FEED_TYPES,
    is_tag_slug,
    safe_url,
    url_for_feed,
    url_for_section,
    url_for_source,
    url_for_tag,
)
from babelwire.publish.rendering import SiteRenderer, is_row_id
from babelwire.publish.tags import tag_listing
from babelwire.storage.published import tags
from babelwire.storage.tables import ArticleRow


class ListPages(SiteRenderer):
    """Lists, newest first: page 0 at the list's own address, archive pages counted
    from the oldest article."""

    def archive_pages(self, language: str, slug: str) -> int:
        """How many archive pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 0)
        return 0 if listing is None else listing.archive_pages

    def _listing(self, language: str, slug: str, page: int) -> queries.SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        with self.sessions() as session:
            return queries.section_listing(session, self.config, language, slug, page)

    def section(self, language: str, slug: str, page: int = 0) -> str | None:
        listing = self._listing(language, slug, page)
        if listing is None:
            return None
        return self._render_section(listing)

    def section_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a section (static builds): every page, or with
        `since` = (archive page, the list's length) page 0 and the archive pages from
        that one on."""
        if not self.has_edition(language) or not self.has_section(slug):
            return
        rule = self.config.section(slug)
        assert rule is not None
        where = ArticleRow.section == slug
        for listing in self._list_pages(
            language, slug, rule.name(language), where, since, keep_empty=True
        ):
            yield listing, self._render_section(listing)

    def _render_section(self, listing: queries.SectionListing) -> str:
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
        self._pager(context, listing, lambda n: url_for_section(language, slug, n))
        return self._render("section.html", context)

    # -- sources -----------------------------------------------------------------

    def _source_listing(
        self, language: str, source_id: int, page: int
    ) -> queries.SectionListing | None:
        if not self.has_edition(language) or not is_row_id(source_id):
            return None
        with self.sessions() as session:
            return queries.source_listing(session, self.config, language, source_id, page)

    def source(self, language: str, source_id: int, page: int = 0) -> str | None:
        """What the site took from one source, newest first."""
        listing = self._source_listing(language, source_id, page)
        if listing is None:
            return None
        with self.sessions() as session:
            info = queries.source_info(session, source_id)
        assert info is not None
        return self._render_source(info, listing)

    def source_pages(
        self, language: str, source_id: int, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a source, as `section_pages`."""
        if not self.has_edition(language) or not is_row_id(source_id):
            return
        with self.sessions() as session:
            info = queries.source_info(session, source_id)
        if info is None:
            return
        where = ArticleRow.source_id == source_id
        for listing in self._list_pages(language, str(source_id), info.name, where, since):
            yield listing, self._render_source(info, listing)

    def _render_source(self, info: queries.SourceInfo, listing: queries.SectionListing) -> str:
        language, source_id = listing.language, info.id
        context = self._context(language, path=url_for_source(language, source_id, listing.page))
        context["source"] = info
        context["source_href"] = safe_url(info.url)
        self._pager(context, listing, lambda n: url_for_source(language, source_id, n))
        return self._render("source.html", context)

    def tag(self, language: str, slug: str, page: int = 0) -> str | None:
        """Page `page` of the articles naming a tag."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return None
        with self.sessions() as session:
            found = tag_listing(session, self.config, language, slug, page)
            if found is None:
                return None
            editions = tags.editions_showing(session, found[0].id) if page == 0 else set()
        return self._render_tag(*found, editions)

    def tag_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a tag, as `section_pages`."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return
        with self.sessions() as session:
            info = tags.tag_info(session, language, slug)
            if info is None:
                return
            editions = tags.editions_showing(session, info.id)
        for listing in self._list_pages(language, slug, info.name, tags.named(info.id), since):
            yield listing, self._render_tag(info, listing, editions)

    def list_where(self, language: str, kind: str, key: str) -> ColumnElement[bool] | None:
        """The articles of a list ("section", "source" or "tag"), or None for no such list."""
        if kind == "section":
            return ArticleRow.section == key
        if kind == "source":
            return ArticleRow.source_id == int(key)
        with self.sessions() as session:
            info = tags.tag_info(session, language, key)
        return None if info is None else tags.named(info.id)

    def _list_pages(
        self,
        language: str,
        slug: str,
        name: str,
        where: ColumnElement[bool],
        since: tuple[int, int] | None,
        keep_empty: bool = False,
    ) -> Iterator[queries.SectionListing]:
        """Page 0 and the archive pages of a list (all, or with `since` = (archive page,
        the list's length) from that page on), reading only the articles they show."""
        size = queries.page_size(self.config)
        from_page = None if since is None else since[0]
        with self.sessions() as session:
            if since is None:
                teasers = queries.teasers_where(session, language, where)
                total = len(teasers)
            else:
                total = since[1]
                first = min(max(1, since[0]), queries.archive_pages(total, size) + 1)
                teasers = queries.teasers_where(
                    session, language, where, limit=total - (first - 1) * size
                )
        if total == 0 and not keep_empty:
            return
        archive = queries.archive_pages(total, size)
        numbers = range(max(1, from_page or 1), archive + 1)
        for page in (0, *numbers):
            bounds = queries.page_slice(total, size, page)
            assert bounds is not None
            yield queries.SectionListing(
                language=language,
                slug=slug,
                name=name,
                page=page,
                archive_pages=archive,
                page_size=size,
                total=total,
                teasers=tuple(teasers[bounds[0] : bounds[1]]),
            )

    def _pager(
        self,
        context: dict[str, Any],
        listing: queries.SectionListing,
        url: Callable[[int], str],
    ) -> None:
        """Links and label of a list page: newer is "previous", older is "next"."""
        t = context["t"]
        context["listing"] = listing
        if listing.page == 0:
            context["pager_label"] = t["articles_count"].format(count=listing.total)
            if listing.archive_pages:
                context["next_href"] = url(listing.archive_pages)
            return
        context["pager_label"] = t["archive_page"].format(page=listing.page)
        context["prev_href"] = url(listing.page + 1 if listing.page < listing.archive_pages else 0)
        if listing.page > 1:
            context["next_href"] = url(listing.page - 1)

    def _render_tag(
        self, info: tags.TagInfo, listing: queries.SectionListing, editions: set[str]
    ) -> str:
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
        context["feeds"] = [
            {"type": FEED_TYPES[kind], "href": url_for_feed(language, kind, tag=info.slug)}
            for kind in ("rss", "atom", "json")
        ]
        context["tag"] = info
        self._pager(context, listing, lambda n: url_for_tag(language, info.slug, n))
        return self._render("tag.html", context)
