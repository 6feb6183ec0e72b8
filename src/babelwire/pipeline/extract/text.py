"""Text hygiene shared by every stage that turns foreign bytes into newsroom text.

Feeds, pages and JSON all arrive with the same debris: NUL bytes that break
PostgreSQL, C0/C1 control characters that break XML output and terminals, lone
surrogates that cannot be encoded, decomposed accents that make "é" compare
unequal to "é", and layout whitespace. Cleaning it in one place means the
translation engines, the store and the site all see one normal form.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree
from lxml import html as lxml_html

__all__ = ["clean_text", "fold", "html_to_text", "remove_control_chars", "same_text"]

# C0 and C1 controls, DEL, lone surrogates and the two non-characters. The
# whitespace controls (\t \n \v \f \r and U+0085) are deliberately absent: they
# separate words, so they are collapsed to a space below rather than deleted,
# which would glue "end.\nStart" into "end.Start".
_JUNK = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")

# Elements whose boundaries separate words even though HTML puts no space there.
_BREAKING = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


def remove_control_chars(s: str) -> str:
    """Drop control characters and lone surrogates, keeping all whitespace.

    For text whose line structure still matters (HTML before parsing, where
    lxml refuses control characters outright).
    """
    return _JUNK.sub("", s)


def clean_text(s: str) -> str:
    """Return `s` as one line of clean NFC text.

    Control characters are removed, every run of whitespace (newlines, tabs
    and no-break spaces included) becomes one space, and the ends are stripped. A block of an
    article is one line of text; its structure lives in `Block.kind`, not in
    embedded newlines.
    """
    s = _JUNK.sub("", s)
    s = unicodedata.normalize("NFC", s)
    return _SPACE.sub(" ", s).strip()


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, cleaned, with entities decoded.

    Feed titles and summaries are often HTML. A naive tag strip glues words
    across `<p>` and `<br>` boundaries and keeps `<script>` bodies; this keeps
    word boundaries and drops code.
    """
    fragment = _JUNK.sub("", fragment)
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(fragment)
    etree.strip_elements(root, "script", "style", "template", etree.Comment, with_tail=False)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BREAKING:
            el.tail = " " + (el.tail or "")
            if el.text is not None or len(el):
                el.text = " " + (el.text or "")
    return clean_text(str(root.text_content()))


def fold(s: str) -> str:
    """`s` for comparing headlines: case folded, punctuation dropped, spaces collapsed."""
    return " ".join("".join(c for c in s.casefold() if c.isalnum() or c.isspace()).split())


def same_text(a: str, b: str) -> bool:
    """Whether two non-empty texts read the same once folded."""
    return bool(a) and fold(a) == fold(b)
