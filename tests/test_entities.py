"""The gazetteer, matching its names in any language, its glossary entries, and the
names that recur across sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from babelwire.pipeline.entities.gazetteer import (
    GazetteerError,
    glossary_terms,
    load_gazetteer,
)
from babelwire.pipeline.entities.matching import EntityMatcher
from babelwire.pipeline.entities.recurring import Document, capitalised_names, recurring_names
from babelwire.pipeline.translate.glossary import Glossary

PASHINYAN = """
[[entity]]
slug = "nikol-pashinyan"
kind = "person"
name = "Nikol Pashinyan"
names = { es = "Nikol Pashinián", ca = "Nikol Paixinian" }
aliases = { en = ["Pashinyan"], es = ["Pashinián"], ca = ["Paixinian"] }
"""
GAZETTEER = (
    PASHINYAN
    + """
[[entity]]
slug = "universitat-de-portvell"
kind = "organisation"
name = "University of Portvell"
names = { es = "Universidad de Portvell", ca = "Universitat de Portvell" }

[[entity]]
slug = "portvell"
kind = "place"
name = "Portvell"
"""
)


@pytest.fixture
def gazetteer_file(tmp_path: Path) -> Path:
    path = tmp_path / "entities.toml"
    path.write_text(GAZETTEER, encoding="utf-8")
    return path


def test_aliases_in_three_languages_name_one_entity(gazetteer_file: Path) -> None:
    gazetteer = load_gazetteer(gazetteer_file)
    assert [e.kind for e in gazetteer.entities] == ["person", "org", "place"]
    matcher = EntityMatcher(gazetteer)
    assert matcher.mentions("Pashinyan met Nikol Pashinyan.") == {"nikol-pashinyan": 2}
    assert matcher.mentions("Pashinián viajó.") == {"nikol-pashinyan": 1}
    assert matcher.mentions("En Paixinian ha dit.") == {"nikol-pashinyan": 1}
    # Whole words, case-sensitive, Unicode-aware; the longest spelling wins.
    assert matcher.mentions("Pashiniánez, pashinyan, PortvellX") == {}
    assert matcher.mentions("la Universitat de Portvell i Portvell") == {
        "universitat-de-portvell": 1,
        "portvell": 1,
    }
    # The same mention in the original and its translation counts once.
    assert matcher.count(["Pashinián habló.", "Nikol Paixinian va parlar amb Pashinyan."]) == {
        "nikol-pashinyan": 2
    }


def test_a_missing_gazetteer_is_empty(tmp_path: Path) -> None:
    assert load_gazetteer(tmp_path / "absent.toml").entities == ()


def test_a_mistaken_gazetteer_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(
        """
[[entity]]
slug = "Bad Slug"
kind = "monster"
name = ""
colour = "red"
names = { english = "X" }

[[entity]]
slug = "portvell"
kind = "place"
name = "Portvell"
aliases = { es = "Portvell" }

[[entity]]
slug = "port"
kind = "place"
name = "Portvell"
""",
        encoding="utf-8",
    )
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path)
    message = str(caught.value)
    for expected in [
        "[[entity]] #1 (Bad Slug): unknown field(s) colour",
        "slug must be lower-case",
        "kind must be person, place or organisation, got 'monster'",
        'name = "..." is required',
        "'english' is not a language code",
        "'Portvell' names both portvell and port",
    ]:
        assert expected in message
    path.write_text("[[entity]\nslug=", encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"entities\.toml"):
        load_gazetteer(path)


def test_the_glossary_gets_every_name(gazetteer_file: Path) -> None:
    glossary = Glossary(tuple(glossary_terms(load_gazetteer(gazetteer_file))))
    es_en = glossary.for_pair("es", "en").outputs
    assert es_en["Pashinián"] == "Nikol Pashinyan"
    assert es_en["Universidad de Portvell"] == "University of Portvell"
    assert es_en["Portvell"] == "Portvell"
    en_ca = glossary.for_pair("en", "ca").outputs
    assert en_ca["Pashinyan"] == "Nikol Paixinian"
    assert en_ca["University of Portvell"] == "Universitat de Portvell"
    ca_es = glossary.for_pair("ca", "es").outputs
    assert ca_es["Universitat de Portvell"] == "Universidad de Portvell"


def test_capitalised_names_skip_sentence_starts_and_stopwords() -> None:
    text = (
        "El Atlético Villalmira gana ante el Unión Castrejón. Jordi Vidal habló. "
        "On Monday the Universidad de Portvell said so, with Prime Minister Nikol Pashinyan.\n"
        "A headline, Harbour Lights\nNext Paragraph starts"
    )
    assert set(capitalised_names(text)) == {
        "Atlético Villalmira",
        "Unión Castrejón",
        "Universidad de Portvell",
        "Prime Minister Nikol Pashinyan",
        "Harbour Lights",  # not "Harbour Lights Next": a line break ends a name
    }


def test_a_name_recurs_only_across_sources() -> None:
    one_source = [Document(i, 1, f"Ayer el Unión Castrejón ganó {i}.") for i in range(5)]
    assert recurring_names(one_source, min_articles=3, min_sources=2) == []
    two_sources = [*one_source[:2], Document(9, 2, "Ayer el Unión Castrejón perdió.")]
    (found,) = recurring_names(two_sources, min_articles=3, min_sources=2)
    assert found.name == "Unión Castrejón"
    assert found.mentions == {0: 1, 1: 1, 9: 1} and found.sources == {1, 2}
    assert recurring_names(two_sources, min_articles=4, min_sources=2) == []
    assert (
        recurring_names(two_sources, min_articles=3, min_sources=2, known={"Unión Castrejón"}) == []
    )
