"""An OPML import: outlines that cannot be followed are listed with their reason, the
rest stored together, in a number of queries that does not grow with the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from babelwire.jobs.opml import import_opml
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, list_sources
from babelwire.newsroom import Newsroom


@pytest.fixture
def newsroom(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    create_site(tmp_path / "site", database_url=database_url)
    with Newsroom.open(tmp_path / "site") as room:
        yield room


def _opml(path: Path, outlines: list[str]) -> Path:
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>\n'
        + "\n".join(outlines)
        + "\n</body></opml>",
        encoding="utf-8",
    )
    return path


def test_invalid_outlines_are_listed_and_the_others_imported(
    newsroom: Newsroom, tmp_path: Path
) -> None:
    path = _opml(
        tmp_path / "feeds.opml",
        [
            '<outline text="One" xmlUrl="https://one.example/feed" language="ca-ES"/>',
            '<outline text="Spaced" xmlUrl="http://a b/"/>',
            '<outline text="Octal" xmlUrl="http://0177.0.0.1/feed"/>',
            '<outline text="Two" type="sitemap" xmlUrl="https://two.example/sitemap.xml"/>',
            '<outline text="One again" xmlUrl="https://ONE.example/feed"/>',
            '<outline text="Bad language" xmlUrl="https://three.example/feed" language="?"/>',
        ],
    )
    done = import_opml(newsroom, path)
    assert (done.added, done.updated) == (3, 0)
    assert len(done.skipped) == 2
    assert done.skipped[0].startswith("line 3:") and "SPACE" in done.skipped[0]
    assert done.skipped[1].startswith("line 4:") and "unusual notation" in done.skipped[1]
    sources = {s.url: s for s in list_sources(newsroom)}
    assert set(sources) == {
        "https://one.example/feed",
        "https://two.example/sitemap.xml",
        "https://three.example/feed",
    }
    assert sources["https://one.example/feed"].name == "One again"
    assert sources["https://one.example/feed"].language == "ca"
    assert sources["https://two.example/sitemap.xml"].kind == "sitemap"
    assert sources["https://three.example/feed"].language is None

    again = import_opml(newsroom, path)
    assert (again.added, again.updated) == (0, 3)
    assert len(list_sources(newsroom)) == 3


def test_a_large_import_takes_a_few_queries(newsroom: Newsroom, tmp_path: Path) -> None:
    add_source(newsroom, "https://feed7.example/rss", name="Already here")
    count = 5000
    path = _opml(
        tmp_path / "many.opml",
        [f'<outline text="Feed {i}" xmlUrl="https://feed{i}.example/rss"/>' for i in range(count)],
    )
    statements = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(newsroom.db, "before_cursor_execute", seen)
    try:
        done = import_opml(newsroom, path)
    finally:
        event.remove(newsroom.db, "before_cursor_execute", seen)
    assert (done.added, done.updated, done.skipped) == (count - 1, 1, [])
    # one read of the sources followed, inserts in batches: never a query per outline
    assert len(statements) < count / 50, len(statements)
    assert len(list_sources(newsroom)) == count


def test_a_private_outline_is_left_out_unless_the_site_allows_private_networks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _opml(
        tmp_path / "feeds.opml", ['<outline text="Intranet" xmlUrl="http://10.0.0.7/feed"/>']
    )
    create_site(tmp_path / "site")
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "false")
    with Newsroom.open(tmp_path / "site") as newsroom:
        done = import_opml(newsroom, path)
    assert done.added == 0 and "private network" in done.skipped[0]
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "true")
    with Newsroom.open(tmp_path / "site") as newsroom:
        assert import_opml(newsroom, path).added == 1
