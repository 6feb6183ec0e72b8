"""Filing articles: the source's section first, then keyword rules, then the default."""

from __future__ import annotations

from babelwire.config import DEFAULT_SECTIONS
from babelwire.pipeline.classify.sections import choose_section


def test_source_section_wins() -> None:
    choice = choose_section(
        source_section="sport", rules=DEFAULT_SECTIONS, texts=["El gobierno"], default="world"
    )
    assert (choice.slug, choice.reason) == ("sport", "declared by the source")


def test_keywords_in_any_language_pick_the_section() -> None:
    for text, expected in [
        ("El parlamento y el gobierno debaten las elecciones", "politics"),
        ("La nova exposició del museu i el festival de pel·lícula", "culture"),
        ("Scientists at the university publish a study", "science"),
        ("L'equip guanya el partit de la lliga", "sport"),
    ]:
        choice = choose_section(
            source_section=None, rules=DEFAULT_SECTIONS, texts=[text], default="world"
        )
        assert choice.slug == expected, text
        assert choice.reason.startswith(f"rule {expected} matched")
        assert choice.step == "rule"


def test_no_match_goes_to_the_default() -> None:
    choice = choose_section(
        source_section=None, rules=DEFAULT_SECTIONS, texts=["Lorem ipsum"], default="world"
    )
    assert choice.slug == "world"
