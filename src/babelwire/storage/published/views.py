"""What the public site reads about published articles: small frozen dataclasses, so no
ORM object (and no lazy load) ever reaches a template, a feed or a JSON response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babelwire.model import LowQuality

__all__ = [
    "ArticleView",
    "FeedItem",
    "FrontPage",
    "Picture",
    "SectionListing",
    "SectionTeasers",
    "SourceInfo",
    "Teaser",
    "TextBlock",
    "archive_pages",
    "original_url",
    "page_slice",
    "reader_page_archive",
    "shown_blocks",
    "text_blocks",
]


@dataclass(frozen=True, slots=True)
class Picture:
    """An article's lead picture as the site serves it from its own media folder."""

    digest: str
    width: int  # of the widest file stored
    height: int
    sizes: tuple[tuple[int, int], ...]  # (width, height) of each file stored, smallest first
    alt: str  # in the edition's language where it was translated, else as the source wrote it
    credit: str  # who the picture is from: the source's name


@dataclass(frozen=True, slots=True)
class Teaser:
    """An article as a line of a list: enough to link to it and to say where its text
    comes from (`original_language` and `status`: translated, or written in the edition's
    language); `standfirst` is its first paragraph, shortened, where the list asked."""

    id: int
    language: str
    title: str
    source_name: str
    section: str | None
    published: datetime | None
    original_language: str | None = None
    status: str = ""
    standfirst: str = ""
    picture: Picture | None = None


@dataclass(frozen=True, slots=True)
class SectionTeasers:
    """A section's name and its latest articles, for the front page."""

    slug: str
    name: str
    teasers: tuple[Teaser, ...]


@dataclass(frozen=True, slots=True)
class FrontPage:
    language: str
    sections: tuple[SectionTeasers, ...]


@dataclass(frozen=True, slots=True)
class SectionListing:
    """One page of a list of articles (a section's, a source's, a tag's), newest first.

    Lists are numbered from their oldest end, so that a new article changes only
    the newest pages: page 0, the list's own address, holds the newest articles
    (between one and two pages' worth); archive page n (1 to `archive_pages`)
    holds the n-th `page_size` articles counted from the oldest, and keeps them
    as articles arrive. Readers count pages from the newest: page 0 is their page 1,
    and archive page n their page `archive_pages` - n + 2; `reader` is that number
    when the listing is shown at its reader address (0: at its archive address).
    """

    language: str
    slug: str
    name: str
    page: int
    archive_pages: int
    page_size: int
    total: int
    teasers: tuple[Teaser, ...]
    reader: int = 0


def archive_pages(total: int, size: int) -> int:
    """How many full archive pages a list of `total` articles has (see SectionListing)."""
    return max(0, total // size - 1)


def page_slice(total: int, size: int, page: int) -> tuple[int, int] | None:
    """The newest-first [start, stop) of page `page` of a list, or None past its end."""
    archive = archive_pages(total, size)
    if page == 0:
        return 0, total - archive * size
    if 1 <= page <= archive:
        return total - page * size, total - (page - 1) * size
    return None


def reader_page_archive(total: int, size: int, reader: int, window: int) -> int | None:
    """The archive page a reader's page `reader` shows (2: the second newest page), or
    None when the list has no such page or it is beyond the `window` newest ones."""
    pages = archive_pages(total, size) + 1
    if not 2 <= reader <= min(pages, window):
        return None
    return pages - reader + 1


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One unit of an article body: kind is "p", "h", "li" or "quote"."""

    kind: str
    text: str


def text_blocks(raw: Any) -> tuple[TextBlock, ...]:
    """An article body as stored (a JSON list of {"kind", "text"}), as blocks."""
    if not isinstance(raw, list):
        return ()
    blocks = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            blocks.append(TextBlock(kind=str(item.get("kind") or "p"), text=item["text"]))
    return tuple(blocks)


def original_url(url: str | None, canonical: str | None) -> str:
    """The canonical URL the page declared, else the URL it was fetched from."""
    for candidate in (canonical, url):
        if candidate and candidate.lower().startswith(("https://", "http://")):
            return candidate
    return url or ""


@dataclass(frozen=True, slots=True)
class ArticleView:
    """One article in one edition, with everything its page shows about its origin."""

    id: int
    language: str  # the edition's language
    status: str  # "translated" or "original"
    title: str
    blocks: tuple[TextBlock, ...]
    original_title: str
    original_blocks: tuple[TextBlock, ...]
    original_language: str | None
    original_url: str
    source_name: str
    source_url: str
    engine: str
    engine_version: str
    model_version: str
    author: str
    section: str | None
    published_at: datetime | None  # when the source published it
    first_published_at: datetime | None  # when this site first published it
    updated_at: datetime | None
    other_languages: tuple[str, ...]  # other editions that show it, in configured order
    source_id: int = 0
    other_titles: tuple[tuple[str, str], ...] = ()  # (edition, title) for other_languages
    story_id: int | None = None
    brief: bool = False  # only the headline: the page failed and the feed carried no text
    revised: bool = False  # a person revised the machine's translation
    revised_by_display: str | None = None  # the name they gave readers, if any
    image: str = ""  # the picture the source's page named, if any
    # Words the engine left as they were, in untranslated_language: (segment, words)
    # with segment 0 the title and then each block (pipeline/translate/untranslated.py).
    untranslated_language: str = ""
    untranslated: tuple[tuple[int, tuple[str, ...]], ...] = ()
    picture: Picture | None = None  # that picture, stored and served by this site
    # Below the quality threshold yet shown: "low-confidence" or "summary" (LowQuality).
    published_as: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    name: str
    url: str
    language: str | None


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """An article as an item of the API's lists: its headline in an edition, where it
    comes from, and how its text got there."""

    id: int
    language: str  # the edition's
    title: str
    status: str  # "translated" or "original"
    original_language: str | None
    original_url: str
    source_id: int
    source_name: str
    section: str | None
    story_id: int | None
    published: datetime  # when readers see it as published: at the source, else here
    first_published_at: datetime  # when this site first published it
    engine: str
    engine_version: str
    model_version: str
    revised: bool  # a person revised the machine's translation
    published_as: str = ""  # below the quality threshold yet shown (LowQuality)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """An article as a feed or sitemap entry."""

    id: int
    language: str
    title: str
    summary: str
    source_name: str
    original_url: str
    section: str | None
    published: datetime | None
    updated: datetime | None
    # How its text got here (read with `with_text`; sitemaps leave them empty).
    status: str = ""  # "translated" or "original"
    original_language: str | None = None
    engine: str = ""
    engine_version: str = ""
    model_version: str = ""
    revised: bool = False  # a person revised the machine's translation
    revised_by_display: str | None = None
    author: str = ""
    image: str = ""
    blocks: tuple[TextBlock, ...] = ()  # the whole text in this edition
    picture: Picture | None = None
    published_as: str = ""  # below the quality threshold yet shown (LowQuality)


def shown_blocks(blocks: tuple[TextBlock, ...], published_as: str) -> tuple[TextBlock, ...]:
    """What readers get of a translation's body: all of it, or for one published as
    its title and summary (`LowQuality.SUMMARY`) only its first paragraph."""
    if published_as != LowQuality.SUMMARY:
        return blocks
    first = next((b for b in blocks if b.kind == "p" and b.text.strip()), None)
    return (first,) if first is not None else ()
