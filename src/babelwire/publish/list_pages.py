"""The paginated lists of an edition: a section's, a source's and a tag's articles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from babelwire.publish.interface import Interface
from babelwire.publish.paths import (
    is_tag_slug,
    safe_url,
    url_for_section,
    url_for_source,
    url_for_tag,
)
from babelwire.publish.rendering import SiteRenderer, is_row_id, page_size
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
    from the oldest article."""

    def archive_pages(self, language: str, slug: str) -> int:
        """How many archive pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 0)
        return 0 if listing is None else listing.archive_pages

    def _listing(self, language: str, slug: str, page: int) -> SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        rule = self.config.section(slug)
        assert rule is not None
        articles_of = ArticleList(language).in_section(slug)
        with self.sessions() as session:
            return articles_of.page(
                session,
                page,
                page_size(self.config),
                slug=slug,
                name=self.section_name(rule, language),
            )

    def section(self, language: str, slug: str, page: int = 0) -> str | None:
        listing = self._listing(language, slug, page)
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
        self._pager(context, listing, lambda n: url_for_section(language, slug, n))
        return self._render("section.html", context)

    # -- sources -----------------------------------------------------------------

    def _source_listing(self, language: str, source_id: int, page: int) -> SectionListing | None:
        if not self.has_edition(language) or not is_row_id(source_id):
            return None
        with self.sessions() as session:
            info = articles.source_info(session, source_id)
            if info is None:
                return None
            found = (
                ArticleList(language)
                .from_source(source_id)
                .page(session, page, page_size(self.config), slug=str(source_id), name=info.name)
            )
        if found is None or found.total == 0:
            return None
        return found

    def source(self, language: str, source_id: int, page: int = 0) -> str | None:
        """What the site took from one source, newest first."""
        listing = self._source_listing(language, source_id, page)
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
        self._pager(context, listing, lambda n: url_for_source(language, source_id, n))
        return self._render("source.html", context)

    def tag(self, language: str, slug: str, page: int = 0) -> str | None:
        """Page `page` of the articles naming a tag."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return None
        with self.sessions() as session:
            info = tags.tag_info(session, language, slug)
            if info is None:
                return None
            found = (
                ArticleList(language)
                .with_tag(info.id)
                .page(session, page, page_size(self.config), slug=slug, name=info.name)
            )
            if found is None or found.total == 0:
                return None
            editions = tags.editions_showing(session, info.id) if page == 0 else set()
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
        """Page 0 and the archive pages of a list (all, or with `since` = (archive page,
        the list's length) from that page on), reading only the articles they show."""
        size = page_size(self.config)
        from_page = None if since is None else since[0]
        with self.sessions() as session:
            if since is None:
                teasers = articles_of.teasers(session)
                total = len(teasers)
            else:
                total = since[1]
                first = min(max(1, since[0]), archive_pages(total, size) + 1)
                teasers = articles_of.teasers(session, limit=total - (first - 1) * size)
        if total == 0 and not keep_empty:
            return
        archive = archive_pages(total, size)
        numbers = range(max(1, from_page or 1), archive + 1)
        for page in (0, *numbers):
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
            )

    def _pager(
        self,
        context: dict[str, Any],
        listing: SectionListing,
        url: Callable[[int], str],
    ) -> None:
        """Links and label of a list page: newer is "previous", older is "next"."""
        words: Interface = context["interface"]
        context["listing"] = listing
        if listing.page == 0:
            context["pager_label"] = words.ngettext(
                "%(num)s article", "%(num)s articles", listing.total
            )
            if listing.archive_pages:
                context["next_href"] = url(listing.archive_pages)
            return
        context["pager_label"] = words.gettext(
            "Archive, page %(page)s (page 1 holds the oldest)", page=words.number(listing.page)
        )
        context["prev_href"] = url(listing.page + 1 if listing.page < listing.archive_pages else 0)
        if listing.page > 1:
            context["next_href"] = url(listing.page - 1)

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
        self._pager(context, listing, lambda n: url_for_tag(language, info.slug, n))
        return self._render("tag.html", context)
