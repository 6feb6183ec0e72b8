"""Whose word on an article's language counts: its source's, or its own text's.

A source declares one language for everything it publishes, and it is usually
right; but a site declared English also carries the odd Korean, Portuguese or
Indonesian article, and taking the declaration as fact had those "translated
from English". So the declaration is a prior: the detector's reading of the
article's own title and text wins when it names another language with enough
confidence on enough text. Below either floor the declaration stands, because
on a headline alone the detector guesses (an English headline of names reads
as Catalan or Tagalog to it at low confidence), and close pairs
(Galician/Portuguese, Catalan/Occitan) are told apart only on longer text.

The floors are calibrated on FLORES-200 (bench/language.py, docs/benchmarks.md):
at confidence 0.9 no correct declaration was overridden, from four-word
fragments up to ten sentences, in seven languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from babelwire.model import LanguageGuess, LanguageMethod
from babelwire.pipeline.language.detect import UNDETERMINED, normalise_language_code

__all__ = ["LanguageRule", "decide_language"]


@dataclass(frozen=True, slots=True)
class LanguageRule:
    """When detection overrides a declaration: both floors must be reached.

    `LanguageRule(min_confidence=0.9, min_chars=100)`: a detection at 0.9 or more
    on 100 characters or more of title and text. The site's rule comes from
    `site.language_override_confidence` and `site.language_override_chars`.
    """

    min_confidence: float = 0.9
    min_chars: int = 100


def decide_language(
    declared: str | None, detected: LanguageGuess, text_chars: int, rule: LanguageRule
) -> LanguageGuess:
    """The article's language from its source's declaration and the detector's guess.

    `declared` is the source's code in any common spelling (or None), `detected`
    what the detector read on the article's title and text, `text_chars` that
    text's length. Without a declaration the detection stands ("detected");
    with one, a detection of another language with at least
    `rule.min_confidence` on at least `rule.min_chars` characters wins
    ("overridden"), else the declaration does ("declared", confidence 1.0).
    """
    code = normalise_language_code(declared)
    if code is None:
        return LanguageGuess(detected.code, detected.confidence, LanguageMethod.DETECTED.value)
    if (
        detected.code not in (code, UNDETERMINED)
        and detected.confidence >= rule.min_confidence
        and text_chars >= rule.min_chars
    ):
        return LanguageGuess(detected.code, detected.confidence, LanguageMethod.OVERRIDDEN.value)
    return LanguageGuess(code, 1.0, LanguageMethod.DECLARED.value)
