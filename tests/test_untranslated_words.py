"""Words the engine left untranslated: found with real Apertium, recorded with the
translation, marked on the article page with their language, plain everywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import translate_articles
from babelwire.model import Block, BlockKind, Stage
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.untranslated import candidates, read_record
from babelwire.publish.pages import SitePages
from babelwire.publish.untranslated import mark_untranslated
from babelwire.storage.tables import ArticleRow, TranslationRow
from tests.factory import make_article, make_source, small_site

TITLE = "Zubizarreta presenta la glorbaplanta"
BODY = [
    "El 12 de mayo, Zubizarreta mostró 3 glorbaplantas en https://x.example/glorbaplanta.",
    "La posidonia crece en el fondo del mar <b>cerca</b> de la costa.",
]


@pytest.fixture(scope="module")
def engine() -> Iterator[ApertiumEngine]:
    with ApertiumEngine() as apertium:
        if ("es", "ca") not in apertium.pairs():
            pytest.skip("Apertium spa-cat is not installed")
        yield apertium


def test_only_unknown_lowercase_words_are_reported(engine: ApertiumEngine) -> None:
    texts = [SourceText(TITLE, [Block(BlockKind.PARAGRAPH, b) for b in BODY])]
    result = translate_texts(engine, texts, "es", "ca")[0]
    assert result.untranslated == {0: ("glorbaplanta",), 1: ("glorbaplantas",)}
    # Words Spanish and Catalan write alike ("la", "de") are translated, not left:
    # the engine knows them.  The name and the number are never reported.
    words = {w for ws in result.untranslated.values() for w in ws}
    assert not words & {"la", "de", "en", "Zubizarreta", "12", "3"}
    assert result.article.unknown_words >= 2


def test_candidates_leave_out_names_numbers_and_protected_spans() -> None:
    source = "Zubizarreta vio 3 glorbas en https://x.example/posidonia y posidonia"
    output = "Zubizarreta va veure 3 glorbas a https://x.example/posidonia i posidonia"
    assert candidates(source, output, ["https://x.example/posidonia"]) == ["glorbas", "posidonia"]


def test_markup_escapes_everything_and_skips_addresses() -> None:
    text = "<b>posidonia</b> & x.example/posidonia, @posidonia; posidonias posidonia."
    out = mark_untranslated(text, ["posidonia"], "es", 'left "as is"')
    span = '<span lang="es" class="untranslated" title="left &#34;as is&#34;">posidonia</span>'
    assert str(out) == (
        f"&lt;b&gt;{span}&lt;/b&gt; &amp; x.example/posidonia, @posidonia; posidonias {span}."
    )
    assert mark_untranslated(text, [], "es", "t") == text  # nothing to mark: plain text


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    newsroom = small_site(tmp_path / "site", languages=("ca", "es"), database_url=database_url)
    with newsroom.sessions() as session:
        source = make_source(session, url="http://127.0.0.1:9/feed", name="Diari", language="es")
        make_article(
            session,
            source,
            url="http://127.0.0.1:9/1",
            title=TITLE,
            blocks=[{"kind": "p", "text": b} for b in BODY],
            stage=Stage.EXTRACTED.value,
        )
        session.commit()
    try:
        yield newsroom
    finally:
        newsroom.close()


def test_the_page_marks_untranslated_words_and_feeds_stay_plain(
    site: Newsroom, engine: ApertiumEngine
) -> None:
    with site.sessions() as session:
        ids = list(session.scalars(select(ArticleRow.id)))
    assert not translate_articles(site, ids).failed
    publish_articles(site, ids)
    with site.sessions() as session:
        row = session.scalar(select(TranslationRow).where(TranslationRow.language == "ca"))
        assert row is not None and row.status == "translated"
        assert read_record(row.checks) == ("es", {0: ("glorbaplanta",), 1: ("glorbaplantas",)})
        assert "source_words" in row.checks  # the quality measurements are still there
    pages = SitePages.for_site(site)
    page = pages.article("ca", ids[0])
    assert page is not None
    tree = lxml_html.fromstring(page)
    marked = tree.xpath('//span[@class="untranslated"]')
    assert [(s.text, s.get("lang"), s.getparent().tag) for s in marked] == [
        ("glorbaplanta", "es", "h1"),
        ("glorbaplantas", "es", "p"),
    ]
    assert marked[0].get("title") == "La traducció automàtica ho va deixar sense traduir"
    # The address keeps its text; the body's markup-like text is escaped, not markup.
    assert "https://x.example/glorbaplanta" in tree.xpath("string(//div[@class='body'])")
    assert "&lt;b&gt;" in page and not tree.xpath("//div[@class='body']//b")
    # The title element, the feed and the metadata keep the plain text.
    assert tree.xpath("string(//title)").startswith("Zubizarreta presenta la glorbaplanta")
    feed = pages.feed("ca", "rss")
    assert feed is not None and b"glorbaplanta" in feed and b"untranslated" not in feed


def test_a_marked_word_is_shown_in_the_edition_only_where_it_is(
    site: Newsroom, engine: ApertiumEngine
) -> None:
    with site.sessions() as session:
        ids = list(session.scalars(select(ArticleRow.id)))
    translate_articles(site, ids)
    publish_articles(site, ids)
    page = SitePages.for_site(site).article("es", ids[0])  # the original edition
    assert page is not None and 'class="untranslated"' not in page
