"""The refresh stage against hostile and broken feeds: what ends up stored, and what does not."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from babelwire.clock import utcnow
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, list_sources
from babelwire.jobs.stages.extract import extract_articles
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, EntryRow, SourceRow
from tests.hostile_server import Handler, HostileServer

SECRET = "TOP-SECRET-XXE-CONTENT"


def rss(items: str, *, head: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{head}<rss version="2.0"><channel><title>Hostile</title>'
        f"<link>http://example.invalid/</link>{items}</channel></rss>"
    ).encode()


def item(title: str, link: str, guid: str | None = None, date: str | None = None) -> str:
    parts = [f"<title>{title}</title>", f"<link>{link}</link>"]
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture
def newsroom(tmp_path: Path) -> Iterator[Newsroom]:
    create_site(tmp_path / "site", languages=["en", "es"])
    with Newsroom.open(tmp_path / "site") as room:
        yield room


def _serve(server: HostileServer, path: str, body: bytes, content_type: str) -> str:
    def route(handler: Handler) -> None:
        handler.send(200, body, {"Content-Type": content_type})

    server.routes[path] = route
    return server.url(path)


def _refresh(newsroom: Newsroom, url: str) -> int:
    info = add_source(newsroom, url, allow_private=True)
    report = refresh_sources(newsroom, [info.id])[0]
    assert report.error is None, report.error
    return info.id


def _titles(newsroom: Newsroom, source_id: int) -> list[str]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(
                select(EntryRow.title).where(EntryRow.source_id == source_id).order_by(EntryRow.id)
            )
        )


def _articles(newsroom: Newsroom) -> int:
    with newsroom.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)


def test_xxe_entity_pointing_at_a_local_file_is_not_read(
    server: HostileServer, newsroom: Newsroom, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    head = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    body = rss(item("Leak &xxe; here", "http://example.invalid/a"), head=head)
    source_id = _refresh(newsroom, _serve(server, "/xxe.xml", body, "application/rss+xml"))
    titles = _titles(newsroom, source_id)
    assert titles and titles[0].startswith("Leak")
    assert all(SECRET not in t for t in titles)


def test_billion_laughs_is_not_expanded(server: HostileServer, newsroom: Newsroom) -> None:
    entities = '<!ENTITY a0 "lolololololololololol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    head = f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
    body = rss(item("&a9;", "http://example.invalid/laughs"), head=head)
    source_id = _refresh(newsroom, _serve(server, "/lol.xml", body, "application/rss+xml"))
    assert all(len(t) < 1000 for t in _titles(newsroom, source_id))  # 10^9 laughs otherwise


def test_wrong_content_type_still_parsed(server: HostileServer, newsroom: Newsroom) -> None:
    body = rss(item("Served as octet-stream", "http://example.invalid/ct"))
    url = _serve(server, "/wrong-type", body, "application/octet-stream")
    assert _titles(newsroom, _refresh(newsroom, url)) == ["Served as octet-stream"]


def test_invalid_utf8_and_control_characters_stored_as_clean_unicode(
    server: HostileServer, newsroom: Newsroom
) -> None:
    bad = b"Caf\xe9 \xff\xfe broken \x00nul \x07bell"
    body = rss("").replace(
        b"</channel>",
        b"<item><title>" + bad + b"</title><link>http://example.invalid/u</link></item></channel>",
    )
    source_id = _refresh(newsroom, _serve(server, "/bad-utf8", body, "application/rss+xml"))
    (title,) = _titles(newsroom, source_id)
    assert "\x00" not in title and "\x07" not in title
    assert not any(unicodedata.category(c) == "Cc" for c in title)
    assert "broken" in title and "nul" in title
    title.encode("utf-8")  # valid Unicode: encodes without surrogates


def test_lying_charset_decoded_sensibly(server: HostileServer, newsroom: Newsroom) -> None:
    # Declared UTF-8, actually Windows-1252: "Müller café" must not become mojibake with NUL.
    text = "Müller café — año"
    body = rss(item(text, "http://example.invalid/l")).replace(
        text.encode("utf-8"), text.encode("cp1252")
    )
    source_id = _refresh(
        newsroom, _serve(server, "/lying", body, "application/rss+xml; charset=utf-8")
    )
    (title,) = _titles(newsroom, source_id)
    assert title == text


def test_declared_latin1_decoded(server: HostileServer, newsroom: Newsroom) -> None:
    text = "Añada de Peñíscola"
    body = rss(
        item(text, "http://example.invalid/latin"),
        head='<?xml version="1.0" encoding="iso-8859-1"?>',
    ).replace(text.encode("utf-8"), text.encode("latin-1"))
    source_id = _refresh(newsroom, _serve(server, "/latin1", body, "text/xml"))
    assert _titles(newsroom, source_id) == [text]


def test_duplicate_and_missing_guids_make_no_duplicate_articles(
    server: HostileServer, newsroom: Newsroom
) -> None:
    items = (
        item("One", "http://example.invalid/one", guid="same")
        + item("Two", "http://example.invalid/two", guid="same")  # a CMS reusing one guid
        + item("One again", "http://example.invalid/one?utm_source=rss", guid="other")
        + item("No guid", "http://example.invalid/three")
        + item("No guid", "http://example.invalid/three")
    )
    url = _serve(server, "/dupes.xml", rss(items), "application/rss+xml")
    source_id = _refresh(newsroom, url)
    with newsroom.sessions() as session:
        urls = sorted(session.scalars(select(ArticleRow.canonical_url)))
    # one, two and three: the tracking-parameter copy of "one" is the same article
    assert urls == [
        "http://example.invalid/one",
        "http://example.invalid/three",
        "http://example.invalid/two",
    ]
    # polling again changes nothing
    refresh_sources(newsroom, [source_id])
    assert _articles(newsroom) == 3


def test_missing_and_future_dates(server: HostileServer, newsroom: Newsroom) -> None:
    future = (datetime.now(UTC) + timedelta(days=400)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    items = item("Undated", "http://example.invalid/undated") + item(
        "From the future", "http://example.invalid/future", date=future
    )
    before = utcnow()
    _refresh(newsroom, _serve(server, "/dates.xml", rss(items), "application/rss+xml"))
    with newsroom.sessions() as session:
        rows = {r.title: r for r in session.scalars(select(ArticleRow))}
    assert rows["Undated"].published_at is None
    future_row = rows["From the future"].published_at
    assert future_row is not None and before - timedelta(seconds=5) <= future_row <= utcnow()


def test_changed_entry_is_reprocessed_as_update(server: HostileServer, newsroom: Newsroom) -> None:
    url = _serve(
        server,
        "/changing.xml",
        rss(item("First", "http://example.invalid/c", guid="c")),
        "text/xml",
    )
    source_id = _refresh(newsroom, url)
    _serve(
        server,
        "/changing.xml",
        rss(item("Second", "http://example.invalid/c", guid="c")),
        "text/xml",
    )
    report = refresh_sources(newsroom, [source_id])[0]
    assert (report.new, report.updated) == (0, 1)
    assert _articles(newsroom) == 1


def test_robots_disallowing_the_article_path(server: HostileServer, newsroom: Newsroom) -> None:
    server.routes["/robots.txt"] = lambda h: h.send(
        200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}
    )
    article = server.url("/private/story")
    body = rss(
        item("Private story", article).replace(
            "</item>", "<description>Text from the feed itself.</description></item>"
        )
    )
    _refresh(newsroom, _serve(server, "/feed.xml", body, "application/rss+xml"))
    with newsroom.sessions() as session:
        ids = list(session.scalars(select(ArticleRow.id)))
    extract_articles(newsroom, ids)
    assert "/private/story" not in server.paths()  # never requested
    assert server.paths().count("/robots.txt") == 1  # read once, cached


def test_robots_disallowing_the_feed(server: HostileServer, newsroom: Newsroom) -> None:
    server.routes["/robots.txt"] = lambda h: h.send(200, b"User-agent: *\nDisallow: /\n")
    url = _serve(server, "/feed.xml", rss(""), "application/rss+xml")
    info = add_source(newsroom, url, allow_private=True)
    report = refresh_sources(newsroom, [info.id])[0]
    assert report.error and "disallowed by" in report.error
    assert "/feed.xml" not in server.paths()


def test_429_retry_after_holds_the_source_and_its_host(
    server: HostileServer, newsroom: Newsroom
) -> None:
    server.routes["/limited.xml"] = lambda h: h.send(429, b"", {"Retry-After": "3600"})
    first = add_source(newsroom, server.url("/limited.xml"), allow_private=True)
    report = refresh_sources(newsroom, [first.id])[0]
    assert report.error and "429" in report.error
    info = next(s for s in list_sources(newsroom) if s.id == first.id)
    assert info.next_fetch_at is not None
    wait = info.next_fetch_at - utcnow()
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)
    assert "Retry-After" in info.poll_reason


def test_failing_after_repeated_failures(server: HostileServer, newsroom: Newsroom) -> None:
    server.routes["/down.xml"] = lambda h: h.send(500, b"down")
    info = add_source(newsroom, server.url("/down.xml"), allow_private=True)
    failing_after = newsroom.config.settings.fetch.failing_after
    delays = []
    for _ in range(failing_after):
        refresh_sources(newsroom, [info.id])
        with newsroom.sessions() as session:
            row = session.get(SourceRow, info.id)
            assert row is not None and row.next_fetch_at is not None
            delays.append(row.next_fetch_at - utcnow())
    listed = next(s for s in list_sources(newsroom) if s.id == info.id)
    assert listed.last_status == "failing"
    assert listed.consecutive_failures == failing_after
    assert "failing" in listed.poll_reason
    assert delays[-1] > delays[0] * 4  # exponential backoff, whatever the jitter
    server.routes["/down.xml"] = lambda h: h.send(200, rss(""), {"Content-Type": "text/xml"})
    refresh_sources(newsroom, [info.id])
    recovered = next(s for s in list_sources(newsroom) if s.id == info.id)
    assert recovered.last_status == "ok" and recovered.consecutive_failures == 0
