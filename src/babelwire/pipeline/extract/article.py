"""Article page -> clean text with its structure, plus the metadata the newsroom cites.

trafilatura does the hard part (finding the article among navigation, cookie
banners and comments). We ask for its XML output rather than plain text because
plain text loses the difference between a subheading, a paragraph, a list item
and a quote, and translation and publishing both need it: a subheading is
translated on its own and rendered as a heading, a quote keeps its quotation
marks. When the page cannot be had, the feed's own copy stands in
(`babelwire.pipeline.extract.feed`), marked as such so it can be replaced later.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from babelwire.model import Block, BlockKind, ExtractedArticle
from babelwire.pipeline.discover.urls import absolute_http_url
from babelwire.pipeline.extract.text import clean_text, fold, same_text

__all__ = [
    "EXTRACTOR",
    "ExtractionError",
    "extract_article",
]

EXTRACTOR = f"trafilatura {trafilatura.__version__}"


class ExtractionError(Exception):
    """The page (or feed entry) yielded no article text worth keeping."""


def extract_article(html: bytes | str, url: str) -> ExtractedArticle:
    """Extract the article body, as typed blocks, and its metadata from one page.

    Raises ExtractionError when there is no article text: an empty body, a PDF
    or image served where a page was expected, or a page that is all navigation.
    """
    if not _looks_like_html(html):
        raise ExtractionError("no article text found")
    # trafilatura's default (balanced) mode, chosen by measurement on the 300-page
    # evaluation set (tests/test_extract_article.py; one core, warm process,
    # snippet F1 over the blocks):
    #   defaults                F1 0.920 (P 0.899 R 0.941)  ~24 pages/s  2 pages lost
    #   fast=True               F1 0.911 (P 0.897 R 0.927)  ~30 pages/s  0 lost
    #   favor_precision + fast  F1 0.897 (P 0.911 R 0.883)  ~33 pages/s  7 lost
    # The precision modes buy one point of precision with four to six of recall
    # and lose whole pages; the speed they gain does not matter, since 24 pages/s
    # is two million pages a day per core and translation is the slow stage.
    # Comments are left out: they are not the source's journalism.
    try:
        xml = trafilatura.extract(
            html,
            url=url,
            output_format="xml",
            with_metadata=True,
            include_formatting=True,
            include_images=False,
            include_links=False,
            include_comments=False,
            include_tables=True,
            favor_precision=False,
            fast=False,
        )
    except Exception as exc:  # trafilatura/lxml raise a zoo of types on hostile input
        raise ExtractionError(f"no article text found ({type(exc).__name__}: {exc})") from exc
    if not xml:
        raise ExtractionError("no article text found")
    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:  # pragma: no cover - trafilatura writes valid XML
        raise ExtractionError(
            f"no article text found (unreadable extractor output: {exc})"
        ) from exc

    main = doc.find("main")
    blocks = list(_blocks_from_xml(main)) if main is not None else []
    title = _strip_site_name(
        clean_text(doc.get("title") or ""), doc.get("sitename") or "", doc.get("hostname") or ""
    )
    first = main[0] if main is not None and len(main) else None
    leading_h1 = first is not None and first.tag == "head" and first.get("rend") == "h1"
    title, blocks = _split_headline(title, blocks, leading_h1=leading_h1)
    if not blocks:
        raise ExtractionError("no article text found")
    canonical_url, image, image_alt = _head_links(html, url)
    return ExtractedArticle(
        title=title,
        blocks=blocks,
        canonical_url=canonical_url,
        author=clean_text(doc.get("author") or ""),
        published=_parse_date(doc.get("date") or ""),
        image=image,
        image_alt=image_alt if image else "",
        extractor=EXTRACTOR,
    )


# --- trafilatura XML -> blocks ---------------------------------------------------------

_XML_CONTAINERS = frozenset({"main", "div", "list", "table"})


def _blocks_from_xml(main: etree._Element) -> Iterator[Block]:
    """Walk trafilatura's XML body in document order, one block per text unit."""
    for el in main:
        yield from _xml_element_blocks(el, in_quote=False)


def _xml_element_blocks(el: etree._Element, *, in_quote: bool) -> Iterator[Block]:
    tag = el.tag
    if not isinstance(tag, str):
        return
    if tag == "head":
        yield from _block(BlockKind.HEADING, _xml_text(el))
    elif tag == "p" or tag == "code":
        yield from _block(BlockKind.QUOTE if in_quote else BlockKind.PARAGRAPH, _xml_text(el))
    elif tag == "item":
        # A nested list belongs after its parent item, not glued into its text.
        yield from _block(BlockKind.LIST_ITEM, _xml_text(el, skip=("list",)))
        for sub in el.iter("list"):
            if sub.getparent() is el:
                yield from _xml_element_blocks(sub, in_quote=in_quote)
    elif tag == "quote":
        if any(isinstance(c.tag, str) and c.tag not in _INLINE_XML for c in el):
            for child in el:
                yield from _xml_element_blocks(child, in_quote=True)
        else:
            yield from _block(BlockKind.QUOTE, _xml_text(el))
    elif tag == "row":
        # Tables have no block kind of their own; a row read left to right is
        # still text a reader (and a translator) can use.
        cells = [_xml_text(c) for c in el if c.tag == "cell"]
        yield from _block(BlockKind.PARAGRAPH, " | ".join(c for c in cells if c))
    elif tag in _XML_CONTAINERS:
        for child in el:
            yield from _xml_element_blocks(child, in_quote=in_quote)
    # graphic, ref-less media, comments: nothing to read


