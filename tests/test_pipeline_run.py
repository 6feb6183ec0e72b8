"""The whole newsroom against the loopback sample outlets, with real Apertium.

Articles land translated and filed, reruns add nothing, a change at the source is
an update, and every kind of bad input is recorded while the rest goes on.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from babelwire import __version__
from babelwire.demo.server import DemoServer, SampleOutlet, load_samples
from babelwire.jobs.run import run_pass
from babelwire.jobs.sources import add_source, list_sources
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, EntryRow, FetchLogRow, SourceRow, TranslationRow
from tests.conftest import make_site


def _counts(newsroom: Newsroom) -> tuple[int, int, int]:
    with newsroom.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(ArticleRow)) or 0,
            session.scalar(select(func.count()).select_from(EntryRow)) or 0,
            session.scalar(select(func.count()).select_from(TranslationRow)) or 0,
        )


def _article(newsroom: Newsroom, url_part: str) -> ArticleRow:
    with newsroom.sessions() as session:
        row = session.scalar(select(ArticleRow).where(ArticleRow.url.contains(url_part)))
        assert row is not None, url_part
        return row


@pytest.mark.slow
def test_articles_land_translated_and_filed(newsroom: Newsroom, demo_server: DemoServer) -> None:
    report = run_pass(newsroom)
    assert report.ok, report
    total = sum(len(o.articles) for o in demo_server.outlets.values())
    assert sum(s.new for s in report.sources) == total
    with newsroom.sessions() as session:
        articles = session.scalars(select(ArticleRow)).all()
        assert len(articles) == total
        assert {a.stage for a in articles} == {Stage.PUBLISHED.value}
        assert all(a.extractor.startswith("trafilatura") for a in articles)
        assert not any(a.from_feed for a in articles)
        statuses: list[str] = []
        for article in articles:
            by_language = {t.language: t for t in article.translations}
            assert set(by_language) >= {"en", "es"}
            for language in ("en", "es"):
                translation = by_language[language]
                if article.language == language:
                    assert translation.status == "original"
                    assert translation.title == article.title
                else:
                    # the quality gate may hold one, with its score and why
                    assert translation.status in ("translated", "held"), translation.reason
                    statuses.append(translation.status)
                    if translation.status == "held":
                        assert translation.reason and translation.reason.startswith("quality")
                    assert translation.engine == "apertium"
                    assert translation.engine_version
                    assert translation.title and translation.title != article.title
                    # the shape survives: one block per block, same kinds
                    assert [b["kind"] for b in translation.blocks] == [
                        b["kind"] for b in article.blocks
                    ]
                    text = " ".join(b["text"] for b in translation.blocks)
                    assert "*" not in text and "#" not in text.replace("# ", "")
    assert statuses.count("translated") >= 0.7 * len(statuses), statuses
    # the sample outlets are in three languages and the language is kept
    assert {a.language for a in articles} == {"es", "ca", "en"}
    # every request said who asked, with the site's About page, and robots.txt came first
    agents = {agent for _path, agent in demo_server.requests}
    assert agents == {f"babelwire/{__version__} (+http://127.0.0.1:8000/en/about/)"}
    assert demo_server.requests[0][0] == "/robots.txt"


@pytest.mark.slow
def test_sections_follow_the_source_then_the_keywords(
    newsroom: Newsroom, demo_server: DemoServer
) -> None:
    run_pass(newsroom)
    expected = {
        (outlet.slug, article.slug): outlet.section or article.topic
        for outlet, article in demo_server.iter_articles()
    }
    with newsroom.sessions() as session:
        rows = session.scalars(select(ArticleRow)).all()
    filed = {}
    for row in rows:
        outlet, page = row.url.rsplit("/", 2)[-2:]
        filed[(outlet, page.removesuffix(".html"))] = row.section
    right = sum(filed[key] == section for key, section in expected.items())
    # keyword rules are simple; the samples state their topic, so most must match
    assert right >= 0.9 * len(expected), {k: (filed[k], v) for k, v in expected.items()}
    sport = [r for r in rows if "deportes-del-valle" in r.url]
    assert sport and all(
        r.section == "sport" and "declared" in (r.section_reason or "") for r in sport
    )


@pytest.mark.slow
def test_a_second_pass_adds_nothing(newsroom: Newsroom) -> None:
    run_pass(newsroom)
    before = _counts(newsroom)
    report = run_pass(newsroom, force=True)
    assert report.ok
    assert _counts(newsroom) == before
    assert sum(s.new + s.updated for s in report.sources) == 0
    with newsroom.sessions() as session:
        outcomes = session.scalars(
            select(FetchLogRow.outcome).order_by(FetchLogRow.id.desc()).limit(len(report.sources))
        ).all()
    # unchanged feeds cost a 304 (conditional GET with the stored ETag)
    assert set(outcomes) == {"not_modified"}


@pytest.mark.slow
def test_a_changed_article_is_an_update_not_a_duplicate(
    newsroom: Newsroom, demo_server: DemoServer
) -> None:
    run_pass(newsroom)
    before = _counts(newsroom)
    outlet = demo_server.outlets["el-faro-de-almira"]
    original = outlet.articles[0]
    body = list(original.body)
    body[0] = ("p", body[0][1] + " El ayuntamiento publicó una corrección el viernes.")
    demo_server.update_article(outlet.slug, original.slug, body=tuple(body))
    old = _article(newsroom, original.slug)

    report = run_pass(newsroom, force=True)
    assert report.ok
    assert _counts(newsroom) == before
    faro = next(s for s in report.sources if s.name == outlet.name)
    assert (faro.new, faro.updated) == (0, 1)
    new = _article(newsroom, original.slug)
    assert new.id == old.id
    assert new.version == old.version + 1
    assert new.updated_at is not None and new.first_published_at == old.first_published_at
    assert "corrección" in new.blocks[0]["text"]
    with newsroom.sessions() as session:
        english = session.scalar(
            select(TranslationRow).where(
                TranslationRow.article_id == new.id, TranslationRow.language == "en"
            )
        )
    assert english is not None and english.article_version == new.version
    assert "correction" in english.blocks[0]["text"].lower()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_broken_sources_are_recorded_and_the_rest_goes_on(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    with make_site(tmp_path / "site", demo_server) as newsroom:
        base = demo_server.base
        demo_server.break_path("/gone/rss.xml", 404)
        demo_server.break_path("/boom/rss.xml", 500, b"Internal error")
        demo_server.break_path(
            "/page/rss.xml", 200, b"<html><body><p>Hello</p></body></html>", "text/html"
        )
        broken = {
            f"http://127.0.0.1:{_closed_port()}/feed.xml": "connect",
            f"{base}/gone/rss.xml": "404",
            f"{base}/boom/rss.xml": "500",
            f"{base}/page/rss.xml": "not a feed",
        }
        for url in broken:
            add_source(newsroom, url)
        report = run_pass(newsroom)
        assert not report.ok
        failed = {s.source_id: s.error for s in report.sources if s.error}
        assert len(failed) == len(broken)
        sources = {s.url: s for s in list_sources(newsroom)}
        for url, words in broken.items():
            info = sources[url]
            assert info.last_status == "error"
            assert info.last_error and words in info.last_error.lower(), info.last_error
        # every good source was still processed completely
        total = sum(len(o.articles) for o in demo_server.outlets.values())
        with newsroom.sessions() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(ArticleRow)
                    .where(ArticleRow.stage == Stage.PUBLISHED.value)
                )
                == total
            )
            failing = session.scalars(
                select(SourceRow).where(SourceRow.consecutive_failures > 0)
            ).all()
            assert {s.url for s in failing} == set(broken)
            # a failing source backs off instead of being polled again at once
            assert all(s.next_fetch_at is not None for s in failing)


@pytest.mark.slow
def test_bad_article_pages_fall_back_to_the_feed_or_fail_clearly(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    outlet = demo_server.outlets["harbour-courier"]
    empty, not_html, missing = outlet.articles[:3]
    demo_server.break_path(f"/{outlet.slug}/{empty.slug}.html", 200, b"", "text/html")
    demo_server.break_path(
        f"/{outlet.slug}/{not_html.slug}.html", 200, b"%PDF-1.4 binary", "application/pdf"
    )
    demo_server.break_path(f"/{outlet.slug}/{missing.slug}.html", 404)
    with make_site(tmp_path / "site", demo_server) as newsroom:
        report = run_pass(newsroom)
        for sample in (empty, not_html, missing):
            row = _article(newsroom, sample.slug)
            # the feed's summary stands in, and the article says so
            assert row.from_feed and row.extractor == "feed"
            assert row.error and sample.slug in row.error
            assert row.stage == Stage.PUBLISHED.value
            assert row.blocks[0]["text"] == sample.summary
        assert report.ok


CRASH_STAGE = """
import sys
data = sys.stdin.buffer
out = sys.stdout.buffer
unit = bytearray()
while True:
    byte = data.read(1)
    if not byte:
        break
    unit += byte
    if byte == b"\\0":
        if b"DETONAR" in unit:
            sys.exit(3)  # the engine dies in the middle of this article
        out.write(unit)
        out.flush()
        unit.clear()
