"""What py3langid reads as a text's language, and language codes made comparable.

`detect_language` with `declared` takes a valid declaration as it is (a feed's
<language> when discovering a source); an article's language weighs its
source's declaration against detection on its own text in decide.py. Detection
fills in when a feed or page says nothing, and `candidates` lets a source that
publishes in a known set of languages rule out look-alikes.

py3langid's module-level functions share one global identifier whose
`set_languages` mutates it in place, so one thread restricting it would
change what every other thread detects. Here each candidate set gets its own
identifier, built once and never changed afterwards; all of them share the
one loaded model's arrays.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Sequence

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from babelwire.model import LanguageGuess

__all__ = ["detect_language", "normalise_language_code"]

UNDETERMINED = "und"

# Enough text to decide; more only costs time (a long article is one language).
_MAX_CHARS = 20_000
_PRIMARY_SUBTAG = re.compile(r"[a-z]{2,3}")
_lock = threading.Lock()
_identifiers: dict[frozenset[str] | None, LanguageIdentifier] = {}


def normalise_language_code(code: str | None) -> str | None:
    """'es-ES', 'ES', 'pt_BR' -> 'es'; None for anything that is not a language code.

    Three-letter primary subtags are kept: BCP 47 uses them only for languages
    without a two-letter ISO 639-1 code, so 'ast' is Asturian, not a misspelling.
    "und", "mul" and "zxx" say no single language, so they are not a declaration.
    """
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if not _PRIMARY_SUBTAG.fullmatch(primary) or primary in (UNDETERMINED, "mul", "zxx"):
        return None
    return primary


def detect_language(
    text: str, declared: str | None = None, candidates: Sequence[str] | None = None
) -> LanguageGuess:
    """Decide the language of `text`.

    `declared` is the source's own statement (feed <language>, <html lang>),
    in any common spelling; when it is a valid code it wins with confidence
    1.0. Otherwise the text is classified, restricted to `candidates` when
    given (codes the model does not know are ignored). Text with nothing to
    classify gives "und" with confidence 0.0.
    """
    code = normalise_language_code(declared)
    if code is not None:
        return LanguageGuess(code, 1.0, "declared")
    sample = text[:_MAX_CHARS]
    if not any(c.isalpha() for c in sample):
        return LanguageGuess(UNDETERMINED, 0.0, "detected")
    identifier = _identifier(_candidate_key(candidates))
    lang, confidence = identifier.classify(sample)
    if lang == "zxx":  # the model's "no linguistic content" class
        return LanguageGuess(UNDETERMINED, float(confidence), "detected")
    return LanguageGuess(str(lang), min(max(float(confidence), 0.0), 1.0), "detected")


def _candidate_key(candidates: Sequence[str] | None) -> frozenset[str] | None:
    if not candidates:
        return None
    known = set(_identifier(None).labels)
    codes = {normalise_language_code(c) for c in candidates}
    usable = frozenset(c for c in codes if c is not None and c in known)
    return usable or None


def _identifier(languages: frozenset[str] | None) -> LanguageIdentifier:
    """The identifier for a candidate set (None: all languages), built once per set."""
    found = _identifiers.get(languages)
    if found is not None:
        return found
    with _lock:
        found = _identifiers.get(languages)
        if found is None:
            base = _identifiers.get(None)
            if base is None:
                # The full model with normalised probabilities (~0.7 s to load).
                base = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                _identifiers[None] = base
            found = base
            if languages is not None:
                # A private copy: `set_languages` rebinds the copy's attributes to
                # sliced arrays and leaves the shared base untouched.
                found = copy.copy(base)
                found.set_languages(sorted(languages))
                _identifiers[languages] = found
    return found
