"""Paths and URLs of the public site.

The live app and the static export must agree on every address, and output
paths must never escape the site folder, so the rules for building and checking
paths live in one module that both share.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from urllib.parse import quote, urlsplit

# Tag pages are made of tag slugs; the rule for one is the model's, which storage shares.
from babelwire.model import is_tag_slug as is_tag_slug

SLUG_MAX = 60

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_SECTION_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_ARTICLE_REF = re.compile(r"^(\d{1,18})(?:-.*)?$", re.DOTALL)


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """An ASCII slug for a URL: lower case letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[1:] else slug[:max_length]
        slug = slug.strip("-")
    return slug or "article"


def is_language_code(code: str) -> bool:
    return bool(_LANGUAGE_CODE.match(code))


def is_section_slug(slug: str) -> bool:
    return bool(_SECTION_SLUG.match(slug))


def parse_article_ref(ref: str) -> int | None:
    """The article id from the `{id}-{slug}` part of an article URL (the slug is not checked)."""
    match = _ARTICLE_REF.match(ref)
    return int(match.group(1)) if match else None


def url_for_home() -> str:
    return "/"


def url_for_front(language: str) -> str:
    return f"/{quote(language, safe='')}/"


#: How many pages of a list, counted from the newest, have a reader address
#: (/page/K/); the older ones are read at their archive address only.
READER_PAGES = 10


def list_page_path(list_path: str, page: int = 0, *, reader: int = 0) -> str:
    """A page of the list at `list_path`: its reader page `reader` (2 the second newest,
    up to READER_PAGES), else its archive page `page` (counted from the oldest, an
    address that keeps its articles), else the list's own address."""
    if reader > 1:
        return f"{list_path}page/{int(reader)}/"
    return list_path if page < 1 else f"{list_path}archive/{int(page)}/"


def url_for_section(language: str, slug: str, page: int = 0, *, reader: int = 0) -> str:
    """A section's newest articles, or one of its pages (see `list_page_path`)."""
    path = f"/{quote(language, safe='')}/section/{quote(slug, safe='')}/"
    return list_page_path(path, page, reader=reader)


def url_for_article(language: str, article_id: int, title: str) -> str:
    return f"/{quote(language, safe='')}/article/{int(article_id)}-{slugify(title)}/"


def url_for_about(language: str) -> str:
    return f"/{quote(language, safe='')}/about/"


def url_for_original(language: str, article_id: int, title: str) -> str:
    """The original-text view: the source text beside the translation, paragraph by paragraph."""
    return url_for_article(language, article_id, title) + "original/"


def url_for_source(language: str, source_id: int, page: int = 0, *, reader: int = 0) -> str:
    path = f"/{quote(language, safe='')}/source/{int(source_id)}/"
    return list_page_path(path, page, reader=reader)


def url_for_story(language: str, story_id: int) -> str:
    return f"/{quote(language, safe='')}/story/{int(story_id)}/"


def url_for_tag(language: str, slug: str, page: int = 0, *, reader: int = 0) -> str:
    path = f"/{quote(language, safe='')}/tag/{quote(slug, safe='')}/"
    return list_page_path(path, page, reader=reader)


def url_for_search(language: str) -> str:
    return f"/{quote(language, safe='')}/search/"


#: Feed formats and their file names: "/en/feed.xml", "/en/section/sport/atom.xml".
FEED_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def url_for_feed(
    language: str,
    kind: str,
    section: str | None = None,
    tag: str | None = None,
    *,
    source: int | None = None,
    story: int | None = None,
) -> str:
    """An edition's feed, or a section's, a tag's, a source's or a story's (give at most
    one of `section`, `tag`, `source` and `story`)."""
    if tag is not None:
        base = url_for_tag(language, tag)
    elif section is not None:
        base = url_for_section(language, section)
    elif source is not None:
        base = url_for_source(language, source)
    elif story is not None:
        base = url_for_story(language, story)
    else:
        base = url_for_front(language)
    return base + FEED_FILES[kind]


MEDIA_FOLDER = "media"
MEDIA_FORMATS = {"webp": "image/webp", "jpg": "image/jpeg"}
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_NAME = re.compile(r"^([0-9a-f]{62})-([1-9][0-9]{0,4})\.(webp|jpg)$")


def is_digest(digest: str) -> bool:
    """Whether `digest` is a SHA-256 in lower-case hex, as pictures are named."""
    return bool(_DIGEST.match(digest))


def url_for_media(digest: str, width: int, extension: str) -> str:
    """The site path of one stored size of a picture: /media/ab/cdef...-640.webp."""
    return f"/{MEDIA_FOLDER}/{digest[:2]}/{digest[2:]}-{width}.{extension}"


def picture_src(
    digest: str, sizes: Sequence[Sequence[int]], extension: str = "jpg", width: int = 0
) -> str:
    """The path of one stored file of a picture whose (width, height) `sizes` are
    stored, smallest first: the narrowest at least `width` wide, else the widest."""
    chosen = next((w for w, _ in sizes if w >= width), sizes[-1][0]) if width else sizes[-1][0]
    return url_for_media(digest, chosen, extension)


def picture_srcset(digest: str, sizes: Sequence[Sequence[int]], extension: str) -> str:
    """A srcset naming every stored width of a picture in one format."""
    return ", ".join(f"{url_for_media(digest, w, extension)} {w}w" for w, _ in sizes)


def parse_media_path(folder: str, name: str) -> tuple[str, int, str] | None:
    """(digest, width, extension) of /media/FOLDER/NAME, or None for any other name."""
    match = _MEDIA_NAME.match(name)
    if match is None or not re.fullmatch(r"[0-9a-f]{2}", folder):
        return None
    return folder + match.group(1), int(match.group(2)), match.group(3)


def url_for_sitemap_index() -> str:
    return "/sitemap.xml"


def url_for_sitemap(language: str, number: int) -> str:
    return f"/sitemaps/{quote(language, safe='')}-{int(number)}.xml"


def url_for_tag_sitemap(language: str) -> str:
    return f"/sitemaps/{quote(language, safe='')}-tags.xml"


def url_for_story_sitemap(language: str) -> str:
    return f"/sitemaps/{quote(language, safe='')}-stories.xml"


def url_for_news_sitemap() -> str:
    return "/sitemaps/news.xml"


def _read_stylesheet() -> bytes:
    return resources.files("babelwire.web").joinpath("static", "style.css").read_bytes()


STYLESHEET: bytes = _read_stylesheet()
_STYLE_VERSION = hashlib.sha256(STYLESHEET).hexdigest()[:10]


#: The site's icon (browsers ask for one on every first visit).
FAVICON: bytes = resources.files("babelwire.web").joinpath("static", "favicon.svg").read_bytes()
_FAVICON_VERSION = hashlib.sha256(FAVICON).hexdigest()[:10]


def url_for_favicon() -> str:
    return f"/favicon.svg?v={_FAVICON_VERSION}"


def url_for_style() -> str:
    """The stylesheet, with its content hash so it can be cached for a long time."""
    return f"/style.css?v={_STYLE_VERSION}"


def safe_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) URL, else "" (no javascript:, data: or relative)."""
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    if any(ord(ch) < 0x20 or ch.isspace() for ch in url):
        return ""
    return url


def contact_href(contact: str) -> str:
    """A link for site.contact: an http(s) URL as is, an e-mail address as mailto:."""
    if safe_url(contact):
        return contact
    if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", contact):
        return "mailto:" + contact
    return ""
