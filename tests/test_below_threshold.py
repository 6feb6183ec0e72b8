"""What a translation still below the quality threshold becomes, as the site chooses
(`translation.below_threshold`): held for review, shown with a low-confidence notice,
or shown as its title and summary with a link to the original; and the choice in the
page, the feed and the API's provenance.

The bad engine is a real process: an Apertium pipeline whose mode is `cat`, so it
copies the Spanish source into the English edition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from starlette.testclient import TestClient

from babelwire.jobs.api_reads import ArticleFilters, article_page
from babelwire.jobs.article_records import article_record
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import quality_gate, translate_articles
from babelwire.model import LowQuality, Stage, TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.registry import Translators
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleRow, TranslationRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_source, small_site

TITLE = "El gobierno regional aprueba el presupuesto de 2027"
FIRST = "El gobierno regional aprobó ayer el presupuesto para el año 2027."
SECOND = "La oposición votó en contra y pidió más inversión en las escuelas."


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Newsroom]:
    newsroom = small_site(tmp_path / "site", languages=("es", "en"))
    with newsroom.sessions() as session:
        source = make_source(session, url="http://127.0.0.1:9/feed", name="Diario", language="es")
        make_article(
            session,
            source,
            url="https://diario.example/presupuesto",
            title=TITLE,
            blocks=[{"kind": "p", "text": FIRST}, {"kind": "p", "text": SECOND}],
            stage=Stage.EXTRACTED.value,
        )
        session.commit()
    modes = tmp_path / "copy"
    modes.mkdir()
    (modes / "spa-eng.mode").write_text("cat\n", encoding="utf-8")
    engine = ApertiumEngine(modes_dir=modes, timeout=30)
    engine.name = "copy"
    newsroom.services._translators = Translators(["copy"], engines=[engine])
    try:
        yield newsroom
    finally:
        newsroom.close()


def _choose(newsroom: Newsroom, below: str) -> None:
    settings = newsroom.config.settings
    translation = replace(settings.translation, below_threshold=below)
    newsroom.config = replace(newsroom.config, settings=replace(settings, translation=translation))


def _run(newsroom: Newsroom) -> tuple[int, TranslationRow]:
    with newsroom.sessions() as session:
        article_id = session.scalars(select(ArticleRow.id)).one()
    translate_articles(newsroom, [article_id])
    publish_articles(newsroom, [article_id])
    with newsroom.sessions() as session:
        row = session.scalars(select(TranslationRow).where(TranslationRow.language == "en")).one()
        session.expunge(row)
    return article_id, row


def _page(newsroom: Newsroom, article_id: int) -> Any:
    path = SitePages.for_site(newsroom).article_url("en", article_id)
    assert path is not None
    with TestClient(create_app(newsroom)) as client:
        response = client.get(path)
    assert response.status_code == 200
    return lxml_html.fromstring(response.text)


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def test_by_default_a_bad_translation_is_held(site: Newsroom) -> None:
    article_id, row = _run(site)
    assert row.status == TranslationStatus.HELD and row.published_as == ""
    assert (
        row.quality is not None and row.quality < site.config.settings.translation.quality_threshold
    )
    assert SitePages.for_site(site).article_url("en", article_id) is None
    record = article_record(site, article_id, include_held=True)
    assert record is not None
    assert [t.provenance.quality_gate for t in record.translations] == ["held"]


def test_low_confidence_is_shown_whole_with_a_stronger_notice(site: Newsroom) -> None:
    _choose(site, LowQuality.LOW_CONFIDENCE)
    article_id, row = _run(site)
    assert row.status == TranslationStatus.TRANSLATED
    assert row.published_as == LowQuality.LOW_CONFIDENCE
    assert row.reason and "published as low-confidence" in row.reason
    doc = _page(site, article_id)
    notice = _text(doc.xpath("//p[@class='notice']")[0])
    assert notice.startswith("Low-confidence machine translation")
    body = [_text(p) for p in doc.xpath("//div[contains(@class, 'body')]//p")]
    assert FIRST in body and SECOND in body  # the copy engine's whole text
    record = article_record(site, article_id)
    assert record is not None
    (translation,) = record.translations
    assert translation.provenance.quality_gate == "low-confidence"
    assert record.as_dict()["translations"][0]["provenance"]["quality_gate"] == "low-confidence"
    listed = article_page(site, "en", ArticleFilters(), cursor=None, limit=10)
    assert [i["provenance"]["quality_gate"] for i in listed["items"]] == ["low-confidence"]


def test_summary_shows_the_title_the_summary_and_a_link_to_the_original(site: Newsroom) -> None:
    _choose(site, LowQuality.SUMMARY)
    article_id, row = _run(site)
    assert row.status == TranslationStatus.TRANSLATED and row.published_as == LowQuality.SUMMARY
    assert len(row.blocks) == 2  # the whole translation is kept, for review or release
    doc = _page(site, article_id)
    assert _text(doc.xpath("//h1")[0]) == TITLE
    body = [_text(p) for p in doc.xpath("//div[contains(@class, 'body')]/p")]
    assert FIRST in body and SECOND not in body
    link = doc.xpath("//p[@class='summary-only']//a")
    assert link and link[0].get("href") == "https://diario.example/presupuesto"
    assert _text(doc.xpath("//p[@class='summary-only']")[0]).startswith(
        "Only the title and summary are shown: the machine translation of the rest was not "
        "reliable enough. Read the full article in the original:"
    )
    assert _text(doc.xpath("//p[@class='notice']")[0]).startswith("Low-confidence")
    record = article_record(site, article_id)
    assert record is not None
    (translation,) = record.translations
    assert translation.provenance.quality_gate == "summary"
    assert [b.text for b in translation.blocks] == [FIRST]


def test_an_unknown_choice_is_refused_with_the_choices(site: Newsroom) -> None:
    _choose(site, "publish")
    with site.sessions() as session:
        article_id = session.scalars(select(ArticleRow.id)).one()
    result = translate_articles(site, [article_id])
    assert "below_threshold" in result.failed[article_id]
    assert '"low-confidence"' in result.failed[article_id]
    with pytest.raises(EngineError):
        quality_gate(site)
