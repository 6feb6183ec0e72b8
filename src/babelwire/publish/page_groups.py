"""Writing a static build's groups of pages: the site's own files, the sitemaps, an
edition's front page and feeds, a paginated list with its feeds, a story, an article's
pages and the pages of taken-down articles. `babelwire.publish.static` decides which
groups a build writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from babelwire.publish.article_pages import EditionIndex
from babelwire.publish.build_changes import SiteList
from babelwire.publish.page_writer import PageWriter, remove_pages_after
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import (
    FAVICON,
    READER_PAGES,
    STYLESHEET,
    url_for_feed,
    url_for_front,
    url_for_news_sitemap,
    url_for_section,
    url_for_sitemap,
    url_for_sitemap_index,
    url_for_source,
    url_for_story,
    url_for_story_sitemap,
    url_for_tag,
    url_for_tag_sitemap,
)
from babelwire.publish.search_index import SEARCH_SCRIPT
from babelwire.storage.published.views import SectionListing


def write_site_files(pages: SitePages, out: PageWriter) -> None:
    out.page("/", pages.home())
    out.file("/404.html", pages.not_found())
    out.file("/style.css", STYLESHEET)
    out.file("/favicon.svg", FAVICON)
    out.file("/search.js", SEARCH_SCRIPT)
    out.file("/robots.txt", pages.robots())


def write_sitemaps(
    pages: SitePages,
    out: PageWriter,
    chunks: dict[str, set[int]] | None,
    *,
    tags_changed: bool = True,
    stories_changed: bool = True,
) -> None:
    """The index, the news sitemap and the numbered sitemaps (only `chunks` when given);
    the tag and story sitemaps when tags or stories may have changed."""
    out.file(url_for_sitemap_index(), pages.sitemap_index())
    out.file(url_for_news_sitemap(), pages.news_sitemap())
    for language in pages.languages:
        tag_map = pages.tag_sitemap(language) if tags_changed else None
        if tag_map is not None:
            out.file(url_for_tag_sitemap(language), tag_map)
        story_map = pages.story_sitemap(language) if stories_changed else None
        if story_map is not None:
            out.file(url_for_story_sitemap(language), story_map)
        count = pages.sitemap_count(language)
        numbers: Iterable[int] = range(1, count + 1)
        if chunks is not None:
            numbers = sorted(n for n in chunks.get(language, set()) if n <= count)
        for number in numbers:
            body = pages.sitemap(language, number)
            if body is not None:
                out.file(url_for_sitemap(language, number), body)


def write_edition_lists(pages: SitePages, out: PageWriter, language: str) -> None:
    out.page(url_for_front(language), pages.front(language))
    for kind, body in pages.feed_documents(language).items():
        out.file(url_for_feed(language, kind), body)


def _list_url(language: str, lst: SiteList, page: int = 0, reader: int = 0) -> str:
    if lst.kind == "section":
        return url_for_section(language, lst.key, page, reader=reader)
    if lst.kind == "source":
        return url_for_source(language, int(lst.key), page, reader=reader)
    return url_for_tag(language, lst.key, page, reader=reader)


def _list_pages(
    pages: SitePages, language: str, lst: SiteList, since: tuple[int, int] | None
) -> Iterator[tuple[SectionListing, str]]:
    if lst.kind == "section":
        return pages.section_pages(language, lst.key, since)
    if lst.kind == "source":
        return pages.source_pages(language, int(lst.key), since)
    return pages.tag_pages(language, lst.key, since)


def write_list(
    pages: SitePages,
    out: PageWriter,
    language: str,
    lst: SiteList,
    since: tuple[int, int] | None = None,
) -> None:
    """A list's pages (every one, or with `since` = (archive page, the list's length)
    page 0, the archive pages from that one on and the reader pages when they moved)
    and its feeds; its folder goes when the edition no longer shows it."""
    archive = None
    for listing, html in _list_pages(pages, language, lst, since):
        out.page(_list_url(language, lst, listing.page, listing.reader), html)
        archive = listing.archive_pages
    if archive is None:
        out.remove_tree(_list_url(language, lst))
        return
    remove_pages_after(out, _list_url(language, lst), min(archive + 1, READER_PAGES))
    remove_pages_after(out, _list_url(language, lst), archive, "archive")
    if lst.kind == "source":
        source_id = int(lst.key)
        for kind, body in pages.feed_documents(language, source_id=source_id).items():
            out.file(url_for_feed(language, kind, source=source_id), body)
        return
    section, tag = (lst.key, None) if lst.kind == "section" else (None, lst.key)
    for kind, body in pages.feed_documents(language, section, tag).items():
        out.file(url_for_feed(language, kind, section, tag), body)


def write_story(pages: SitePages, out: PageWriter, language: str, story_id: int) -> None:
    html = pages.story(language, story_id)
    if html is None:
        out.remove_tree(url_for_story(language, story_id))
        return
    out.page(url_for_story(language, story_id), html)
    for kind, body in pages.feed_documents(language, story_id=story_id).items():
        out.file(url_for_feed(language, kind, story=story_id), body)


def write_article(
    pages: SitePages,
    out: PageWriter,
    language: str,
    article_id: int,
    index: EditionIndex | None = None,
) -> bool:
    """An article's page and original-text view; False when it is not in this edition."""
    written = pages.article_pages(language, article_id, index)
    for path, html in written:
        out.page(path, html)
    return bool(written)


def write_gone(pages: SitePages, out: PageWriter, paths: Iterable[str]) -> None:
    for path in paths:
        language = path.strip("/").split("/", 1)[0]
        out.page(path, pages.gone(language))
