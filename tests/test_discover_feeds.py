"""parse_feed on hand-written samples of each format and on feedparser's own test corpus."""

from __future__ import annotations

import json
import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed

BASE = "https://news.example/feeds/main.xml"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds" / "feedparser-tests"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>El Diario &amp; Co</title>
  <link>/portada</link>
  <item>
    <title>Sube el precio del &lt;b&gt;alquiler&lt;/b&gt;</title>
    <link>/economia/alquiler-2024</link>
    <guid isPermaLink="false">tag:news.example,2024:1</guid>
    <description>&lt;p&gt;El alquiler sube un 9&amp;nbsp;%.&lt;/p&gt;
      &lt;p&gt;Segundo p\xc3\xa1rrafo.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Texto completo.</p>
      <h2>Contexto</h2><p>M\xc3\xa1s.</p>]]></content:encoded>
    <dc:creator>Ana Garc\xc3\xada</dc:creator>
    <pubDate>Wed, 01 May 2024 10:00:00 +0200</pubDate>
  </item>
  <item>
    <title>Sin guid</title>
    <link>https://other.example/story</link>
    <description>Resumen.</description>
  </item>
  <item>
    <title>Ni enlace ni contenido</title>
  </item>
  <item>
    <title>Solo texto</title>
    <description>Un resumen sin enlace.</description>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/atom/">
  <title type="text">Atom &lt;news&gt;</title>
  <link href="https://blog.example/"/>
  <entry>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <title type="html">Why &lt;em&gt;feeds&lt;/em&gt; matter</title>
    <link rel="alternate" href="../posts/why-feeds"/>
    <updated>2024-05-02T08:30:00Z</updated>
    <published>2024-05-01T23:30:00-02:00</published>
    <author><name>Jo Writer</name></author>
    <summary type="text">A 1 &lt; 2 summary.</summary>
    <content type="html">&lt;p&gt;Body &lt;a href="/x"&gt;link&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
</feed>
"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF site</title>
    <link>https://rdf.example/</link>
  </channel>
  <item rdf:about="https://rdf.example/item/1">
    <title>Primer art\xc3\xadculo</title>
    <link>https://rdf.example/item/1</link>
    <description>Descripci\xc3\xb3n.</description>
    <dc:date>2024-05-03T12:00:00+00:00</dc:date>
  </item>
</rdf:RDF>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON News",
    "home_page_url": "https://json.example/",
    "authors": [{"name": "Desk"}],
    "items": [
        {
            "id": 42,
            "url": "/2024/05/json",
            "title": "A JSON item",
            "content_html": "<p>Hello</p><script>alert(1)</script>",
            "summary": "Short.",
            "date_published": "2024-05-04T10:00:00+02:00",
            "date_modified": "2024-05-04T11:00:00Z",
            "authors": [{"name": "Reporter One"}, {"name": "Reporter Two"}],
        },
        {"id": "2", "content_text": "First para.\n\nSecond\x00 para.", "title": "No URL"},
        {"title": "nothing usable"},
        "not an item",
    ],
}


def test_rss20() -> None:
    feed = parse_feed(RSS20, BASE, "application/rss+xml")
    assert feed.title == "El Diario & Co"
    assert feed.link == "https://news.example/portada"
    assert feed.problem == ""
    assert [e.title for e in feed.entries] == [
        "Sube el precio del alquiler",
        "Sin guid",
        "Solo texto",
    ]
    first = feed.entries[0]
    assert first.guid == "tag:news.example,2024:1"
    assert first.url == "https://news.example/economia/alquiler-2024"  # relative link resolved
    # Tags stripped, entities decoded, the no-break space collapsed like any space.
    assert first.summary == "El alquiler sube un 9 %. Segundo párrafo."
    assert "<h2>Contexto</h2>" in first.content_html
    assert first.author == "Ana García"
    assert first.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert first.published.tzinfo is not None


def test_missing_guid_falls_back_to_link_then_hash() -> None:
    feed = parse_feed(RSS20, BASE)
    no_guid, no_link = feed.entries[1], feed.entries[2]
    assert no_guid.guid == "https://other.example/story"
    assert no_link.url == ""
    assert re.fullmatch(r"sha1:[0-9a-f]{40}", no_link.guid)
    # Stable: the same entry gets the same key on the next fetch.
    assert parse_feed(RSS20, BASE).entries[2].guid == no_link.guid


