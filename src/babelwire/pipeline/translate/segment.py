"""Splitting a block of text into sentences, and putting the translations back.

Engines translate sentences better than paragraphs (neural models are trained
on sentences and lose words at the end of long inputs), and the translation
memory only finds repeated boilerplate when it is keyed by sentence.  A block
is cut into pieces that, joined, give the block back exactly: each piece is a
sentence (or a chunk of a very long one) and the whitespace that followed it.

Sentence boundaries come from sentencex (rules and abbreviation lists for
about 300 languages, and fast: millions of words per second, so segmentation
costs nothing next to the engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment as sentencex_segment

__all__ = ["DEFAULT_MAX_WORDS", "Piece", "join_pieces", "split_block"]

DEFAULT_MAX_WORDS = 80

# Where a long sentence may be cut: after a clause mark followed by a space.
_CLAUSE_BREAK = re.compile(r"(?<=[,;:—–])\s+")
_TRAILING_SPACE = re.compile(r"\s*\Z")
_LEADING_SPACE = re.compile(r"\A\s*")


@dataclass(frozen=True, slots=True)
class Piece:
    """One segment to translate, with the whitespace around it kept verbatim."""

    lead: str
    text: str
    trail: str


# sentencex's Catalan rules run about 40 times slower than its Spanish ones
# (360 against 11 microseconds a sentence, FLORES-200), enough to slow the whole
# translation stage; Spanish rules and abbreviations split Catalan news the same.
_RULES_OF = {"ca": "es"}


def _sentences(text: str, language: str) -> list[str]:
    try:
        parts = [p for p in sentencex_segment(_RULES_OF.get(language, language), text) if p]
    except Exception:  # an unknown language code: the block stays whole
        parts = [text]
    if "".join(parts) != text:
        # The segmenter is expected to keep every character; if a version ever
        # does not, translating the block whole is safer than losing text.
        return [text]
    return parts


def _chunk(sentence: str, max_words: int) -> list[str]:
    """Cut a sentence longer than max_words at clause marks, else between words."""
    if len(sentence.split()) <= max_words:
        return [sentence]
    chunks: list[str] = []
    current = ""
    for clause in _split_keeping(sentence, _CLAUSE_BREAK):
        if current and len((current + clause).split()) > max_words:
            chunks.append(current)
            current = ""
        current += clause
    if current:
        chunks.append(current)
    out: list[str] = []
    for chunk in chunks:
        words = re.findall(r"\S+\s*", chunk)
        if len(words) <= max_words:
            out.append(chunk)
            continue
        for start in range(0, len(words), max_words):
            out.append("".join(words[start : start + max_words]))
    return out


def _split_keeping(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split after each match, keeping the matched whitespace on the left part."""
    parts: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.end()])
        pos = m.end()
    parts.append(text[pos:])
    return [p for p in parts if p]


def split_block(text: str, language: str, max_words: int = DEFAULT_MAX_WORDS) -> list[Piece]:
    """The block as pieces; ``join_pieces`` of them, untranslated, is ``text`` again."""
    lead = _LEADING_SPACE.match(text)
    assert lead is not None
    body = text[lead.end() :]
    if not body:
        return [Piece(text, "", "")] if text else []
    pieces: list[Piece] = []
    raw: list[str] = []
    for sentence in _sentences(body, language):
        raw.extend(_chunk(sentence, max_words))
    for i, part in enumerate(raw):
        space = _TRAILING_SPACE.search(part)
        assert space is not None
        core = part[: space.start()]
        pieces.append(Piece(lead.group(0) if i == 0 else "", core, space.group(0)))
    # Whitespace-only parts (never expected) are folded into the previous trail.
    merged: list[Piece] = []
    for piece in pieces:
        if not piece.text and merged:
            last = merged[-1]
            merged[-1] = Piece(last.lead, last.text, last.trail + piece.lead + piece.trail)
        else:
            merged.append(piece)
    return merged


def join_pieces(pieces: list[Piece], texts: list[str]) -> str:
    """Put translated texts back in place of the pieces' texts (outer space dropped)."""
    out: list[str] = []
    for piece, text in zip(pieces, texts, strict=True):
        out.append(piece.lead)
        out.append(text)
        out.append(piece.trail)
    return "".join(out).strip()
