"""Words the engine left untranslated: found per segment, recorded with the translation.

Apertium marks a word it does not know (``*posidonia``) and copies it through;
the engine removes the marks and counts them per segment.  A segment with marks
has its candidate words looked at: the source's lower-case words (a capitalised
word is a name, a word with digits a number; glossary terms, URLs, addresses,
handles and hashtags are not words of the language) that come out of the engine
unchanged.  Each candidate is then asked of the route's first engine alone: it
is untranslated when the engine marks it and gives it back as it was.  An
engine that marks nothing (no ``translate_batch_with_marks``) reports nothing.

The words are recorded per segment (0 the title, then each block) in the
translation's ``checks`` under ``"untranslated"``, with the language they are in,
so the site can wrap them in ``<span lang="...">`` for screen readers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from babelwire.pipeline.translate.engine import Engine

__all__ = [
    "CHECKS_KEY",
    "candidates",
    "probe_unknown",
    "read_record",
    "record",
]

CHECKS_KEY = "untranslated"
_WORD = re.compile(r"[^\W\d_]+")
_JOINERS = "'’-‐"
_MIN_LETTERS = 3  # shorter: an abbreviation or a piece of a word ("pm", "re")
_CACHE_SIZE = 200_000
_cache: dict[tuple[str, str, str, str, str], bool] = {}
_cache_lock = threading.Lock()


def candidates(source: str, output: str, excluded: Iterable[str] = ()) -> list[str]:
    """Lower-case words of ``source`` found as whole words in ``output``, first seen first.

    Words of fewer than three letters, and pieces of words joined by an apostrophe
    or a hyphen, are left out: the engine takes those apart on its own terms.

    ``excluded``: spans of the source that are not words of its language (glossary
    terms, URLs, handles...); the words inside them are never candidates.
    """
    for span in excluded:
        if span:
            source = source.replace(span, " ")
    found = set(_WORD.findall(output))
    seen: dict[str, None] = {}
    for m in _WORD.finditer(source):
        word = m.group(0)
        if len(word) < _MIN_LETTERS or not word.islower() or word not in found:
            continue
        around = source[max(0, m.start() - 1) : m.start()] + source[m.end() : m.end() + 1]
        if not any(c in _JOINERS for c in around):  # not a piece of "it's", "pre-war"
            seen.setdefault(word)
    return list(seen)


def probe_unknown(engine: Engine, source: str, target: str, words: Sequence[str]) -> set[str]:
    """Which of ``words`` the engine does not know: it marks each and copies it unchanged.

    Answers are kept per engine version and pair for the life of the process.
    """
    with_marks = getattr(engine, "translate_batch_with_marks", None)
    if with_marks is None or not words:
        return set()
    version = engine.version()
    key = (engine.name, version, source, target)
    with _cache_lock:
        known = {w: _cache[(*key, w)] for w in words if (*key, w) in _cache}
    asked = sorted(set(words) - set(known))
    if asked:
        outputs, marks = with_marks(asked, source, target)
        answers = {
            w: bool(n) and out.strip() == w for w, out, n in zip(asked, outputs, marks, strict=True)
        }
        with _cache_lock:
            if len(_cache) + len(answers) > _CACHE_SIZE:
                _cache.clear()
            _cache.update({(*key, w): unknown for w, unknown in answers.items()})
        known.update(answers)
    return {w for w in words if known.get(w)}


def record(segments: Mapping[int, Sequence[str]], language: str) -> dict[str, Any]:
    """The ``checks`` entry for a translation's untranslated words ({} when there are none)."""
    kept = {str(i): list(words) for i, words in sorted(segments.items()) if words}
    if not kept:
        return {}
    return {CHECKS_KEY: {"language": language, "segments": kept}}


def read_record(checks: Any) -> tuple[str, dict[int, tuple[str, ...]]]:
    """(language, words per segment) from a translation's ``checks``; ("", {}) if none."""
    if not isinstance(checks, Mapping):
        return "", {}
    entry = checks.get(CHECKS_KEY)
    if not isinstance(entry, Mapping):
        return "", {}
    language = entry.get("language")
    segments = entry.get("segments")
    if not isinstance(language, str) or not isinstance(segments, Mapping):
        return "", {}
    out: dict[int, tuple[str, ...]] = {}
    for index, words in segments.items():
        if isinstance(index, str) and index.isdigit() and isinstance(words, list):
            out[int(index)] = tuple(w for w in words if isinstance(w, str) and w)
    return language, out