def test_atom() -> None:
    feed = parse_feed(ATOM, "https://blog.example/atom/feed.xml")
    assert feed.title == "Atom <news>"
    (entry,) = feed.entries
    assert entry.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry.url == "https://blog.example/posts/why-feeds"  # resolved against xml:base
    assert entry.title == "Why feeds matter"
    assert entry.summary == "A 1 < 2 summary."  # plain text keeps its "<"
    assert entry.author == "Jo Writer"
    assert entry.published == datetime(2024, 5, 2, 1, 30, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert 'href="https://blog.example/x"' in entry.content_html


def test_rdf() -> None:
    feed = parse_feed(RDF, "https://rdf.example/rss.rdf")
    assert feed.title == "RDF site"
    (entry,) = feed.entries
    assert entry.title == "Primer artículo"
    assert entry.url == entry.guid == "https://rdf.example/item/1"
    assert entry.summary == "Descripción."
    assert entry.published == datetime(2024, 5, 3, 12, 0, tzinfo=UTC)


def test_json_feed_11() -> None:
    body = json.dumps(JSON_FEED).encode()
    feed = parse_feed(body, "https://json.example/feed.json", "application/feed+json")
    assert feed.title == "JSON News"
    assert feed.link == "https://json.example/"
    assert feed.problem == ""
    assert [e.guid for e in feed.entries] == ["42", "2"]
    first, second = feed.entries
    assert first.url == "https://json.example/2024/05/json"
    assert first.content_html == "<p>Hello</p>"  # sanitised like feedparser's output
    assert first.summary == "Short."
    assert first.author == "Reporter One, Reporter Two"
    assert first.published == datetime(2024, 5, 4, 8, 0, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 4, 11, 0, tzinfo=UTC)
    assert second.url == ""
    assert second.content_html == "<p>First para.</p><p>Second para.</p>"
    assert second.author == "Desk"  # the feed's author stands in


def test_json_feed_sniffed_without_content_type() -> None:
    feed = parse_feed(b"\xef\xbb\xbf" + json.dumps(JSON_FEED).encode(), BASE)
    assert len(feed.entries) == 2


def test_bozo_feed_keeps_entries_and_reports_problem() -> None:
    broken = RSS20.replace(b"<title>Sin guid</title>", b"<title>Sin guid &bogus;</title>")
    feed = parse_feed(broken, BASE)
    assert "undefined entity" in feed.problem
    assert len(feed.entries) == 3


def test_control_characters_are_removed() -> None:
    broken = RSS20.replace(b"Solo texto", b"Solo\x01 texto\x00\x1b")
    feed = parse_feed(broken, BASE)
    assert feed.problem  # not well-formed XML: feedparser's loose parser read it
    assert feed.entries[2].title == "Solo texto"


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>", "HTML"),
        (b"", "empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b'{"name": "not a feed"}', "JSON"),
        (b"<?xml version='1.0'?><sitemap><url/></sitemap>", "<sitemap>"),
        (bytes(range(256)) * 4, "not a feed"),
    ],
)
def test_not_a_feed(content: bytes, what: str) -> None:
    with pytest.raises(NotAFeed, match=re.escape(what)):
        parse_feed(content, BASE)


def test_html_page_message() -> None:
    with pytest.raises(NotAFeed) as info:
        parse_feed(b"<html><body><p>Welcome</p></body></html>", BASE, "text/html")
    assert str(info.value) == "an HTML page, not a feed"


def test_body_that_names_a_local_file_is_not_read() -> None:
    # feedparser opens bytes that name an existing file; parse_feed must not.
    with pytest.raises(NotAFeed):
        parse_feed(__file__.encode(), BASE)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="feedparser test corpus not available")
def test_corpus_sweep_never_crashes() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json"))
    assert len(files) > 2000
    # The whole corpus takes ~2 s here; on a slow machine a time budget turns
    # the sweep into a (shuffled, reproducible) sample rather than a slow test.
    random.Random(0).shuffle(files)
    started = time.monotonic()
    seen = parsed = entries = 0
    for path in files:
        if time.monotonic() - started > 15 and seen >= 300:
            break
        seen += 1
        try:
            feed = parse_feed(path.read_bytes(), "http://corpus.example/" + path.name)
        except NotAFeed:
            continue
        parsed += 1
        texts = [feed.title]
        for entry in feed.entries:
            entries += 1
            texts += [entry.title, entry.summary, entry.author, entry.guid, entry.url]
            assert entry.guid
            for stamp in (entry.published, entry.updated):
                assert stamp is None or stamp.utcoffset() is not None
        for text in texts:
            assert not CONTROL.search(text), (path, text)
    assert parsed > 0.95 * seen
    assert entries > 0.3 * seen
