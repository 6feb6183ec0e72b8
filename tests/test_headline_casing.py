"""Title-case headlines: detected only where they are, put in sentence case before
translation keeping the article's names, and cased after by the target's convention.
With real Apertium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import PathSettings, SourceText, translate_texts
from babelwire.pipeline.translate.casing import (
    is_title_case,
    known_names,
    recase,
    sentence_case,
    title_case,
)
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.glossary import Glossary, Term

STADIA = "Google Stadia, Microsoft xCloud, Apple Arcade: So Many Ways to Play…and Pay"


@pytest.fixture(scope="module")
def engine() -> Iterator[ApertiumEngine]:
    with ApertiumEngine() as apertium:
        if not {("en", "es"), ("en", "ca")} <= apertium.pairs():
            pytest.skip("Apertium eng-spa and eng-cat are not installed")
        yield apertium


@pytest.mark.parametrize(
    "title",
    [
        STADIA,
        "The President of the United States Meets NASA Staff",
        "Why Cloud Gaming Still Struggles With Latency",
    ],
)
def test_title_case_is_detected(title: str) -> None:
    assert is_title_case(title, "en")


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Cloud gaming services struggle with latency", "en"),  # sentence case
        ("Joe Biden meets Emmanuel Macron in Paris", "en"),  # names, but a lowercase verb
        ("NASA and ESA launch JWST successor", "en"),  # acronyms say nothing
        ("NASA ESA JAXA", "en"),
        ("Breaking", "en"),  # one word
        ("Elections", "en"),
        ("Die Bundesregierung Plant Neue Steuern Für Autos", "de"),  # not a title-case language
        ("Los Precios Del Petróleo Suben", "es"),
    ],
)
def test_title_case_is_not_detected_where_it_is_not(title: str, language: str) -> None:
    assert not is_title_case(title, language)


def test_sentence_case_keeps_names_acronyms_and_inner_capitals() -> None:
    body = ["Players reach Google Stadia or Microsoft's service from any screen."]
    names = known_names(body, ["Apple Arcade"])
    assert {"Google", "Stadia", "Apple", "Arcade"} <= names
    assert "Players" not in names  # a sentence's first word is no name
    assert sentence_case(STADIA, names) == (
        "Google Stadia, Microsoft xCloud, Apple Arcade: so many ways to play…and pay"
    )
    assert title_case("why cloud gaming still struggles with latency: a view from NASA") == (
        "Why Cloud Gaming Still Struggles with Latency: A View from NASA"
    )


def test_headlines_are_recased_by_the_target_convention() -> None:
    assert recase("«el precio sube»", "es") == "«El precio sube»"
    assert recase("google stadia llega", "en") == "Google stadia llega"  # English: sentence case
    assert recase("2027: el año", "ca") == "2027: el año"


@pytest.mark.parametrize(("target", "lowered"), [("es", "juegos"), ("ca", "jocs")])
def test_title_case_handling_keeps_names(engine: ApertiumEngine, target: str, lowered: str) -> None:
    title = "Apple Arcade and Google Stadia Offer New Ways to Play Games in Kherson"
    body = [
        Block(
            BlockKind.PARAGRAPH,
            "Players can now stream games from Google Stadia on any screen, the company said.",
        )
    ]
    glossary = Glossary((Term("Apple Arcade"),))
    handled, raw = (
        translate_texts(
            engine,
            [SourceText(title, body)],
            "en",
            target,
            settings=PathSettings(glossary=glossary, headline_casing=on),
        )[0].article.title
        for on in (True, False)
    )
    # Names from the glossary, from the body, and one the engine does not know stay.
    for name in ("Apple Arcade", "Google Stadia", "Kherson"):
        assert name in handled and name in raw
    # The common words are translated as words, in lower case, not kept as names.
    assert lowered in handled.split()
    assert lowered.capitalize() in raw.split()
    assert handled[0].isupper()


def test_sentence_case_titles_go_to_the_engine_unchanged(engine: ApertiumEngine) -> None:
    title = "Joe Biden meets Emmanuel Macron in Paris"
    texts = [SourceText(title, [])]
    on, off = (
        translate_texts(engine, texts, "en", "es", settings=PathSettings(headline_casing=c))[0]
        for c in (True, False)
    )
    assert on.article.title == off.article.title
    assert "Emmanuel Macron" in on.article.title
