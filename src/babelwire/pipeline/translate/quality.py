"""Quality checks on a translated article: a score from 0 to 1 and named flags.

The checks look for the ways machine translation fails without saying so:
empty output, the source copied through, words the engine did not know,
a length far from the source's, placeholders lost, numbers changed, the same
words repeated in a loop, and output in the wrong language.  Each failed check
adds a flag and multiplies the score by a factor below one; the operator's
threshold on the score decides what is published.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from babelwire.pipeline.language.detect import detect_language

__all__ = ["Measures", "Verdict", "assess", "form_factor"]

# How much each failed check costs (the score is multiplied by 1 - penalty).
PENALTIES: dict[str, float] = {
    "empty": 1.0,
    "empty-segment": 0.3,
    "copy-of-source": 0.7,
    "wrong-language": 0.7,
    "repetition": 0.6,
    "unknown-words": 0.4,
    "length-ratio": 0.4,
    "placeholders-lost": 0.3,
    "numbers-changed": 0.2,
}
MAX_UNKNOWN_SHARE = 0.15
LENGTH_RATIO_RANGE = (0.5, 2.0)
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"\w+")
# The same one to four words, four or more times in a row.
_LOOP = re.compile(r"(?<!\w)((?:\w+\W+){1,4}?)\1{3,}", re.UNICODE)
# Enough to tell two languages apart; detection time grows with the text.
_DETECT_CHARS = 1000
_MIN_DETECT_WORDS = 8


@dataclass(slots=True)
class Measures:
    """What the translation path counted while translating one article."""

    source_segments: list[str]
    target_segments: list[str]
    unknown_words: int = 0
    placeholders: int = 0
    placeholders_lost: int = 0
    memory_hits: int = 0


@dataclass(slots=True)
class Verdict:
    score: float
    flags: list[str]
    details: dict[str, Any] = field(default_factory=dict)


def _loops(text: str) -> bool:
    return _LOOP.search(text + " ") is not None


def assess(measures: Measures, source: str, target: str) -> Verdict:
    """Score one article's translation from ``source`` into ``target``."""
    pairs = [
        (s, t)
        for s, t in zip(measures.source_segments, measures.target_segments, strict=True)
        if s.strip()
    ]
    source_text = " ".join(s for s, _ in pairs)
    target_text = " ".join(t for _, t in pairs)
    source_words = len(_WORDS.findall(source_text))
    flags: list[str] = []
    details: dict[str, Any] = {
        "source_words": source_words,
        "segments": len(pairs),
        "memory_hits": measures.memory_hits,
        "placeholders": measures.placeholders,
    }
    if not target_text.strip():
        return Verdict(0.0, ["empty"], details)
    empty = sum(1 for _, t in pairs if not t.strip())
    if empty:
        flags.append("empty-segment")
        details["empty_segments"] = empty
    # Copies: long segments given back unchanged (short ones, names and figures, may be).
    long_pairs = [(s, t) for s, t in pairs if len(s.split()) >= 4]
    copies = sum(1 for s, t in long_pairs if s.strip() == t.strip())
    if long_pairs and copies / len(long_pairs) > 0.5:
        flags.append("copy-of-source")
    details["copied_segments"] = copies
    unknown_share = measures.unknown_words / source_words if source_words else 0.0
    details["unknown_share"] = round(unknown_share, 4)
    if unknown_share > MAX_UNKNOWN_SHARE:
        flags.append("unknown-words")
    ratio = len(target_text) / len(source_text) if source_text else 1.0
    details["length_ratio"] = round(ratio, 3)
    if not LENGTH_RATIO_RANGE[0] <= ratio <= LENGTH_RATIO_RANGE[1]:
        flags.append("length-ratio")
    if measures.placeholders_lost:
        flags.append("placeholders-lost")
        details["placeholders_lost"] = measures.placeholders_lost
    lost_numbers = Counter(_DIGITS.findall(source_text)) - Counter(_DIGITS.findall(target_text))
    if lost_numbers:
        flags.append("numbers-changed")
        details["numbers_changed"] = sorted(lost_numbers)[:10]
    if any(_loops(t) and not _loops(s) for s, t in pairs):
        flags.append("repetition")
    if len(_WORDS.findall(target_text)) >= _MIN_DETECT_WORDS and source != target:
        # Only source and target compete: the question is "was it translated?".
        guess = detect_language(target_text[:_DETECT_CHARS], candidates=[source, target])
        details["detected"] = guess.code
        if guess.code == source and guess.confidence >= 0.9:
            flags.append("wrong-language")
    return Verdict(round(form_factor(flags), 4), flags, details)


def form_factor(flags: list[str], *, leave_out: frozenset[str] = frozenset()) -> float:
    """The product of the failed checks' factors (those in ``leave_out`` left out)."""
    score = 1.0
    for flag in flags:
        if flag not in leave_out:
            score *= 1.0 - PENALTIES[flag]
    return score