"""


@pytest.fixture
def crashing_modes(tmp_path: Path) -> Path:
    """Apertium's installed modes, except that spa-eng dies on any unit containing DETONAR."""
    modes = tmp_path / "modes"
    modes.mkdir()
    script = tmp_path / "crash_stage.py"
    script.write_text(CRASH_STAGE)
    for mode in Path("/usr/share/apertium/modes").glob("*.mode"):
        text = mode.read_text()
        if mode.name == "spa-eng.mode":
            text = f"{sys.executable} -u {script} | {text}"
        (modes / mode.name).write_text(text)
    return modes


@pytest.mark.slow
def test_translation_engine_crash_is_recorded_and_others_publish(
    tmp_path: Path,
    demo_server: DemoServer,
    crashing_modes: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APERTIUM_MODES_DIR", str(crashing_modes))
    outlet = demo_server.outlets["el-faro-de-almira"]
    victim = outlet.articles[2]
    body = list(victim.body)
    body[1] = (body[1][0], body[1][1] + " DETONAR")
    demo_server.update_article(outlet.slug, victim.slug, body=tuple(body))
    with make_site(tmp_path / "site", demo_server) as newsroom:
        report = run_pass(newsroom)
        row = _article(newsroom, victim.slug)
        assert row.stage == Stage.EXTRACTED.value  # kept, to be retried on the next pass
        assert row.attempts == 1
        assert row.error and "apertium es->en" in row.error and "spa-eng" in row.error
        assert report.article_errors[row.id] == row.error
        faro = next(s for s in report.sources if s.name == outlet.name)
        assert faro.failed == 1 and not report.ok
        with newsroom.sessions() as session:
            stages = dict(
                session.execute(
                    select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage)
                ).all()
            )
            # its Spanish edition is the original; no English text was invented for it
            english = session.scalar(
                select(TranslationRow).where(
                    TranslationRow.article_id == row.id, TranslationRow.language == "en"
                )
            )
        assert english is None
        total = sum(len(o.articles) for o in demo_server.outlets.values())
        assert stages == {Stage.PUBLISHED.value: total - 1, Stage.EXTRACTED.value: 1}
        # the engine restarts by itself and the next pass retries the victim alone
        second = run_pass(newsroom)
        assert list(second.article_errors) == [row.id]
        assert _article(newsroom, victim.slug).attempts == 2


