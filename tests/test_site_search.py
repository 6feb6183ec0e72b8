"""Serve-mode search: SQLite FTS5 or PostgreSQL full-text search, per edition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import html as lxml_html
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.newsroom import Newsroom
from babelwire.storage.published import search
from babelwire.storage.tables import SourceRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_translation
from tests.test_site import add_source_row

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _add(session: Any, source: SourceRow, n: int, titles: dict[str, str], body: str) -> int:
    article = make_article(
        session,
        source,
        url=f"https://x.example/{n}",
        title=titles.get("es", ""),
        blocks=[{"kind": "p", "text": body}],
        first_published_at=T0 + timedelta(minutes=n),
        language="es",
        section="world",
    )
    for language, title in titles.items():
        make_translation(
            session,
            article,
            language,
            "original" if language == "es" else "translated",
            title=title,
            # Each edition's own text: an English word must not match in Spanish.
            blocks=[{"kind": "p", "text": body if language == "en" else f"Texto {n}."}],
            engine="apertium",
            engine_version="3.8.3",
        )
    return int(article.id)


def test_search_per_edition_ranks_titles_and_ignores_query_syntax(
    tmp_path: Path, database_url: str
) -> None:
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["en", "es"], "page_size": 2},
            "database": {"url": database_url},
        },
    )
    newsroom = Newsroom.from_config(config)
    try:
        with newsroom.sessions.begin() as session:
            source = add_source_row(session, "https://x.example/feed", "X")
            harbour = _add(
                session,
                source,
                1,
                {"en": "Harbour reopens after storm", "es": "El puerto reabre"},
                "Boats return.",
            )
            mention = _add(
                session,
                source,
                2,
                {"en": "Council meeting", "es": "Pleno municipal"},
                "The harbour was discussed.",
            )
            other = _add(
                session, source, 3, {"en": "Football final", "es": "Final de fútbol"}, "Goals."
            )
            spanish_only = _add(session, source, 4, {"es": "Harbour en español"}, "Texto.")
            for n in range(5, 10):
                _add(session, source, n, {"en": f"Storm report {n}"}, "Rain and wind.")
        with newsroom.sessions() as session:
            # Indexed in one batch, the way publishing does it.
            assert search.index_articles(session, list(range(1, 10))) == 12
            session.commit()
            results = search.search(session, "en", "harbour")
            assert results.total == 2
            # The title match ranks above the body match.
            assert [t.id for t in results.teasers] == [harbour, mention]
            assert other not in {t.id for t in results.teasers}
            assert spanish_only not in {t.id for t in results.teasers}
            es = search.search(session, "es", "harbour")
            assert [t.id for t in es.teasers] == [spanish_only]
            # Every word must match; reader input is words only, never query syntax.
            assert search.search(session, "en", "harbour storm").total == 1
            for hostile in ('harbour" OR "x', "NEAR(harbour", "harbour*", "') --", "a & | !"):
                search.search(session, "en", hostile)  # no error
            assert search.search(session, "en", "   ").total == 0
            storms = search.search(session, "en", "storm", page=2, page_size=2)
            assert storms.total == 6 and storms.page_count == 3 and len(storms.teasers) == 2
            # Removing an article drops it from the index.
            search.remove_articles(session, [harbour])
            session.commit()
            assert [t.id for t in search.search(session, "en", "harbour").teasers] == [mention]
            assert search.reindex_all(session) == 12
            session.commit()
        with TestClient(create_app(newsroom)) as client:
            response = client.get("/en/search/", params={"q": "storm"})
            assert response.status_code == 200
            doc = lxml_html.fromstring(response.text)
            assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, follow"]
            assert len(doc.xpath("//main//li[contains(@class, 'teaser')]")) == 2
            assert doc.xpath("//a[@rel='next']/@href") == ["/en/search/?q=storm&page=2"]
            assert doc.xpath("//input[@name='q']/@value") == ["storm"]
            third = lxml_html.fromstring(client.get("/en/search/?q=storm&page=3").text)
            assert len(third.xpath("//main//li[contains(@class, 'teaser')]")) == 2
            hostile = client.get("/en/search/", params={"q": "<script>alert(1)</script>"})
            assert hostile.status_code == 200 and "<script>alert" not in hostile.text
            assert client.get("/xx/search/?q=a").status_code == 404
    finally:
        newsroom.close()
