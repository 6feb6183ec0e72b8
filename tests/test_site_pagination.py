"""List pages as readers see them: counted from the newest at /page/K/, the same links
in a served and a static site, each shown page canonical to its stable archive page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import update
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.newsroom import Newsroom
from babelwire.publish.paths import READER_PAGES
from babelwire.publish.static import build_site_report
from babelwire.storage.tables import ArticleRow, TranslationRow
from babelwire.web.app import create_app
from tests.test_site import ECONOMY_ARTICLES, populate_site
from tests.test_site_static import _publish

BASE = "https://wire.example"
SIZE = 2
LIST = "/en/section/economy/"


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Newsroom]:
    config = Config.from_mapping(
        tmp_path / "site",
        {
            "site": {"languages": ["en"], "base_url": BASE, "page_size": SIZE},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    (tmp_path / "site").mkdir()
    newsroom = Newsroom.from_config(config)
    populate_site(newsroom)
    with newsroom.sessions.begin() as session:
        session.execute(update(TranslationRow).values(updated_at=datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        yield newsroom
    finally:
        newsroom.close()


def _walk(fetch: Callable[[str], bytes | None]) -> list[tuple[str, list[str], str, str]]:
    """(address, teaser links, pager label, canonical) of every page reached from the
    list's own address by its "next" links."""
    seen = []
    path: str | None = LIST
    while path is not None:
        body = fetch(path)
        assert body is not None, f"{path} does not exist"
        doc = lxml_html.fromstring(body)
        links = [str(h) for h in doc.xpath("//main//li[contains(@class, 'teaser')]//h2/a/@href")]
        label = doc.xpath("string(//nav[@class='pagination']/span)").strip()
        canonical = doc.xpath("string(//link[@rel='canonical']/@href)")
        seen.append((path, links, label, canonical))
        nexts = doc.xpath("//a[@rel='next']/@href")
        path = str(nexts[0]) if nexts else None
        assert len(seen) < 100
    return seen


def _file(root: Path) -> Callable[[str], bytes | None]:
    def fetch(path: str) -> bytes | None:
        target = root / path.strip("/") / "index.html"
        return target.read_bytes() if target.is_file() else None

    return fetch


def _served(client: TestClient) -> Callable[[str], bytes | None]:
    def fetch(path: str) -> bytes | None:
        response = client.get(path)
        return response.content if response.status_code == 200 else None

    return fetch


def test_reader_pages_count_from_the_newest_alike_in_served_and_static_sites(
    room: Newsroom, tmp_path: Path
) -> None:
    # 45 articles, 2 a page: the newest 3 at the list's address, 21 archive pages.
    pages = ECONOMY_ARTICLES // SIZE
    archive = pages - 1
    with TestClient(create_app(room)) as client:
        served = _walk(_served(client))
        out = tmp_path / "public"
        build_site_report(room, out, search_index=False)
        assert _walk(_file(out)) == served

        # Every article once, newest first, on `pages` pages.
        shown = [link for _path, links, _label, _canonical in served for link in links]
        assert len(shown) == ECONOMY_ARTICLES == len(set(shown))
        assert len(served) == pages
        addresses = [path for path, *_ in served]
        reader = [f"{LIST}page/{k}/" for k in range(2, READER_PAGES + 1)]
        older = [f"{LIST}archive/{n}/" for n in range(pages - READER_PAGES, 0, -1)]
        assert addresses == [LIST, *reader, *older]
        assert served[1][2] == f"Page 2 of {pages}"
        assert served[READER_PAGES - 1][2] == f"Page {READER_PAGES} of {pages}"
        assert served[READER_PAGES][2] == (
            f"Archive, page {pages - READER_PAGES} (page 1 holds the oldest)"
        )

        # A reader page shows an archive page, its canonical address, which shows the same.
        for path, links, _label, canonical in served[1:]:
            assert canonical.startswith(f"{BASE}{LIST}archive/")
            target = canonical.removeprefix(BASE)
            same = lxml_html.fromstring(client.get(target).content)
            assert same.xpath("string(//link[@rel='canonical']/@href)") == canonical
            assert [
                str(h) for h in same.xpath("//main//li[contains(@class, 'teaser')]//h2/a/@href")
            ] == links, path
        assert served[0][3] == f"{BASE}{LIST}"
        # An archive page leads to newer archive pages, then to the list's own address.
        newest_archive = lxml_html.fromstring(client.get(f"{LIST}archive/{archive}/").content)
        assert newest_archive.xpath("//a[@rel='prev']/@href") == [LIST]

        # Past the reader pages, and past either end, nothing.
        for missing in (READER_PAGES + 1, 1, 0):
            assert client.get(f"{LIST}page/{missing}/").status_code == 404
            assert not (out / LIST.strip("/") / "page" / str(missing)).exists()
        assert client.get(f"{LIST}archive/{archive + 1}/").status_code == 404


def test_an_incremental_build_moves_the_reader_pages_when_the_list_gains_a_page(
    room: Newsroom, tmp_path: Path
) -> None:
    out, full = tmp_path / "public", tmp_path / "full"
    build_site_report(room, out, search_index=False)
    folder = out / LIST.strip("/")
    oldest = (folder / "archive" / "1" / "index.html").read_bytes()

    def reader_pages(root: Path) -> dict[str, bytes]:
        base = root / LIST.strip("/")
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("index.html")}

    # One article fills a new archive page: every reader page now shows an older one.
    before = reader_pages(out)
    _publish(room, 1, "Economy arrival 1")
    report = build_site_report(room, out, search_index=False)
    assert not report.full
    build_site_report(room, full, full=True, search_index=False)
    after = reader_pages(out)
    assert after == reader_pages(full)
    assert (folder / "archive" / "1" / "index.html").read_bytes() == oldest
    assert after["page/3/index.html"] != before["page/3/index.html"]
    assert "Page 2 of 23" in after["page/2/index.html"].decode()
    # A second one: the list's address changes, the reader and archive pages do not.
    with room.sessions.begin() as session:
        # Out of reach of the next build's safety margin: only the next article is new.
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.published_at.is_not(None))
            .values(first_published_at=hour_ago)
        )
        session.execute(update(TranslationRow).values(updated_at=hour_ago))
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("index.html")}
    _publish(room, 2, "Economy arrival 2")
    build_site_report(room, out, search_index=False)
    build_site_report(room, full, full=True, search_index=False)
    assert reader_pages(out) == reader_pages(full)
    changed = {
        p.relative_to(folder).as_posix()
        for p, stamp in stamps.items()
        if (p.stat().st_ino, p.stat().st_mtime_ns) != stamp
    }
    assert changed == {"index.html"}
