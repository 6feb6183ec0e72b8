"""A loopback news server for the demo, the tests and the benchmarks.

It serves the bundled sample outlets (src/babelwire/demo/samples/*.json) as real
feeds (RSS 2.0, Atom, JSON Feed 1.1) and article pages with the usual clutter
around the text (navigation, cookie banner, footer), answers conditional GETs
with 304, and lets a test change an article or break a route while it runs.
"""

from __future__ import annotations

import colorsys
import email.utils
import hashlib
import io
import json
import random
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import Any
from xml.sax.saxutils import escape as xml_escape

FEED_PATHS = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class SampleArticle:
    slug: str
    title: str
    author: str
    published: datetime
    topic: str
    summary: str
    body: tuple[tuple[str, str], ...]  # (kind, text): kind is p, h, li or quote
    updated: datetime | None = None
    canonical: str = ""  # where the page says the article really lives (else its own URL)

    @property
    def word_count(self) -> int:
        return sum(len(text.split()) for _kind, text in self.body)


@dataclass(slots=True)
class SampleOutlet:
    slug: str
    name: str
    language: str
    format: str
    section: str | None
    description: str
    articles: list[SampleArticle] = field(default_factory=list)
    hub: str = ""  # the WebSub hub its feed names (none when empty)

    @property
    def feed_path(self) -> str:
        return f"/{self.slug}/{FEED_PATHS[self.format]}"


def _article_from_json(data: dict[str, Any]) -> SampleArticle:
    return SampleArticle(
        slug=data["slug"],
        title=data["title"],
        author=data.get("author", ""),
        published=datetime.fromisoformat(data["published"].replace("Z", "+00:00")),
        topic=data.get("topic", ""),
        summary=data.get("summary", ""),
        body=tuple((b["kind"], b["text"]) for b in data["body"]),
    )


def load_samples() -> list[SampleOutlet]:
    """The bundled sample outlets, in file-name order."""
    folder = resources.files("babelwire.demo") / "samples"
    outlets = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".json"):
            continue
        data = json.loads(item.read_text(encoding="utf-8"))
        outlets.append(
            SampleOutlet(
                slug=data["slug"],
                name=data["name"],
                language=data["language"],
                format=data["format"],
                section=data.get("section"),
                description=data.get("description", ""),
                articles=[_article_from_json(a) for a in data["articles"]],
            )
        )
    return outlets


def synthetic_outlet(
    count: int,
    *,
    words: int = 600,
    language: str = "en",
    seed: int = 7,
    fmt: str = "rss",
    slug: str = "",
) -> SampleOutlet:
    """A large outlet for benchmarks: `count` articles of about `words` words each,
    written by recombining the bundled sample sentences of one language.

    Each sentence gets two words swapped for others of the samples, so that
    articles do not repeat sentences verbatim (a translation memory would
    otherwise make the benchmark measure its cache, not the engine)."""
    sentences = [
        sentence.strip() + "."
        for outlet in load_samples()
        if outlet.language == language
        for article in outlet.articles
        for kind, text in article.body
        if kind == "p"
        for sentence in text.split(". ")
        if len(sentence.split()) > 4
    ]
    if not sentences:
        raise ValueError(f"no sample sentences in {language!r}")
    vocabulary = sorted({w for s in sentences for w in s.split() if w.isalpha() and w.islower()})
    rng = random.Random(seed)

    def sentence() -> str:
        tokens = rng.choice(sentences).split()
        for _ in range(2):
            position = rng.randrange(len(tokens))
            if tokens[position].isalpha() and tokens[position].islower():
                tokens[position] = rng.choice(vocabulary)
        return " ".join(tokens)

    start = datetime(2026, 11, 1, tzinfo=UTC)
    articles = []
    for number in range(count):
        body: list[tuple[str, str]] = []
        total = 0
        while total < words:
            paragraph = " ".join(sentence() for _ in range(rng.randint(3, 6)))
            kind = "h" if body and rng.random() < 0.12 else "p"
            text = paragraph.split(".")[0][:60] if kind == "h" else paragraph
            body.append((kind, text))
            total += len(text.split())
        articles.append(
            SampleArticle(
                slug=f"story-{number:05d}",
                title=f"{rng.choice(sentences)[:70].rstrip('.')} ({number})",
                author="Newsroom",
                published=start + timedelta(minutes=number),
                topic="",
                summary=body[0][1][:200],
                body=tuple(body),
            )
        )
    return SampleOutlet(
        slug=slug or f"bulk-{language}",
        name=f"Bulk Wire {slug or language}",
        language=language,
        format=fmt,
        section=None,
        description="Generated articles for benchmarks.",
        articles=articles,
    )


def _http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def picture_path(outlet: SampleOutlet, article: SampleArticle) -> str:
    return f"/{outlet.slug}/pictures/{article.slug}.jpg"