def test_demo_outlets_cover_three_languages_and_thirty_articles() -> None:
    outlets = load_samples()
    assert len(outlets) >= 3
    assert {o.language for o in outlets} >= {"es", "ca", "en"}
    assert sum(len(o.articles) for o in outlets) >= 30
    assert {o.format for o in outlets} == {"rss", "atom", "json"}


@pytest.mark.slow
def test_the_pipeline_runs_the_same_on_each_database(
    tmp_path: Path, demo_server: DemoServer, database_url: str
) -> None:
    with make_site(tmp_path / "site", demo_server, database_url) as newsroom:
        first = run_pass(newsroom)
        assert first.ok
        counts = _counts(newsroom)
        total = sum(len(o.articles) for o in demo_server.outlets.values())
        assert counts[0] == total and counts[2] == total * 2
        assert run_pass(newsroom, force=True).ok
        assert _counts(newsroom) == counts


@pytest.mark.slow
def test_published_pages_carry_attribution_notice_and_structure(
    newsroom: Newsroom, demo_server: DemoServer
) -> None:
    from lxml import html as lxml_html
    from starlette.testclient import TestClient

    from babelwire.web.app import create_app

    run_pass(newsroom)
    outlet = demo_server.outlets["el-faro-de-almira"]
    sample = next(a for a in outlet.articles if any(k == "h" for k, _ in a.body))
    row = _article(newsroom, sample.slug)
    client = TestClient(create_app(newsroom))
    front = client.get("/en/")
    assert front.status_code == 200
    link = f"/en/article/{row.id}-"
    assert link in front.text
    page = client.get(f"/en/article/{row.id}", follow_redirects=True)
    assert page.status_code == 200
    doc = lxml_html.fromstring(page.text)
    assert doc.get("lang") == "en"
    for landmark in ("header", "nav", "main", "article", "footer"):
        assert doc.xpath(f"//{landmark}"), landmark
    (h1,) = doc.xpath("//article//h1")
    english = next(t for t in row.translations if t.language == "en")
    assert h1.text_content().strip() == english.title
    assert doc.xpath("//article//time[@datetime]")
    assert doc.xpath(f"//a[@href='{row.url}' and contains(., '{outlet.name}')]")
    headings = [b["text"] for b in english.blocks if b["kind"] == "h"]
    assert [h.text_content().strip() for h in doc.xpath("//article//h2")] == headings
    notice = " ".join(doc.xpath("string(//*[contains(@class, 'notice')])").split())
    assert notice.startswith(
        f"Translated automatically from Spanish by Apertium {english.engine_version}"
    )
    assert "not edited by a person. Original:" in notice
    assert doc.xpath(f"//*[contains(@class, 'notice')]//a[@href='{row.url}']")
    section = newsroom.config.section(row.section or "")
    assert section is not None and doc.xpath(f"//a[contains(@href, '/en/section/{section.slug}/')]")
    assert doc.xpath("//a[@hreflang='es' and contains(@href, '/es/article/')]")
    assert doc.xpath("//a[@href='#top']") and doc.xpath("//*[@id='top']")
    # JSON-LD metadata is data, not a script that runs.
    assert not doc.xpath("//script[not(@type='application/ld+json')]")