_INLINE_XML = frozenset({"hi", "lb", "ref", "del", "graphic"})


def _xml_text(el: etree._Element, skip: tuple[str, ...] = ()) -> str:
    """Text of an element; `<lb/>` counts as a space, `skip` subtrees are left out."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "lb":
                parts.append(" ")
            elif child.tag not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return clean_text("".join(parts))


def _block(kind: BlockKind, text: str) -> Iterator[Block]:
    if text:
        yield Block(kind, text)


def _split_headline(
    title: str, blocks: list[Block], *, leading_h1: bool
) -> tuple[str, list[Block]]:
    """Keep the headline once: as the title, not also as the first block.

    trafilatura often keeps the page's <h1> as the first heading of the body,
    while its metadata title comes from <title>/og:title and may carry the
    site name ("Headline - Site") or a different, SEO wording. A leading <h1>,
    or a leading heading that matches the title, is the headline: it becomes
    the title (it is the wording readers saw) and leaves the body.
    """
    if not blocks:
        return title, blocks
    first = blocks[0]
    if first.kind is BlockKind.HEADING and (
        leading_h1 or not title or _headline_matches(first.text, title)
    ):
        return first.text, blocks[1:]
    if same_text(first.text, title):
        return title, blocks[1:]
    return title, blocks


_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " · ", " :: ", " // ", " • ")


def _strip_site_name(title: str, site_name: str, hostname: str) -> str:
    """'Headline - Site' -> 'Headline': <title> tags carry branding the article does not.

    The brand is recognised as the site name trafilatura found, or the host
    name with or without its top-level domain ("Gala" for gala.fr).
    """
    host = hostname.removeprefix("www.")
    brands = {fold(site_name), fold(host), fold(host.rpartition(".")[0])} - {""}
    if not brands:
        return title
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head and fold(tail) in brands:
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and tail and fold(head) in brands:
            return tail.strip()
    return title


def _headline_matches(heading: str, title: str) -> bool:
    h, t = fold(heading), fold(title)
    return bool(h) and (h == t or h in t or t in h)


# --- metadata ----------------------------------------------------------------------------


# PDF, ZIP (and so Office files), PNG, GIF, JPEG, gzip: nothing trafilatura could read.
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")


def _looks_like_html(data: bytes | str) -> bool:
    """Cheap gate before trafilatura: binary formats and empty bodies are not pages."""
    sample = data[:65536]
    if isinstance(sample, str):
        sample = sample.encode("utf-8", "replace")
    stripped = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(stripped) and not stripped.startswith(_BINARY_MAGIC) and b"<" in sample


# og:url first; then the image keys in order of preference.
_HEAD_URL_KEYS = ("og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image")
# What the page says its image shows, in order of preference.
_HEAD_ALT_KEYS = ("og:image:alt", "twitter:image:alt")
MAX_IMAGE_ALT = 500


def _head_links(html: bytes | str, url: str) -> tuple[str, str, str]:
    """The page's canonical URL and lead image, read from its <head>, made absolute,
    and the image's description (og:image:alt, else twitter:image:alt).

    The canonical is rel=canonical, else og:url, else the page URL. It is read
    here rather than taken from trafilatura's metadata because trafilatura
    resolves a relative canonical ("/news/x.html") against whichever og: or
    twitter: URL comes first in the head, often the image CDN, and falls back
    to <base href> or the x-default hreflang alternate, which are not
    canonicals. trafilatura's XML output carries no image at all; og:image
    (else twitter:image) is what the publisher chose to show with a link.
    """
    sample = html[:262_144]
    data = sample.encode("utf-8", "replace") if isinstance(sample, str) else sample
    end = data.lower().find(b"</head")
    head = data[:end] if end >= 0 else data[:65_536]
    try:
        tree = lxml_html.fromstring(head)
    except (etree.ParserError, ValueError):
        return url, "", ""
    canonical = ""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = absolute_http_url(link.get("href") or "", url)
            if canonical:
                break
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key in _HEAD_URL_KEYS and key not in found:
            value = absolute_http_url(meta.get("content") or "", url)
            if value:
                found[key] = value
        elif key in _HEAD_ALT_KEYS and key not in found:
            alt = clean_text(meta.get("content") or "")[:MAX_IMAGE_ALT]
            if alt:
                found[key] = alt
    canonical = canonical or found.get("og:url") or url
    image = next((found[k] for k in _HEAD_URL_KEYS[1:] if k in found), "")
    alt = next((found[k] for k in _HEAD_ALT_KEYS if k in found), "")
    return canonical, image, alt


def _parse_date(value: str) -> datetime | None:
    """trafilatura gives ISO dates ("2024-05-01", sometimes with a time); pin them to UTC."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # an offset that moves the date outside the calendar
        return None