def render_picture(name: str) -> bytes:
    """A lead picture for the demo's pages: an abstract illustration drawn from the
    article's name (the same name, the same picture), as a 1200x675 JPEG."""
    from PIL import Image, ImageDraw

    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    hue = rng.random()
    width, height = 1200, 675
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a sky-like gradient
        r, g, b = colorsys.hsv_to_rgb(hue, 0.35 + 0.3 * y / height, 0.95 - 0.4 * y / height)
        draw.line([(0, y), (width, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    for _ in range(7):  # hills and shapes
        r, g, b = colorsys.hsv_to_rgb(
            (hue + rng.uniform(-0.15, 0.15)) % 1, 0.5, rng.uniform(0.3, 0.8)
        )
        x, y, size = (
            rng.randrange(width),
            rng.randrange(height // 3, height),
            rng.randrange(80, 400),
        )
        draw.ellipse(
            [x - size, y - size // 2, x + size, y + size],
            fill=(int(r * 255), int(g * 255), int(b * 255)),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def render_page(
    outlet: SampleOutlet, article: SampleArticle, base: str, *, picture: bool = False
) -> str:
    """An article page as a news site would serve it, clutter included; with `picture`,
    it names a lead picture (og:image) the server draws."""
    url = article.canonical or f"{base}/{outlet.slug}/{article.slug}.html"
    image = ""
    if picture:
        address = escape(base + picture_path(outlet, article))
        alt = escape("Illustration: " + (article.topic or outlet.name))
        image = (
            f'<meta property="og:image" content="{address}">\n'
            f'<meta property="og:image:alt" content="{alt}">\n'
        )
    parts: list[str] = []
    in_list = False
    for kind, text in article.body:
        if kind == "li" and not in_list:
            parts.append("<ul>")
            in_list = True
        elif kind != "li" and in_list:
            parts.append("</ul>")
            in_list = False
        if kind == "h":
            parts.append(f"<h2>{escape(text)}</h2>")
        elif kind == "li":
            parts.append(f"<li>{escape(text)}</li>")
        elif kind == "quote":
            parts.append(f"<blockquote><p>{escape(text)}</p></blockquote>")
        else:
            parts.append(f"<p>{escape(text)}</p>")
    if in_list:
        parts.append("</ul>")
    body = "\n".join(parts)
    published = article.published.isoformat()
    modified = (article.updated or article.published).isoformat()
    return f"""<!DOCTYPE html>
<html lang="{outlet.language}">
<head>
<meta charset="utf-8">
<title>{escape(article.title)} | {escape(outlet.name)}</title>
<link rel="canonical" href="{escape(url)}">
<meta property="og:title" content="{escape(article.title)}">
<meta property="og:url" content="{escape(url)}">
<meta property="og:site_name" content="{escape(outlet.name)}">
<meta name="author" content="{escape(article.author)}">
<meta property="article:published_time" content="{published}">
<meta property="article:modified_time" content="{modified}">
<meta name="description" content="{escape(article.summary)}">
{image}</head>
<body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div>
<header><nav><a href="/{outlet.slug}/">Home</a> <a href="/{outlet.slug}/">Latest</a>
<a href="/{outlet.slug}/">Weather</a> <a href="/{outlet.slug}/">Subscribe</a></nav></header>
<main>
<article>
<h1>{escape(article.title)}</h1>
<p class="byline">By <span class="author">{escape(article.author)}</span>,
<time datetime="{published}">{article.published:%d %B %Y}</time></p>
{body}
</article>
<aside><h3>Most read</h3><ul><li><a href="/{outlet.slug}/">Other story</a></li></ul></aside>
</main>
<footer><p>© 2026 {escape(outlet.name)}. All rights reserved. Contact us. Privacy policy.</p>
</footer>
</body>
</html>
"""


def render_feed(outlet: SampleOutlet, base: str) -> bytes:
    """The outlet's feed in its format, newest first."""
    site = f"{base}/{outlet.slug}/"
    items = sorted(outlet.articles, key=lambda a: a.published, reverse=True)
    if outlet.format == "json":
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": outlet.name,
            "home_page_url": site,
            "feed_url": base + outlet.feed_path,
            "description": outlet.description,
            "language": outlet.language,
            **({"hubs": [{"type": "WebSub", "url": outlet.hub}]} if outlet.hub else {}),
            "items": [
                {
                    "id": f"{site}{a.slug}",
                    "url": f"{site}{a.slug}.html",
                    "title": a.title,
                    "summary": a.summary,
                    "date_published": a.published.isoformat(),
                    "date_modified": (a.updated or a.published).isoformat(),
                    "authors": [{"name": a.author}],
                }
                for a in items
            ],
        }
        return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8")
    x = xml_escape
    hub_link = f'<link rel="hub" href="{x(outlet.hub)}"/>' if outlet.hub else ""
    if outlet.format == "atom":
        updated = max((a.updated or a.published for a in items), default=datetime.now(UTC))
        entries = "".join(
            f"""<entry><id>tag:{x(outlet.slug)},2026:{x(a.slug)}</id>
<title>{x(a.title)}</title><link rel="alternate" href="{x(site + a.slug)}.html"/>
<published>{a.published.isoformat()}</published>
<updated>{(a.updated or a.published).isoformat()}</updated>
<author><name>{x(a.author)}</name></author><summary>{x(a.summary)}</summary></entry>
"""
            for a in items
        )
        return (
            f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">
<title>{x(outlet.name)}</title><subtitle>{x(outlet.description)}</subtitle>
<id>{x(site)}</id><link rel="alternate" href="{x(site)}"/>
<link rel="self" href="{x(base + outlet.feed_path)}"/>{hub_link}
<updated>{updated.isoformat()}</updated>
{entries}</feed>
"""
        ).encode()
    rss_hub = (
        f'<atom:link rel="hub" href="{x(outlet.hub)}"/>'
        f'<atom:link rel="self" href="{x(base + outlet.feed_path)}"/>\n'
        if outlet.hub
        else ""
    )
    rss_items = "".join(
        f"""<item><title>{x(a.title)}</title><link>{x(site + a.slug)}.html</link>
<guid isPermaLink="false">{x(outlet.slug)}-{x(a.slug)}</guid>
<pubDate>{_http_date(a.published)}</pubDate>
<author>{x(a.author)}</author><description>{x(a.summary)}</description>
{f"<atom:updated>{a.updated.isoformat()}</atom:updated>" if a.updated else ""}</item>
"""
        for a in items
    )
    return (
        f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{x(outlet.name)}</title><link>{x(site)}</link>
<description>{x(outlet.description)}</description><language>{outlet.language}</language>
{rss_hub}{rss_items}</channel></rss>
"""
    ).encode()


class DemoServer:
    """Serves sample outlets on 127.0.0.1 from a background thread.

    >>> with DemoServer(load_samples()) as server:
    ...     server.feed_url("harbour-courier")
    'http://127.0.0.1:PORT/harbour-courier/feed.json'
    """

    def __init__(
        self,
        outlets: list[SampleOutlet],
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        pictures: bool = False,
    ) -> None:
        self.outlets = {o.slug: o for o in outlets}
        self.pictures = pictures  # article pages name a lead picture the server draws
        self.broken: dict[str, tuple[int, bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[bytes, str]] = {}
        handler = _make_handler(self)
        self.httpd = _QuietServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def feed_url(self, slug: str) -> str:
        return self.base + self.outlets[slug].feed_path

    def article_url(self, slug: str, article_slug: str) -> str:
        return f"{self.base}/{slug}/{article_slug}.html"

    def iter_articles(self) -> Iterator[tuple[SampleOutlet, SampleArticle]]:
        for outlet in self.outlets.values():
            for article in outlet.articles:
                yield outlet, article

    def update_article(self, slug: str, article_slug: str, **changes: Any) -> SampleArticle:
        """Change an article at the source (its feed entry shows the update time)."""
        with self._lock:
            outlet = self.outlets[slug]
            for index, article in enumerate(outlet.articles):
                if article.slug == article_slug:
                    changes.setdefault("updated", datetime.now(UTC).replace(microsecond=0))
                    outlet.articles[index] = replace(article, **changes)
                    self._cache.clear()
                    return outlet.articles[index]
        raise KeyError(f"{slug}/{article_slug}")

    def add_article(self, slug: str, article: SampleArticle) -> None:
        """Publish a new article at an outlet: its feed lists it from now on."""
        with self._lock:
            self.outlets[slug].articles.append(article)
            self._cache.clear()

    def break_path(self, path: str, status: int, body: bytes = b"", content_type: str = "") -> None:
        """Make `path` answer with this status and body from now on."""
        with self._lock:
            self.broken[path] = (status, body, content_type or "text/plain")

    def respond(self, path: str) -> tuple[int, bytes, str]:
        with self._lock:
            if path in self.broken:
                return self.broken[path]
            if path == "/robots.txt":
                return 200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
            if path in self._cache:
                body, kind = self._cache[path]
                return 200, body, kind
            found = self._render(path)
            if found is not None:
                self._cache[path] = found
                return 200, found[0], found[1]
            return 404, b"not found", "text/plain"

    def _render(self, path: str) -> tuple[bytes, str] | None:
        parts = path.strip("/").split("/")
        if (
            self.pictures
            and len(parts) == 3
            and parts[0] in self.outlets
            and parts[1] == "pictures"
            and parts[2].endswith(".jpg")
        ):
            return render_picture(path), "image/jpeg"
        if len(parts) != 2 or parts[0] not in self.outlets:
            return None
        outlet = self.outlets[parts[0]]
        if path == outlet.feed_path:
            return render_feed(outlet, self.base), FEED_TYPES[outlet.format]
        if parts[1].endswith(".html"):
            slug = parts[1][: -len(".html")]
            for article in outlet.articles:
                if article.slug == slug:
                    html = render_page(outlet, article, self.base, picture=self.pictures)
                    return html.encode("utf-8"), "text/html; charset=utf-8"
        return None


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (a fetcher at its size cap or deadline) is no error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _make_handler(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on a kept-alive
        # connection the body would wait ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            server.requests.append((path, self.headers.get("User-Agent", "")))
            status, body, kind = server.respond(path)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
