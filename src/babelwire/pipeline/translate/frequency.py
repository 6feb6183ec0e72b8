"""How common a word is in a language: the wordfreq package's Zipf scale.

The Zipf frequency is log10 of a word's occurrences per billion words (about 7 for
"the", 3.6 for "reversal", 0 for a word wordfreq has never seen).  Its lists come
from Wikipedia, subtitles, news, books and the web, none of them the FLORES
sentences the quality estimate is calibrated on.  The lists load once per process
and language (about a second); the lookups are cached.
"""

from __future__ import annotations

import functools
import re

from wordfreq import available_languages, zipf_frequency

__all__ = ["RARE_ZIPF", "knows", "rare_share", "zipf"]

# Below this a word is rare: "llagut", "diminutas", a misspelt or invented form.
RARE_ZIPF = 2.5
_WORDS = re.compile(r"\w+")


@functools.cache
def knows(language: str) -> bool:
    """Whether wordfreq has a list for ``language`` (ISO 639-1)."""
    return language in available_languages()


@functools.lru_cache(maxsize=200_000)
def zipf(word: str, language: str) -> float:
    """The word's (or phrase's) Zipf frequency in ``language``; 0 where unknown."""
    return zipf_frequency(word, language)


def _common_words(text: str) -> list[str]:
    # Lower-case words only: names and acronyms are rare without being wrong.
    return [w for w in _WORDS.findall(text) if w.isalpha() and w[0].islower()]


def rare_share(text: str, language: str) -> tuple[float, float, int]:
    """Of ``text``'s lower-case words: the mean Zipf frequency divided by 8 (0-1),
    the share below ``RARE_ZIPF``, and how many there are."""
    words = _common_words(text)
    if not words:
        return 0.0, 0.0, 0
    values = [zipf(w, language) for w in words]
    mean = sum(values) / len(values) / 8
    return mean, sum(1 for v in values if v < RARE_ZIPF) / len(values), len(words)
