"""Placeholders for what must come out of translation unchanged, and the check that it did.

URLs, e-mail addresses, @handles, #hashtags, numbers and dates ("protected
spans") and glossary terms are found in each segment.  What the engine keeps
verbatim by itself (its ``native_protection``: Apertium copies URLs and digits)
is left in the text and only checked afterwards; the rest is replaced by a
placeholder before translation and restored after it (a glossary term by its
forced translation), and any placeholder or span the engine lost is counted.

Placeholders take the form the engine carries through best (its
``placeholder_style``):

- ``"word"``: an invented word, ``Zxqa``, ``Zxqb``...  A rule-based engine
  treats it as an unknown proper noun and keeps the grammar around it
  ("La Zxqa defiende" -> "The Zxqa defends").
- ``"char"``: one character of Unicode's supplementary private use area, for
  engines that pass any character through.

Numbering restarts in every segment, so "Read more at <URL>" is the same masked
segment whatever the URL, and the translation memory finds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from babelwire.pipeline.translate.glossary import PairGlossary

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "STYLES",
    "Masked",
    "PlaceholderStyle",
    "mask",
    "unmask",
]

_PATTERNS: dict[str, str] = {
    "url": r"(?:https?://|ftp://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]}'»”]",
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "handle": r"(?<![\w@])@\w+",
    "hashtag": r"(?<![\w#&])\#\w+",
    # Dates (25/11/2026, 2026-11-25), times (10:30), numbers with separators and
    # decimals (1.500,25); a trailing separator is punctuation, not part of it.
    "number": r"(?<![\w.,])\d+(?:[.,:/-]\d+)*(?!\w)",
}
KINDS = tuple(_PATTERNS)
DEFAULT_KINDS = ("url", "email", "handle", "hashtag", "number")


@dataclass(frozen=True, slots=True)
class PlaceholderStyle:
    name: str
    pattern: re.Pattern[str]

    def make(self, index: int) -> str:
        if self.name == "char":
            return chr(0xF0000 + index)
        letters = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return "Zxq" + letters

    def index(self, token: str) -> int:
        if self.name == "char":
            return ord(token) - 0xF0000
        value = 0
        for c in token[3:]:
            value = value * 26 + (ord(c) - ord("a") + 1)
        return value - 1


STYLES: dict[str, PlaceholderStyle] = {
    "word": PlaceholderStyle("word", re.compile(r"Zxq[a-z]+")),
    "char": PlaceholderStyle("char", re.compile("[\U000f0000-\U000ffffd]")),
}
_MAX_PLACEHOLDERS = 60_000


@dataclass(frozen=True, slots=True)
class Masked:
    """A segment with placeholders, what each gives back, and spans to find verbatim."""

    text: str
    values: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


_COMPILED: dict[tuple[str, ...], re.Pattern[str] | None] = {}


def _pattern(kinds: Sequence[str]) -> re.Pattern[str] | None:
    key = tuple(k for k in KINDS if k in kinds)
    if key not in _COMPILED:
        unknown = [k for k in kinds if k not in _PATTERNS]
        if unknown:
            raise ValueError(f"unknown protected kind(s) {unknown}; known: {list(KINDS)}")
        parts = [f"(?P<{k}>{_PATTERNS[k]})" for k in key]
        _COMPILED[key] = re.compile("|".join(parts)) if parts else None
    return _COMPILED[key]


def mask(
    text: str,
    kinds: Sequence[str],
    glossary: PairGlossary | None = None,
    *,
    style: PlaceholderStyle | None = None,
    native: frozenset[str] = frozenset(),
) -> Masked:
    """Protect the spans of ``kinds`` and glossary terms in ``text``.

    Spans of a kind in ``native`` stay in the text (the engine keeps them) and
    are listed in ``kept``; with no ``style`` nothing is replaced at all.
    """
    spans: list[tuple[int, int, str]] = []
    if style is not None and glossary is not None and glossary.pattern is not None:
        for m in glossary.matches(text):
            spans.append((m.start(), m.end(), glossary.outputs[m.group(0)]))
    kept: list[str] = []
    pattern = _pattern(kinds)
    if pattern is not None:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in spans):
                continue
            if style is None or m.lastgroup in native:
                kept.append(m.group(0))
            else:
                spans.append((m.start(), m.end(), m.group(0)))
    if not spans:
        return Masked(text, (), tuple(kept))
    assert style is not None
    spans.sort()
    out: list[str] = []
    values: list[str] = []
    pos = 0
    for start, end, value in spans[:_MAX_PLACEHOLDERS]:
        out.append(text[pos:start])
        out.append(style.make(len(values)))
        values.append(value)
        pos = end
    out.append(text[pos:])
    return Masked("".join(out), tuple(values), tuple(kept))


def unmask(text: str, masked: Masked, style: PlaceholderStyle | None) -> tuple[str, int]:
    """Restore placeholders; also returns how many placeholders and kept spans were lost."""
    lost = 0
    if masked.values and style is not None:
        seen: set[int] = set()

        def repl(m: re.Match[str]) -> str:
            index = style.index(m.group(0))
            if not 0 <= index < len(masked.values):
                return m.group(0)
            seen.add(index)
            return masked.values[index]

        text = style.pattern.sub(repl, text)
        lost += len(masked.values) - len(seen)
    for span in masked.kept:
        if span not in text:
            lost += 1
    return text, lost