@pytest.mark.slow
def test_a_pair_no_engine_translates_is_skipped_with_the_reason(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    # Debian's Apertium has no Catalan/Spanish/English -> Breton pairs.
    with make_site(tmp_path / "site", demo_server, languages=("en", "br")) as newsroom:
        report = run_pass(newsroom)
        assert report.ok
        with newsroom.sessions() as session:
            breton = session.scalars(
                select(TranslationRow).where(TranslationRow.language == "br")
            ).all()
        total = sum(len(o.articles) for o in demo_server.outlets.values())
        assert len(breton) == total
        assert {t.status for t in breton} == {"skipped"}
        assert all(t.reason and "-> br" in t.reason and not t.blocks for t in breton)


def test_robots_txt_is_obeyed(tmp_path: Path, demo_server: DemoServer) -> None:
    page = demo_server.outlets["diari-de-portvell"].articles[0]
    page_path = f"/diari-de-portvell/{page.slug}.html"
    demo_server.break_path(
        "/robots.txt",
        200,
        (
            "User-agent: otherbot\nDisallow: /\n\n"
            f"User-agent: babelwire\nDisallow: /harbour-courier/\nDisallow: {page_path}\n"
        ).encode(),
    )
    with make_site(tmp_path / "site", demo_server) as newsroom:
        report = run_pass(newsroom)
        courier = next(s for s in report.sources if s.name == "The Harbour Courier")
        assert courier.error and "robots.txt" in courier.error
        paths = [path for path, _agent in demo_server.requests]
        assert not [p for p in paths if p.startswith("/harbour-courier/")]
        assert page_path not in paths
        others = sum(
            len(o.articles) for slug, o in demo_server.outlets.items() if slug != "harbour-courier"
        )
        assert sum(s.new for s in report.sources) == others
        # the disallowed page was not fetched: the feed's summary stands in, and says why
        row = _article(newsroom, page.slug)
        assert row.from_feed and row.error and "robots.txt" in row.error


@pytest.mark.slow
def test_a_page_whose_canonical_is_a_known_article_is_that_article(tmp_path: Path) -> None:
    outlets = load_samples()
    courier = next(o for o in outlets if o.slug == "harbour-courier")
    original = courier.articles[0]
    mirror = SampleOutlet(
        slug="mirror",
        name="Mirror Daily",
        language="en",
        format="rss",
        section=None,
        description="Republishes wire copy.",
    )
    outlets.append(mirror)
    with DemoServer(outlets) as server:
        copy = replace(
            original,
            slug="copied-story",
            canonical=server.article_url(courier.slug, original.slug),
        )
        mirror.articles.append(copy)
        with make_site(tmp_path / "site", server) as newsroom:
            report = run_pass(newsroom)
            assert report.ok
            with newsroom.sessions() as session:
                rows = session.scalars(
                    select(ArticleRow).where(ArticleRow.title == original.title)
                ).all()
                assert len(rows) == 1 and rows[0].url.endswith(f"/{original.slug}.html")
                entries = session.scalars(
                    select(EntryRow).where(EntryRow.article_id == rows[0].id)
                ).all()
                assert {e.url.rsplit("/", 1)[1] for e in entries} == {
                    f"{original.slug}.html",
                    "copied-story.html",
                }
            total = sum(len(o.articles) for o in outlets)
            assert _counts(newsroom)[0] == total - 1
            # nothing changes on the next pass
            assert run_pass(newsroom, force=True).ok
            assert _counts(newsroom)[0] == total - 1
