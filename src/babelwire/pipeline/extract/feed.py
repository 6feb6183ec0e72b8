"""The article from what its feed entry carried: the feed's HTML split into blocks.

For when the page cannot be had (unreachable, paywalled, no text): the feed's
full content, or its summary, stands in, marked `from_feed` so a later fetch may
replace it; with no text at all, the headline alone makes a brief.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from babelwire.model import BRIEF, Block, BlockKind, ExtractedArticle, FeedEntry
from babelwire.pipeline.discover.urls import absolute_http_url
from babelwire.pipeline.extract.article import ExtractionError
from babelwire.pipeline.extract.text import clean_text, remove_control_chars, same_text

__all__ = ["article_brief", "article_from_feed", "blocks_from_html", "first_image"]


def article_from_feed(entry: FeedEntry) -> ExtractedArticle:
    """Build the article from what the feed itself carried.

    This is the fallback when the page is unreachable, paywalled or yields no
    text: a feed's full content (or at least its summary) is better than
    nothing, and `from_feed=True` tells later stages it may be replaced when the
    page becomes available.
    """
    blocks = blocks_from_html(entry.content_html) if entry.content_html else []
    if not blocks:
        summary = clean_text(entry.summary)
        blocks = [Block(BlockKind.PARAGRAPH, summary)] if summary else []
    title = clean_text(entry.title)
    if blocks and title and same_text(blocks[0].text, title) and len(blocks) > 1:
        blocks = blocks[1:]
    if not blocks:
        raise ExtractionError("the feed entry has no text")
    return ExtractedArticle(
        title=title,
        blocks=blocks,
        canonical_url=entry.url,
        author=clean_text(entry.author),
        published=entry.published or entry.updated,
        image=first_image(entry.content_html, entry.url),
        extractor="feed",
        from_feed=True,
    )


def article_brief(entry: FeedEntry) -> ExtractedArticle:
    """The entry as a brief: its headline (and summary, if any), to link to the original.

    For an entry whose page failed for good when the feed carried no text: a
    headline with a link still tells the reader the news exists and where to
    read it. Raises ExtractionError when there is not even a headline.
    """
    title = clean_text(entry.title)
    if not title:
        raise ExtractionError("the feed entry has no headline for a brief")
    summary = clean_text(entry.summary)
    return ExtractedArticle(
        title=title,
        blocks=[Block(BlockKind.PARAGRAPH, summary)] if summary else [],
        canonical_url=entry.url,
        author=clean_text(entry.author),
        published=entry.published or entry.updated,
        extractor=BRIEF,
        from_feed=True,
    )


# --- feed HTML -> blocks ---------------------------------------------------------------

_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul",
    } | _HTML_HEADINGS
)  # fmt: skip


def blocks_from_html(fragment: str) -> list[Block]:
    """Split feed HTML into typed blocks.

    Feed content is whatever the CMS emits: proper <p>s, but also bare text
    separated by <br><br>, or text loose inside <div>s. Inline runs are
    gathered until a block element interrupts them; a blank line (two <br>)
    ends a paragraph too.
    """
    root = _parse_fragment(fragment)
    if root is None:
        return []
    out: list[Block] = []
    _html_walk(root, BlockKind.PARAGRAPH, out)
    return out


def _parse_fragment(fragment: str) -> lxml_html.HtmlElement | None:
    # lxml refuses control characters; newlines must survive for <pre>.
    fragment = remove_control_chars(fragment)
    if not fragment.strip():
        return None
    try:
        return lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    except AssertionError:
        # lxml asserts that a fragment which looks like a whole document has
        # exactly one <body>; a feed's "<!doctype html><html>" has none.
        return None


# Stands for <br> in gathered inline text. Safe: control characters were removed
# from the input before parsing, so the marker cannot come from the feed.
_BR = "\x01"
_PARAGRAPH_BREAK = re.compile(r"\x01\s*\x01[\s\x01]*")


def _tag(node: etree._Element) -> str:
    return node.tag.lower() if isinstance(node.tag, str) else ""


def _html_walk(el: lxml_html.HtmlElement, kind: BlockKind, out: list[Block]) -> None:
    """Emit blocks for `el`'s children; inline content accumulates into paragraphs."""
    buf: list[str] = []

    def flush() -> None:
        for para in _PARAGRAPH_BREAK.split("".join(buf)):
            _append(out, kind, clean_text(para.replace(_BR, " ")))
        buf.clear()

    def gather(node: etree._Element) -> None:
        if node.text:
            buf.append(node.text)
        for child in node:
            tag = _tag(child)
            if tag == "br":
                buf.append(_BR)
            elif tag and tag not in _HTML_SKIP:
                gather(child)
            if child.tail:
                buf.append(child.tail)

    if el.text:
        buf.append(el.text)
    for child in el:
        tag = _tag(child)
        if tag in _HTML_HEADINGS:
            flush()
            _append(out, BlockKind.HEADING, _element_text(child))
        elif tag == "li":
            flush()
            _append(out, BlockKind.LIST_ITEM, _element_text(child, skip=("ul", "ol")))
            for sub in child:
                if _tag(sub) in ("ul", "ol"):
                    _html_walk(sub, kind, out)
        elif tag == "blockquote":
            flush()
            _html_walk(child, BlockKind.QUOTE, out)
        elif tag == "p":
            flush()
            _append(out, kind, _element_text(child))
        elif tag in _HTML_BLOCKS:
            flush()
            _html_walk(child, kind, out)
        elif tag == "br":
            buf.append(_BR)
        elif tag and tag not in _HTML_SKIP:
            gather(child)
        if child.tail:
            buf.append(child.tail)
    flush()


def _append(out: list[Block], kind: BlockKind, text: str) -> None:
    if text:
        out.append(Block(kind, text))


def _element_text(el: lxml_html.HtmlElement, skip: tuple[str, ...] = ()) -> str:
    parts: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = _tag(child)
            if tag == "br":
                parts.append(" ")
            elif tag and tag not in _HTML_SKIP and tag not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return clean_text("".join(parts))


def first_image(fragment: str, base_url: str) -> str:
    root = _parse_fragment(fragment) if "<img" in fragment.lower() else None
    if root is None:
        return ""
    for img in root.iter("img"):
        src = absolute_http_url(img.get("src") or "", base_url)
        if src:
            return src
    return ""
