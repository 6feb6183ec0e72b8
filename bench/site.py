"""The public site at scale: static build, incremental publish, serve-mode load.

Creates a site with N articles (default 100,000) in two editions, en and es,
inserted directly in bulk (every article is translated into English and shown
as original in Spanish, so each has an English page, an English original-text
view and a Spanish page), each with a stored lead picture (one of PICTURES photos
encoded once through the pipeline's encoder into the site's media folder), every
STORY_EVERY-th in a story, and TAGS_EACH tags drawn Zipf-like from TAGS. Then prints:

- full static build: seconds and pages/s (Pagefind indexing timed apart);
- incremental publish: one new article, then `babelwire build` incrementally
  (median of several), with the pages it rewrote;
- serve mode: a real `babelwire serve` (uvicorn, one process or --serve-workers N) on 127.0.0.1
  under wrk (or a small asyncio client when wrk is missing): requests/s, p50
  and p99 for the front, a section, random articles and search, each beside
  the stylesheet route of the same server as the baseline (no database, no
  template: the ceiling of the framework on this machine); once with the page
  cache off (every page rendered) and once with it on (its default: a page is
  replayed while the database is unchanged, so after the warm-up round every
  page asked for again comes from memory); article pages and the front also with
  `Accept-Encoding: gzip`, as browsers ask.

`--add-missing-indexes` creates indexes that storage/tables.py declares and the
migrated database lacks (the script names them either way).

    python bench/site.py                    # 100,000 articles
    python bench/site.py -n 10000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import itertools
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageFilter
from sqlalchemy import func, insert, inspect, select, text

from babelwire.jobs.site import create_site
from babelwire.model import ImageState, Stage, TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.pipeline.images.encode import encode_image
from babelwire.pipeline.images.store import MediaFolder
from babelwire.publish.pages import SitePages
from babelwire.publish.static import build_site_report, run_pagefind
from babelwire.storage.published import search
from babelwire.storage.tables import (
    ArticleImageRow,
    ArticleRow,
    ArticleTagRow,
    Base,
    ImageRow,
    SourceRow,
    StoryRow,
    TagRow,
    TranslationRow,
)

# A made-up vocabulary with a Zipf-like spread, so that a search word matches some
# articles, not all of them.
_SYLLABLES = ["ba", "ko", "ri", "ne", "mu", "ta", "lo", "si", "pe", "du", "ga", "vi", "ro", "ze"]
VOCABULARY = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES if a != b][
    :5000
]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
_CUMULATIVE = list(itertools.accumulate(WEIGHTS))
SECTIONS = ("politics", "economy", "science", "culture", "sport", "world")
SOURCES = 20
BATCH = 5000
PICTURES = 50  # distinct pictures, each encoded once; every article shows one
TAGS = 300  # people, places, organisations; each article names TAGS_EACH, Zipf-like
TAGS_EACH = 3
STORY_EVERY = 2  # every second article belongs to a story of STORY_SIZE reports
STORY_SIZE = 4
_TAG_CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(TAGS)))
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _text(rng: random.Random, words: int) -> str:
    chosen = rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=words)
    return " ".join(chosen).capitalize() + "."


def _photo(seed: int, width: int = 1600, height: int = 1067) -> bytes:
    """A JPEG like a news photo: a tinted gradient under detail at several scales."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), ((seed * 53) % 256, (seed * 97) % 256, 140))
    image = Image.blend(base, tint, 0.5)
    for scale, weight in ((64, 0.35), (8, 0.25), (1, 0.08)):
        layer = Image.effect_noise((width // scale, height // scale), 60).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        image = Image.blend(image, layer.convert("RGB"), weight)
    out = io.BytesIO()
    image.filter(ImageFilter.DETAIL).save(out, "JPEG", quality=90)
    return out.getvalue()


def store_pictures(newsroom: Newsroom, count: int) -> list[str]:
    """`count` pictures through the pipeline's encoder into the site's media folder and
    the images table; their digests."""
    settings = newsroom.config.settings.images
    media = MediaFolder(newsroom.config.media_dir)
    rows = []
    for seed in range(count):
        data = _photo(seed)
        encoded = encode_image(
            data,
            newsroom.config.image_widths,
            max_pixels=settings.max_pixels,
            quality=settings.quality,
        )
        digest = hashlib.sha256(data).hexdigest()
        media.write(digest, encoded.renditions)
        rows.append(
            {
                "digest": digest,
                "width": encoded.width,
                "height": encoded.height,
                "sizes": encoded.sizes,
                "bytes_in": len(data),
                "bytes_out": encoded.bytes_out,
                "created_at": T0,
            }
        )
    with newsroom.sessions.begin() as session:
        session.execute(insert(ImageRow), rows)
    return [row["digest"] for row in rows]


def _stories_and_tags(newsroom: Newsroom, count: int) -> None:
    """The story rows the articles name, and the tags."""
    stories = []
    for story in range(1, count // (STORY_EVERY * STORY_SIZE) + 2):
        first = T0 + timedelta(minutes=(story - 1) * STORY_EVERY * STORY_SIZE)
        last = first + timedelta(minutes=STORY_EVERY * STORY_SIZE)
        stories.append(
            {
                "id": story,
                "headline": f"Story {story}",
                "headline_language": "en",
                "central_article_id": (story - 1) * STORY_EVERY * STORY_SIZE + STORY_EVERY,
                "first_seen": first,
                "last_seen": last,
                "article_count": STORY_SIZE,
                "source_count": STORY_SIZE,
                "languages": ["es"],
                "terms": {},
                "updated_at": last,
                "central_score": 1.0,
                "seq": story,
                "first_reported_at": first,
                "last_reported_at": last,
            }
        )
    tags = [
        {
            "id": n,
            "slug": f"tag-{n}",
            "kind": ("person", "place", "org")[n % 3],
            "name": f"Tag {VOCABULARY[n].capitalize()}",
            "names": {},
            "origin": "gazetteer",
            "created_at": T0,
        }
        for n in range(1, TAGS + 1)
    ]
    with newsroom.sessions.begin() as session:
        session.execute(insert(StoryRow), stories)
        session.execute(insert(TagRow), tags)


def story_of(n: int) -> int | None:
    """The story article `n` belongs to (every STORY_EVERY-th article), if any."""
    if n % STORY_EVERY:
        return None
    return (n - 1) // (STORY_EVERY * STORY_SIZE) + 1


def populate(newsroom: Newsroom, count: int, seed: int = 1) -> None:
    """Sources, stories, tags, pictures, then `count` published articles in bulk."""
    rng = random.Random(seed)
    digests = store_pictures(newsroom, PICTURES)
    _stories_and_tags(newsroom, count)
    with newsroom.sessions.begin() as session:
        session.execute(
            insert(SourceRow),
            [
                {
                    "url": f"https://source{n}.example/feed",
                    "name": f"Source {n}",
                    "enabled": True,
                    "interval_minutes": 30,
                    "consecutive_failures": 0,
                    "created_at": T0,
                }
                for n in range(1, SOURCES + 1)
            ],
        )
    for start in range(0, count, BATCH):
        articles = []
        translations = []
        pictures = []
        tagged = []
        for n in range(start + 1, min(count, start + BATCH) + 1):
            blocks = [{"kind": "p", "text": _text(rng, 40)} for _ in range(6)]
            title = _text(rng, 8)
            when = T0 + timedelta(minutes=n)
            articles.append(
                {
                    "id": n,
                    "source_id": 1 + n % SOURCES,
                    "url": f"https://source{1 + n % SOURCES}.example/a/{n}",
                    "canonical_url": f"https://source{1 + n % SOURCES}.example/a/{n}",
                    "title": title,
                    "blocks": blocks,
                    "author": "",
                    "image": "",
                    "language": "es",
                    "published_at": when,
                    "extractor": "trafilatura",
                    "from_feed": False,
                    "stage": Stage.PUBLISHED,
                    "attempts": 0,
                    "section": SECTIONS[n % len(SECTIONS)],
                    "version": 1,
                    "first_published_at": when,
                    "created_at": when,
                    "story_id": story_of(n),
                }
            )
            pictures.append(
                {
                    "article_id": n,
                    "position": 0,
                    "url": f"https://source{1 + n % SOURCES}.example/img/{n}.jpg",
                    "alt": _text(rng, 6),
                    "alt_translations": {},
                    "digest": digests[n % len(digests)],
                    "state": ImageState.STORED,
                    "reason": "",
                    "tries": 1,
                    "updated_at": when,
                }
            )
            names = set(rng.choices(range(1, TAGS + 1), cum_weights=_TAG_CUMULATIVE, k=TAGS_EACH))
            tagged += [{"article_id": n, "tag_id": tag, "mentions": 1} for tag in names]
            common = {"engine_version": "", "model_version": "", "unknown_words": 0}
            common |= {"flags": [], "article_version": 1, "created_at": when, "updated_at": when}
            translations.append(
                {
                    **common,
                    "article_id": n,
                    "language": "en",
                    "status": TranslationStatus.TRANSLATED,
                    "title": "EN " + title,
                    "blocks": blocks,
                    "engine": "apertium",
                    "engine_version": "3.8.3",
                }
            )
            translations.append(
                {
                    **common,
                    "article_id": n,
                    "language": "es",
                    "status": TranslationStatus.ORIGINAL,
                    "title": title,
                    "blocks": blocks,
                    "engine": "",
                }
            )
        with newsroom.sessions.begin() as session:
            session.execute(insert(ArticleRow), articles)
            session.execute(insert(TranslationRow), translations)
            session.execute(insert(ArticleImageRow), pictures)
            session.execute(insert(ArticleTagRow), tagged)


def missing_indexes(newsroom: Newsroom, create: bool) -> list[str]:
    """The indexes storage/tables.py declares that the migrated database lacks (created
    when `create`), so a figure is never taken on a schema that lost one unnoticed."""
    engine = newsroom.sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        # Reflection skips expression indexes on SQLite: ask the catalogue itself.
        with engine.connect() as connection:
            present = set(
                connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            )
    else:
        present = {
            str(index["name"])
            for table in Base.metadata.tables
            for index in inspect(engine).get_indexes(table)
        }
    missing = [
        index
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.name not in present
    ]
    if create:
        for index in missing:
            index.create(engine, checkfirst=True)
    return sorted(str(index.name) for index in missing)


def publish_one(newsroom: Newsroom, n: int) -> int:
    now = datetime.now(UTC)
    with newsroom.sessions.begin() as session:
        row = ArticleRow(
            source_id=1,
            url=f"https://source1.example/new/{n}",
            canonical_url=f"https://source1.example/new/{n}",
            title=f"Nueva {n}",
            blocks=[{"kind": "p", "text": "Texto nuevo."}],
            author="",
            image="",
            language="es",
            published_at=now,
            extractor="trafilatura",
            from_feed=False,
            stage=Stage.PUBLISHED,
            attempts=0,
            section="world",
            version=1,
            first_published_at=now,
        )
        row.story_id = session.scalar(select(func.max(StoryRow.id)))
        session.add(row)
        session.flush()
        digest = session.scalar(select(ImageRow.digest).limit(1))
        session.add(
            ArticleImageRow(
                article_id=row.id,
                position=0,
                url=f"https://source1.example/img/new/{n}.jpg",
                alt="Una foto",
                alt_translations={},
                digest=digest,
                state=ImageState.STORED,
                reason="",
                tries=1,
            )
        )
        for tag in (1, 2, 3):
            session.add(ArticleTagRow(article_id=row.id, tag_id=tag, mentions=1))
        for language, status in (
            ("en", TranslationStatus.TRANSLATED),
            ("es", TranslationStatus.ORIGINAL),
        ):
            session.add(
                TranslationRow(
                    article_id=row.id,
                    language=language,
                    status=status,
                    title=f"New {n}" if language == "en" else f"Nueva {n}",
                    blocks=[{"kind": "p", "text": "New text."}],
                    engine="apertium" if status == TranslationStatus.TRANSLATED else "",
                    engine_version="3.8.3" if status == TranslationStatus.TRANSLATED else "",
                    model_version="",
                    unknown_words=0,
                    flags=[],
                    article_version=1,
                )
            )
        search.index_articles(session, [row.id])
        return int(row.id)


# ---------------------------------------------------------------------------
# Load generation
# ---------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""
GZIP = {"Accept-Encoding": "gzip"}


def _wrk(
    base: str, paths: list[str], seconds: int, connections: int, headers: dict[str, str]
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT % listing)
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                *(f"-H{name}: {value}" for name, value in headers.items()),
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def percentile(name: str) -> float:
        match = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rate,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


async def _client(
    host: str,
    port: int,
    paths: list[str],
    until: float,
    results: tuple[list[float], list[int]],
    headers: dict[str, str],
) -> None:
    latencies, errors = results
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    reader, writer = await asyncio.open_connection(host, port)
    i = random.randrange(len(paths))
    while time.perf_counter() < until:
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - started) * 1000)
        if not head.startswith(b"HTTP/1.1 2"):
            errors.append(1)
    writer.close()


def _asyncio_load(
    base: str, paths: list[str], seconds: int, connections: int, headers: dict[str, str]
) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _client(host, int(port), paths, until, (latencies, errors), headers)
                for _ in range(connections)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": float(len(errors)),
    }


