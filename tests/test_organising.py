"""Organising published articles on real databases: tags from the gazetteer and from
recurring names, sections by source, rule, classifier or default, and the commands
`babelwire sections` and `babelwire tags` as an operator types them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.clock import utcnow
from babelwire.jobs.site import create_site
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import path_settings
from babelwire.jobs.tags import refresh_if_due, refresh_recurring, retag_published
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.glossary import GlossaryError
from babelwire.storage.tables import ArticleRow, ArticleTagRow, TagRow
from tests.factory import make_article, make_source, make_translation
from tests.test_entities import PASHINYAN

runner = CliRunner()

SETTINGS = """
[site]
languages = ["en", "es"]

[database]
url = "{url}"

[[section]]
slug = "politics"
names = {{ en = "Politics" }}
keywords = ["parliament"]
entities = ["nikol-pashinyan"]

[[section]]
slug = "sport"
names = {{ en = "Sport" }}
keywords = ["match"]

[[section]]
slug = "culture"
names = {{ en = "Culture" }}

[[section]]
slug = "world"
names = {{ en = "World" }}
"""

PUERTO_VIEJO = """
[[entity]]
slug = "puerto-viejo"
kind = "place"
name = "Old Harbour"
names = { es = "Puerto Viejo", ca = "Port Vell" }
"""
GAZETTEER = PASHINYAN + PUERTO_VIEJO

CULTURE = [
    "A film festival opens with a concert in the old museum",
    "The museum shows an exhibition of harbour photography",
    "The festival jury gave its prize to a film about fishermen",
    "An exhibition of paintings opens at the city museum",
    "The orchestra plays a concert at the film festival",
]
ECONOMY = [
    "The company will hire workers for its new factory",
    "Prices rose as the company expanded its exports",
    "The bank lends money to small companies and shops",
    "Factory workers and the company agree on wages",
    "Exports and prices lift the harbour company profits",
]


@pytest.fixture
def newsroom(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    root = tmp_path / "site"
    create_site(root, database_url=database_url)
    (root / "babelwire.toml").write_text(SETTINGS.format(url=database_url), encoding="utf-8")
    (root / "entities.toml").write_text(GAZETTEER, encoding="utf-8")
    room = Newsroom.open(root)
    try:
        yield room
    finally:
        room.close()


def _source(newsroom: Newsroom, name: str, section: str | None = None) -> int:
    with newsroom.sessions() as session:
        row = make_source(session, url=f"https://{name}.example/feed", name=name, section=section)
        session.commit()
        return row.id


def _article(
    newsroom: Newsroom,
    source_id: int,
    title: str,
    *,
    language: str = "en",
    english: str | None = None,
    published: bool = False,
) -> int:
    """An article ready to publish (or published), with its English edition."""
    with newsroom.sessions() as session:
        count = len(session.scalars(select(ArticleRow.id)).all())
        article = make_article(
            session,
            source_id,
            url=f"https://news.example/{count}",
            title=title,
            blocks=[{"kind": "p", "text": "Reported today."}],
            language=language,
            stage="published" if published else "translated",
        )
        make_translation(
            session,
            article,
            "en",
            "original" if language == "en" else "translated",
            title=english if english is not None else title,
        )
        session.commit()
        return article.id


def _tags(newsroom: Newsroom) -> dict[tuple[int, str], int]:
    with newsroom.sessions() as session:
        rows = session.execute(
            select(ArticleTagRow.article_id, TagRow.slug, ArticleTagRow.mentions).join(
                TagRow, TagRow.id == ArticleTagRow.tag_id
            )
        ).all()
        return {(a, s): m for a, s, m in rows}


def _filed(newsroom: Newsroom, article_id: int) -> tuple[str | None, str | None]:
    with newsroom.sessions() as session:
        article = session.get(ArticleRow, article_id)
        assert article is not None
        return article.section, article.section_reason


def _cli(newsroom: Newsroom, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--site", str(newsroom.config.root)])
    assert result.exit_code == code, result.output
    return result.output


def test_publish_tags_by_gazetteer_and_files_by_source_rule_and_default(
    newsroom: Newsroom,
) -> None:
    wire = _source(newsroom, "wire")
    sport = _source(newsroom, "sport", section="sport")
    spanish = _article(
        newsroom,
        wire,
        "Pashinián visita Puerto Viejo",
        language="es",
        english="Nikol Pashinyan visits Old Harbour; Pashinyan spoke",
    )
    match = _article(newsroom, wire, "The match ends in a draw")
    declared = _article(newsroom, sport, "Pashinyan watches the parliament")
    nothing = _article(newsroom, wire, "Quiet day")
    publish_articles(newsroom, [spanish, match, declared, nothing])

    tags = _tags(newsroom)
    # Two mentions in the English translation, one in the original: counted once each.
    assert tags == {
        (spanish, "nikol-pashinyan"): 2,
        (spanish, "puerto-viejo"): 1,
        (declared, "nikol-pashinyan"): 1,
    }
    assert _filed(newsroom, spanish) == (
        "politics",
        "rule politics matched 2 times: entities nikol-pashinyan",
    )
    assert _filed(newsroom, match)[0] == "sport"
    assert _filed(newsroom, declared) == ("sport", "declared by the source")
    assert _filed(newsroom, nothing) == ("world", "no rule matched; no classifier trained")
    with newsroom.sessions() as session:
        tag = session.scalar(select(TagRow).where(TagRow.slug == "puerto-viejo"))
        assert tag is not None
        assert (tag.kind, tag.name, tag.origin) == ("place", "Old Harbour", "gazetteer")
        assert tag.names == {"es": "Puerto Viejo", "ca": "Port Vell"}

    # Tagging again changes nothing; an entity the gazetteer drops loses its links.
    assert retag_published(newsroom)[0] == 4
    assert retag_published(newsroom)[0] == 4
    assert _tags(newsroom) == tags
    (newsroom.config.root / "entities.toml").write_text(
        GAZETTEER.split('[[entity]]\nslug = "puerto-viejo"')[0], encoding="utf-8"
    )
    retag_published(newsroom)
    assert (spanish, "puerto-viejo") not in _tags(newsroom)
    listing = _cli(newsroom, "tags", "list")
    assert "nikol-pashinyan" in listing and "person" in listing


def test_classifier_trained_from_labels_files_and_explains(
    newsroom: Newsroom, tmp_path: Path
) -> None:
    wire = _source(newsroom, "wire")
    sport = _source(newsroom, "sport", section="sport")
    labelled = {
        _article(newsroom, wire, text, published=True): section
        for texts, section in ((CULTURE, "culture"), (ECONOMY, "world"))
        for text in texts
    }
    before = _article(newsroom, wire, "A new film and an exhibition at the festival")
    out = _cli(newsroom, "sections", "explain", str(before))
    assert "Decided by default: world (no rule matched; no classifier trained)" in out

    for article_id, section in labelled.items():
        assert f"labelled {section}" in _cli(
            newsroom, "sections", "label", str(article_id), section
        )
    bad = _cli(newsroom, "sections", "label", str(before), "gardening", code=2)
    assert "unknown section 'gardening'" in bad
    trained = _cli(newsroom, "sections", "train")
    assert "Trained on 10 examples (10 labelled articles, 0 from a file)" in trained
    assert "Cross-validated accuracy: " in trained and "(5 folds)" in trained
    saved = json.loads((newsroom.config.root / "sections-model.json").read_text())
    assert saved["counts"] == {"culture": 5, "world": 5}

    unlabelled = _article(
        newsroom,
        wire,
        "Una película y una exposición",
        language="es",
        english="A film and a concert at the museum festival",
    )
    by_rule = _article(newsroom, wire, "The film of the match")
    declared = _article(newsroom, sport, "A film festival")
    publish_articles(newsroom, [unlabelled, by_rule, declared])
    section, reason = _filed(newsroom, unlabelled)
    assert section == "culture" and reason is not None and reason.startswith("classifier p=")

    explained = {
        article_id: _cli(newsroom, "sections", "explain", str(article_id))
        for article_id in (unlabelled, by_rule, declared)
    }
    assert "Decided by model: culture (classifier p=" in explained[unlabelled]
    assert "classifier: culture p=" in explained[unlabelled]
    assert "top terms:" in explained[unlabelled]
    assert "Filed at publish: culture" in explained[unlabelled]
    assert (
        "Decided by rule: sport (rule sport matched 2 times: keywords match)"
        in (explained[by_rule])
    )
    assert "Decided by source: sport (declared by the source)" in explained[declared]
    assert "source: declared sport" in explained[declared]
    missing = _cli(newsroom, "sections", "explain", "99999", code=2)
    assert "no article matches" in missing


def test_training_from_a_file_and_its_mistakes(newsroom: Newsroom, tmp_path: Path) -> None:
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        "\n".join(
            json.dumps({"text": t, "section": s})
            for texts, s in ((CULTURE, "culture"), (ECONOMY, "world"))
            for t in texts
        ),
        encoding="utf-8",
    )
    out = _cli(newsroom, "sections", "train", "--examples", str(examples))
    assert "Trained on 10 examples (0 labelled articles, 10 from a file)" in out
    as_csv = tmp_path / "examples.csv"
    as_csv.write_text('text,section\n"a film",culture\n"a bank",economy\n', encoding="utf-8")
    wrong = _cli(newsroom, "sections", "train", "--examples", str(as_csv), code=2)
    assert "sections the site does not have: economy" in wrong
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "x", "section": "culture"}\n{oops\n', encoding="utf-8")
    assert "broken.jsonl:2: not JSON" in _cli(
        newsroom, "sections", "train", "--examples", str(broken), code=2
    )


def test_a_damaged_model_or_gazetteer_does_not_stop_publishing(newsroom: Newsroom) -> None:
    root = newsroom.config.root
    (root / "sections-model.json").write_text('{"format": "babelwire-sections/1"', "utf-8")
    (root / "entities.toml").write_text('[[entity]]\nslug = "x"\nkind = "alien"\n', "utf-8")
    wire = _source(newsroom, "wire")
    article_id = _article(newsroom, wire, "Quiet day")
    result = publish_articles(newsroom, [article_id])
    assert result.done == [article_id]
    section, reason = _filed(newsroom, article_id)
    assert section == "world" and reason is not None
    assert "classifier unusable: section model" in reason
    with newsroom.sessions() as session:
        article = session.get(ArticleRow, article_id)
        assert article is not None and article.first_published_at is not None
        assert article.error is not None and "gazetteer not used" in article.error
    explained = _cli(newsroom, "sections", "explain", str(article_id))
    assert "classifier: classifier unusable" in explained
    assert "gazetteer: gazetteer not used" in explained
    checked = _cli(newsroom, "tags", "check", code=2)
    assert "the gazetteer is not valid" in checked and "got 'alien'" in checked
    # The glossary reads the gazetteer too: translation waits, with the reason.
    with pytest.raises(GlossaryError, match="gazetteer"):
        path_settings(newsroom, None)
    assert "gazetteer not used" in _cli(newsroom, "tags", "refresh", code=2)


def test_recurring_names_become_tags_only_across_sources(newsroom: Newsroom) -> None:
    one = _source(newsroom, "one")
    two = _source(newsroom, "two")
    texts = [
        "Ayer el Unión Castrejón ganó y Nikol Pashinyan habló",
        "Hoy el Unión Castrejón perdió ante Nikol Pashinyan",
        "Mañana el Unión Castrejón juega",
    ]
    first = [_article(newsroom, one, t, language="es", published=True) for t in texts]
    found = refresh_if_due(newsroom)  # the first pass of a process always searches
    assert found is not None and found.names == []
    other = _article(
        newsroom, two, "El entrenador del Unión Castrejón", language="es", published=True
    )
    with newsroom.sessions() as session:
        old = session.get(ArticleRow, first[0])
        assert old is not None
        old.first_published_at = utcnow() - timedelta(days=30)  # out of the window
        session.commit()
    report = refresh_recurring(newsroom)
    # "Nikol Pashinyan" is in the gazetteer: not a recurring name of its own.
    assert [n.name for n in report.names] == ["Unión Castrejón"]
    expected = {(a, "union-castrejon"): 1 for a in (*first[1:], other)}
    assert _tags(newsroom) == expected
    refresh_recurring(newsroom)
    assert _tags(newsroom) == expected
    with newsroom.sessions() as session:
        tag = session.scalar(select(TagRow).where(TagRow.slug == "union-castrejon"))
        assert tag is not None and (tag.origin, tag.name) == ("recurring", "Unión Castrejón")
    # A pass of `babelwire run` searches only every tags.refresh_minutes.
    assert refresh_if_due(newsroom) is None


def test_gazetteer_names_are_spelled_alike_through_apertium(newsroom: Newsroom) -> None:
    glossary = path_settings(newsroom, None).glossary
    assert glossary is not None
    text = SourceText("El alcalde de Puerto Viejo recibe a Pashinián.", [])
    with ApertiumEngine(timeout=60) as engine:
        outputs: dict[str, Any] = {}
        for target in ("en", "ca"):
            (result,) = translate_texts(
                engine, [text], "es", target, settings=path_settings(newsroom, None)
            )
            outputs[target] = result.article.title
    assert "Old Harbour" in outputs["en"] and "Nikol Pashinyan" in outputs["en"]
    assert "Port Vell" in outputs["ca"] and "Nikol Paixinian" in outputs["ca"]
