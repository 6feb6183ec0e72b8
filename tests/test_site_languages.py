"""Every edition in its own language: the interface, dates in the site's time zone, the
tagline and About text per edition on pages and in feeds, and the warnings of `init` and
`check` about an edition with no catalogue or no translation route."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.config import Config, ConfigError
from babelwire.jobs.site_check import route_warnings, site_warnings
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.registry import Translators
from babelwire.publish.pages import SitePages
from tests.factory import make_article, make_source, make_translation

PUBLISHED = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
EDITIONS = ["en", "es", "ca", "gl", "eu"]
TAGLINES = {"en": "News from the valley.", "ca": "Notícies de la vall."}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SitePages, int]]:
    root = tmp_path_factory.mktemp("languages")
    config = Config.from_mapping(
        root,
        {
            "site": {
                "languages": EDITIONS,
                "title": "Vall",
                "base_url": "https://vall.example",
                "timezone": "Europe/Madrid",
                "description": TAGLINES,
                "about": {
                    "eu": "Hiru herriren kooperatiba gara.\n\nIdatzi iezaguzu.",
                    "*": "A co-op.",
                },
            },
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    with newsroom.sessions.begin() as session:
        source = make_source(session, name="Diari de la Vall", language="ca")
        article = make_article(
            session,
            source,
            language="ca",
            title="El Govern aprova el pressupost",
            published_at=PUBLISHED,
            first_published_at=PUBLISHED,
            section="politics",
        )
        for code in EDITIONS:
            if code == "ca":
                make_translation(session, article, code, "original")
            else:
                make_translation(session, article, code, title=f"Pressupost [{code}]")
        article_id = article.id
    yield SitePages(config, newsroom.sessions), article_id
    newsroom.close()


def _doc(page: str | None) -> Any:
    assert page is not None
    return lxml_html.fromstring(page)


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


@pytest.mark.parametrize(
    ("language", "skip", "published", "notice"),
    [
        (
            "en",
            "Skip to content",
            "December 3, 2026, 2:05\u202fPM +0100",
            "Translated automatically from Catalan by Apertium 3.8.3; not edited by a person.",
        ),
        (
            "es",
            "Saltar al contenido",
            "3 de diciembre de 2026, 14:05 CET",
            "Traducido automáticamente del catalán por Apertium 3.8.3; "
            "ninguna persona lo ha revisado.",
        ),
        (
            "gl",
            "Saltar ao contido",
            "3 de decembro de 2026, 14:05 CET",
            "Traducido automaticamente do catalán por Apertium 3.8.3; ningunha persoa o revisou.",
        ),
        (
            "eu",
            "Joan edukira",
            "2026(e)ko abenduaren 3(a) (14:05 CET)",
            "Itzulpen automatikoa katalanetik, Apertium 3.8.3 itzultzaileak egina; "
            "inork ez du berrikusi.",
        ),
    ],
)
def test_an_article_page_speaks_its_editions_language(
    site: tuple[SitePages, int], language: str, skip: str, published: str, notice: str
) -> None:
    pages, article_id = site
    doc = _doc(pages.article(language, article_id))
    assert doc.xpath("//a[@class='skip']")[0].text == skip
    time = doc.xpath("//span[@class='published']/time")[0]
    assert time.text == published
    assert time.get("datetime") == "2026-12-03T13:05:00Z"  # machines still read UTC
    assert _text(doc.xpath("//p[@class='notice']")[0]).startswith(notice)


def test_the_tagline_is_the_editions_own_else_the_interfaces(site: tuple[SitePages, int]) -> None:
    pages, _ = site
    shown = {code: _text(_doc(pages.front(code)).xpath("//footer//p")[0]) for code in EDITIONS}
    assert shown == {
        "en": "News from the valley.",
        "ca": "Notícies de la vall.",
        "es": "Noticias recogidas y traducidas automáticamente.",
        "gl": "Novas recollidas e traducidas automaticamente.",
        "eu": "Automatikoki bildu eta itzulitako albisteak.",
    }
    description = _doc(pages.front("es")).xpath("//meta[@name='description']")[0]
    assert description.get("content") == shown["es"]


def test_feeds_describe_themselves_in_the_editions_language(site: tuple[SitePages, int]) -> None:
    pages, _ = site
    rss = etree.fromstring(pages.feed("gl", "rss") or b"")
    assert rss.findtext("channel/description") == "Novas recollidas e traducidas automaticamente."
    assert rss.findtext("channel/language") == "gl"
    atom = etree.fromstring(pages.feed("ca", "atom") or b"")
    assert atom.findtext("{http://www.w3.org/2005/Atom}subtitle") == "Notícies de la vall."
    feed = json.loads(pages.feed("eu", "json") or b"")
    assert feed["description"] == "Automatikoki bildu eta itzulitako albisteak."
    item = feed["items"][0]
    assert item["content_text"].startswith("Itzulpen automatikoa katalanetik")
    assert " Jatorrizkoa: " in item["content_html"]
    assert item["date_published"] == "2026-12-03T13:05:00Z"


def test_the_about_page_has_the_sites_words_per_edition(site: tuple[SitePages, int]) -> None:
    pages, _ = site
    basque = _doc(pages.about("eu"))
    assert [_text(p) for p in basque.xpath("//p[@class='site-about']")] == [
        "Hiru herriren kooperatiba gara.",
        "Idatzi iezaguzu.",
    ]
    assert basque.xpath("//h1")[0].text == "Gune honi buruz"
    assert "Vall automatikoki osatzen da." in _text(basque.xpath("//main")[0])
    assert [_text(p) for p in _doc(pages.about("es")).xpath("//p[@class='site-about']")] == [
        "A co-op."
    ]


def test_lists_count_their_articles_in_the_editions_plural(site: tuple[SitePages, int]) -> None:
    pages, _ = site
    labels = {
        code: _text(_doc(pages.section(code, "politics")).xpath("//span[@class='page-of']")[0])
        for code in ("en", "es", "ca", "eu")
    }
    assert labels == {"en": "1 article", "es": "1 artículo", "ca": "1 article", "eu": "artikulu 1"}


def test_section_names_are_translated_and_their_addresses_stay(site: tuple[SitePages, int]) -> None:
    pages, _ = site
    link = _doc(pages.front("eu")).xpath("//nav[@class='sections']//a")[0]
    assert (link.text, link.get("href")) == ("Politika", "/eu/section/politics/")


# -- settings --------------------------------------------------------------------------


def test_a_misspelt_time_zone_is_refused_with_the_closest_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"site\.timezone: 'Europe/Madird'.*Europe/Madrid"):
        Config.from_mapping(tmp_path, {"site": {"timezone": "Europe/Madird"}})


def test_a_tagline_is_one_text_or_a_table_per_edition(tmp_path: Path) -> None:
    one = Config.from_mapping(tmp_path, {"site": {"description": "Local news."}})
    assert one.settings.site.description == {"*": "Local news."}
    table = Config.from_mapping(
        tmp_path, {}, env={"BABELWIRE_SITE_DESCRIPTION": '{"en": "News", "es": "Noticias"}'}
    )
    assert table.settings.site.description == {"en": "News", "es": "Noticias"}
    with pytest.raises(ConfigError, match=r"site\.description: \['English'\]"):
        Config.from_mapping(tmp_path, {"site": {"description": {"English": "News"}}})
    with pytest.raises(ConfigError, match=r"site\.about: expected a text or a table"):
        Config.from_mapping(tmp_path, {"site": {"about": {"en": 3}}})


def test_an_older_sites_english_tagline_is_shown_translated(tmp_path: Path) -> None:
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {
                "languages": ["en", "ca"],
                "description": "News collected and translated automatically.",
            },
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    try:
        footer = _doc(SitePages(config, newsroom.sessions).front("ca")).xpath("//footer//p")[0]
    finally:
        newsroom.close()
    assert _text(footer) == "Notícies recollides i traduïdes automàticament."


# -- init and check ------------------------------------------------------------------


def test_init_and_check_warn_about_an_edition_without_catalogue_or_route(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "site"
    created = runner.invoke(app, ["init", str(site), "--languages", "en,xx,fr"])
    assert created.exit_code == 0, created.output
    assert "Created site" in created.output
    output = " ".join(created.output.split())
    assert "warning: edition xx: no interface catalogue for 'xx'" in output
    assert "no translation route from en, fr into xx" in output
    assert "no Apertium package translates into xx" in output
    assert "edition fr: no interface catalogue" not in output
    checked = runner.invoke(app, ["check", "--site", str(site)])
    assert checked.exit_code == 1
    assert "warning: edition xx: no interface catalogue" in " ".join(checked.output.split())


def test_check_names_the_apertium_packages_that_would_give_a_route(tmp_path: Path) -> None:
    config = Config.from_mapping(
        tmp_path, {"site": {"languages": ["es", "en"], "source_languages": ["an", "es"]}}
    )
    translators = Translators(["apertium"])
    try:
        if translators.routes("an", "es"):
            pytest.skip("this machine has apertium-spa-arg: Aragonese has a route")
        warnings = route_warnings(config, translators)
    finally:
        translators.close()
    assert warnings[0] == (
        "edition es: no translation route from an into es with the site's engines "
        "(apertium); the Apertium package apertium-spa-arg (apt install apertium-spa-arg) "
        "would give an>es (docs/translation.md)"
    )
    # Into English: through a pivot whose pair to English is installed, one package
    # (which pivot depends on the pairs this machine has).
    assert re.fullmatch(
        r"edition en: no translation route from an into en with the site's engines "
        r"\(apertium\); the Apertium package (apertium-[a-z-]+) \(apt install \1\) "
        r"would give an>en \(docs/translation\.md\)",
        warnings[1],
    ), warnings[1]
    assert len(warnings) == 2


def test_a_site_with_everything_checks_clean(tmp_path: Path) -> None:
    config = Config.from_mapping(tmp_path, {"site": {"languages": ["en", "es", "ca"]}})
    assert site_warnings(config) == []