def load(
    base: str,
    paths: list[str],
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and error count of `paths` asked for in turn."""
    if shutil.which("wrk"):
        return _wrk(base, paths, seconds, connections, headers or {})
    return _asyncio_load(base, paths, seconds, connections, headers or {})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_bench(root: Path, pages: SitePages, args: argparse.Namespace, cache_seconds: int) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "babelwire.cli.main", "serve", "--site", str(root)]
    env = {**os.environ, "BABELWIRE_SITE_PAGE_CACHE_SECONDS": str(cache_seconds)}
    command += ["--port", str(port), "--workers", str(args.serve_workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/style.css", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        rng = random.Random(7)
        articles = []
        for _ in range(2000):
            article_id = rng.randrange(1, args.articles + 1)
            path = pages.article_url("en", article_id)
            if path:
                articles.append(path)
        # Two words of middling frequency: a few hundred matches each at 100,000 articles.
        middling = VOCABULARY[50:500]
        searches = [
            f"/en/search/?q={rng.choice(middling)}+{rng.choice(middling)}" for _ in range(200)
        ]
        kinds = {
            "stylesheet (baseline)": ["/style.css"],
            "front /en/": ["/en/"],
            "section /en/section/world/": ["/en/section/world/"],
            "section archive pages (newest 49)": [
                f"/en/section/world/page/{n}/"
                for n in range(
                    pages.archive_pages("en", "world"),
                    max(0, pages.archive_pages("en", "world") - 49),
                    -1,
                )
            ],
            "article (2,000 random)": articles,
            "article (100 newest)": [
                p
                for i in range(args.articles, args.articles - 100, -1)
                if (p := pages.article_url("en", i))
            ],
            "search (2 words)": searches,
        }
        # wrk and the asyncio client send no Accept-Encoding; browsers ask for gzip.
        gzipped = {"article (2,000 random), gzip": articles, "front /en/, gzip": ["/en/"]}
        tool = "wrk" if shutil.which("wrk") else "asyncio client"
        cached = "every page asked for once before" if cache_seconds else "every page rendered"
        print(
            f"\nserve mode, page cache {cache_seconds} s ({cached}): "
            f"{args.serve_workers} uvicorn process(es), {tool}, "
            f"{args.connections} connections, "
            f"{args.seconds} s each (median of {args.rounds})"
        )
        baseline = None
        plain: dict[str, str] = {}
        measured = [(name, paths, plain) for name, paths in kinds.items()]
        measured += [(name, paths, GZIP) for name, paths in gzipped.items()]
        for name, paths, headers in measured:
            load(base, paths, 1, args.connections, headers)  # warm up
            if cache_seconds:
                # Measured with every page in the cache: each asked for once beforehand.
                with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
                    for path in paths:
                        client.get(path)
            runs = [
                load(base, paths, args.seconds, args.connections, headers)
                for _ in range(args.rounds)
            ]
            rps = statistics.median(r["rps"] for r in runs)
            p50 = statistics.median(r["p50"] for r in runs)
            p99 = statistics.median(r["p99"] for r in runs)
            errors = sum(r["errors"] for r in runs)
            baseline = baseline or rps
            print(
                f"  {name:30} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
                f"  ({rps / baseline:.2f}x baseline){f'  errors: {errors:.0f}' if errors else ''}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--incremental", type=int, default=5, help="incremental publishes")
    parser.add_argument("--no-build", action="store_true", help="skip the static builds")
    parser.add_argument("--no-serve", action="store_true", help="skip serve mode")
    parser.add_argument(
        "--serve-workers", type=int, default=1, help="server processes (serve --workers)"
    )
    parser.add_argument("--pagefind", action="store_true", help="also time Pagefind indexing")
    parser.add_argument(
        "--add-missing-indexes",
        action="store_true",
        help="create indexes tables.py declares that the migrations did not leave",
    )
    args = parser.parse_args()

    print(
        f"babelwire site benchmark: {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}"
    )
    with tempfile.TemporaryDirectory(prefix="bw-site-bench-") as tmp:
        root = Path(tmp) / "site"
        create_site(root, title="Bench Wire", base_url="https://bench.example")
        newsroom = Newsroom.open(root)
        try:
            started = time.perf_counter()
            populate(newsroom, args.articles)
            inserted = time.perf_counter() - started
            print(f"inserted {args.articles:,} articles (2 editions) in {inserted:.1f} s")
            missing = missing_indexes(newsroom, args.add_missing_indexes)
            if missing:
                done = (
                    "created" if args.add_missing_indexes else "NOT created (--add-missing-indexes)"
                )
                print(
                    f"indexes declared in tables.py but missing after migrations, {done}: {missing}"
                )
            started = time.perf_counter()
            with newsroom.sessions() as session:
                documents = search.reindex_all(session)
                session.commit()
            indexed = time.perf_counter() - started
            print(
                f"search index: {documents:,} documents in {indexed:.1f} s "
                f"({documents / indexed:,.0f} docs/s, batches of {search.BATCH})"
            )
            if not args.no_build:
                out = Path(tmp) / "public"
                report = build_site_report(newsroom, out, search_index=False)
                full_seconds = report.seconds
                print(
                    f"\nfull static build: {report.pages:,} pages + {report.files:,} files "
                    f"in {report.seconds:.1f} s = {report.pages / report.seconds:,.0f} pages/s"
                )
                if args.pagefind:
                    started = time.perf_counter()
                    run_pagefind(out)
                    print(f"pagefind index: {time.perf_counter() - started:.1f} s")
                times = []
                written = []
                for n in range(args.incremental):
                    publish_one(newsroom, n)
                    report = build_site_report(newsroom, out, search_index=False)
                    assert not report.full
                    times.append(report.seconds)
                    written.append(report.pages + report.files)
                median = statistics.median(times)
                print(
                    f"incremental publish of one article: median {median:.2f} s "
                    f"(min {min(times):.2f}, max {max(times):.2f}; "
                    f"{statistics.median(written):.0f} files rewritten; "
                    f"{median / full_seconds:.4f}x the full build)"
                )
        finally:
            newsroom.close()
        if not args.no_serve:
            newsroom = Newsroom.open(root)
            try:
                for cache_seconds in (0, 300):
                    serve_bench(root, SitePages.for_site(newsroom), args, cache_seconds)
            finally:
                newsroom.close()


if __name__ == "__main__":
    main()
