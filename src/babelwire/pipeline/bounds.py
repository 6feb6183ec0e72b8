"""Size limits on what a source sends, applied where its entries and articles are stored.

A feed may carry a 10 MB title or an endless body; stored whole, it would be
rendered whole into every page, feed and search index that shows it. Each text
is cut at a limit far beyond any real article's, and the cut is reported so that
it is recorded where the operator sees it (the fetch log, the article's note).
"""

from __future__ import annotations

import dataclasses
import hashlib

from babelwire.model import Block, ExtractedArticle, FeedEntry

TITLE_CHARS = 1_000
AUTHOR_CHARS = 300  # the width of the author columns
SUMMARY_CHARS = 10_000
CONTENT_CHARS = 1_000_000  # an entry's HTML, markup included
BODY_CHARS = 500_000  # an article's text, all blocks together
BODY_BLOCKS = 5_000
GUID_CHARS = 2_048  # the width of the guid column
ELLIPSIS = "…"


def bounded_entry(entry: FeedEntry) -> tuple[FeedEntry, str]:
    """`entry` with each text within its limit, and what was cut ("" when nothing was).

    A guid too long to store is replaced by its hash: still the same for the same
    entry, so a feed seen again is recognised.
    """
    cuts: list[str] = []
    title = _cut(entry.title, TITLE_CHARS, "title", cuts)
    summary = _cut(entry.summary, SUMMARY_CHARS, "summary", cuts)
    content = _cut(entry.content_html, CONTENT_CHARS, "content", cuts, ellipsis="")
    author = _cut(entry.author, AUTHOR_CHARS, "author", cuts)
    guid = entry.guid
    if len(guid) > GUID_CHARS:
        guid = "sha256:" + hashlib.sha256(guid.encode("utf-8", "replace")).hexdigest()
        cuts.append(f"guid of {len(entry.guid):,} characters replaced by its hash")
    if not cuts:
        return entry, ""
    bounded = dataclasses.replace(
        entry, guid=guid, title=title, summary=summary, content_html=content, author=author
    )
    return bounded, "; ".join(cuts)


def bounded_article(article: ExtractedArticle) -> tuple[ExtractedArticle, str]:
    """`article` with its title, author and body within their limits, and what was cut."""
    cuts: list[str] = []
    title = _cut(article.title, TITLE_CHARS, "title", cuts)
    author = _cut(article.author, AUTHOR_CHARS, "author", cuts)
    blocks = _bounded_blocks(article.blocks, cuts)
    if not cuts:
        return article, ""
    return dataclasses.replace(article, title=title, author=author, blocks=blocks), "; ".join(cuts)


def _bounded_blocks(blocks: list[Block], cuts: list[str]) -> list[Block]:
    total = sum(len(b.text) for b in blocks)
    if total <= BODY_CHARS and len(blocks) <= BODY_BLOCKS:
        return blocks
    kept: list[Block] = []
    room = BODY_CHARS
    for block in blocks[:BODY_BLOCKS]:
        if room <= 0:
            break
        if len(block.text) > room:
            block = Block(block.kind, block.text[: max(room - 1, 0)].rstrip() + ELLIPSIS)
        kept.append(block)
        room -= len(block.text)
    size = sum(len(b.text) for b in kept)
    cuts.append(
        f"body cut from {len(blocks):,} blocks and {total:,} characters "
        f"to {len(kept):,} blocks and {size:,}"
    )
    return kept


def _cut(text: str, limit: int, what: str, cuts: list[str], *, ellipsis: str = ELLIPSIS) -> str:
    if len(text) <= limit:
        return text
    cuts.append(f"{what} cut from {len(text):,} to {limit:,} characters")
    return text[: limit - len(ellipsis)] + ellipsis
