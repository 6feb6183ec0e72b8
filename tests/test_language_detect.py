"""Language detection with the real py3langid model."""

from __future__ import annotations

import threading

import pytest

from babelwire.model import LanguageGuess
from babelwire.pipeline.language.detect import detect_language, normalise_language_code

SENTENCES = {
    "es": "El Gobierno aprobó ayer la nueva ley de vivienda tras un largo debate en el Congreso.",
    "ca": "El Govern va aprovar ahir la nova llei d'habitatge després d'un llarg debat.",
    "en": "The government approved the new housing law yesterday after a long debate.",
    "fr": "Le gouvernement a approuvé hier la nouvelle loi sur le logement après un long débat.",
}


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_detects_language(code: str) -> None:
    guess = detect_language(SENTENCES[code])
    assert guess.code == code
    assert guess.method == "detected"
    assert 0.5 < guess.confidence <= 1.0


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_detects_language_among_candidates(code: str) -> None:
    guess = detect_language(SENTENCES[code], candidates=["es", "ca", "en", "fr", "gl"])
    assert guess.code == code
    assert guess.confidence > 0.9


def test_candidates_restrict_the_answer() -> None:
    # Catalan text, but the source only publishes Spanish or English.
    assert detect_language(SENTENCES["ca"], candidates=["es", "en"]).code == "es"
    # ... and the restriction does not leak into unrestricted detection.
    assert detect_language(SENTENCES["ca"]).code == "ca"


def test_unknown_candidates_are_ignored() -> None:
    assert detect_language(SENTENCES["fr"], candidates=["xx", "und"]).code == "fr"


def test_declared_wins() -> None:
    assert detect_language(SENTENCES["en"], declared="es-ES") == LanguageGuess(
        "es", 1.0, "declared"
    )
    assert detect_language("", declared=" CA ").code == "ca"


def test_invalid_declaration_falls_back_to_detection() -> None:
    guess = detect_language(SENTENCES["fr"], declared="und")
    assert (guess.code, guess.method) == ("fr", "detected")


@pytest.mark.parametrize("text", ["", "   \n\t", "12 345 — !!!"])
def test_nothing_to_classify_is_undetermined(text: str) -> None:
    assert detect_language(text) == LanguageGuess("und", 0.0, "detected")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es-ES", "es"), ("pt_BR", "pt"), ("EN", "en"), ("ast", "ast"), ("", None), ("e", None)],
)
def test_normalise_language_code(code: str, expected: str | None) -> None:
    assert normalise_language_code(code) == expected


def test_concurrent_restrictions_do_not_leak_between_threads() -> None:
    seen: dict[str, set[str]] = {"all": set(), "es-en": set()}

    def work(name: str, candidates: list[str] | None) -> None:
        for _ in range(30):
            seen[name].add(detect_language(SENTENCES["ca"], candidates=candidates).code)

    threads = [
        threading.Thread(target=work, args=args)
        for args in [("all", None), ("es-en", ["es", "en"])] * 3
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"all": {"ca"}, "es-en": {"es"}}
