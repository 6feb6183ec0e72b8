"""Fuzz target for OPML import: whatever file an operator is handed, importing it either
stores the valid outlines (and lists the others with a reason) or says in one
SourceError that the file cannot be read; nothing else escapes, and a failed
import stores nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given

from babelwire.jobs.opml import import_opml
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import SourceError, list_sources
from babelwire.newsroom import Newsroom
from tests.fuzz.mutate import mutated

SEEDS = [
    b'<?xml version="1.0"?><opml version="2.0"><head><title>Feeds</title></head><body>'
    b'<outline text="News" title="News" type="rss" xmlUrl="https://news.example/rss.xml" '
    b'language="es"/><outline text="Group"><outline text="Sport" type="atom" '
    b'xmlUrl="https://sport.example/feed"/><outline text="Map" type="sitemap" '
    b'xmlUrl="https://map.example/sitemap.xml"/></outline></body></opml>',
    b'<opml version="1.0"><body><outline xmlUrl="http://[::1]/"/><outline xmlUrl="http://a b/"/>'
    b'<outline xmlUrl="javascript:x"/><outline xmlUrl="https://xn--/"/></body></opml>',
    b'<!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml><body>'
    b'<outline xmlUrl="https://e.example/&e;"/></body></opml>',
]


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        create_site(root, title="Fuzz", languages=("en", "es"))
        room = Newsroom.open(root)
        try:
            yield room
        finally:
            room.close()


@given(document=mutated(SEEDS))
def test_importing_any_file_stores_valid_outlines_or_says_why(
    newsroom: Newsroom, tmp_path: Path, document: bytes
) -> None:
    path = tmp_path / "feeds.opml"
    path.write_bytes(document)
    before = {s.url for s in list_sources(newsroom)}
    try:
        done = import_opml(newsroom, path)
    except SourceError as exc:
        assert str(exc)
        assert {s.url for s in list_sources(newsroom)} == before  # nothing half stored
        return
    after = {s.url for s in list_sources(newsroom)}
    assert len(after - before) == done.added
    assert all(reason.strip() for reason in done.skipped)
    assert not any("/etc/passwd" in url or "root:" in url for url in after)
