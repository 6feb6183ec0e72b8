"""The copy check and the story assignment on a stored archive, through the job functions.

Run through `python bench/stories.py --db` (see its docstring). The archive is
synthetic and inserted in bulk: published articles in stories, one every 3 s
(the 72-hour window holds up to 86,400 of them), stories of about three
articles whose terms look like a real centroid (the topic's words strong, a
tail of weaker ones), random MinHash fingerprints with their band keys for
the articles of the copy window. The measured articles are written like the
in-memory benchmark's: 250 words, 30 % of them from a topic's 12 words, and
one in ten is an edited copy (new headline, byline, last sentence trimmed) of
an earlier measured article.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, text

from babelwire.clock import utcnow
from babelwire.jobs.duplicates import record_and_find_original
from babelwire.jobs.site import create_site
from babelwire.jobs.stories import assign_stories, desk_for
from babelwire.model import Block, BlockKind, Stage
from babelwire.newsroom import Newsroom
from babelwire.pipeline.dedup.near import NUM_PERM, band_keys, fingerprint_from_bytes
from babelwire.pipeline.dedup.stories import strongest_first
from babelwire.storage.database import scratch_schema
from babelwire.storage.tables import (
    ArticleBandRow,
    ArticleRow,
    SourceRow,
    StoryRow,
)

ARRIVAL = timedelta(seconds=3)
WINDOW = timedelta(hours=72)
SOURCES = 20
ARTICLES_PER_STORY = 3
BATCH = 5000
VOCABULARY = [f"w{n}" for n in range(30_000)]


def _text(rng: random.Random, vocabulary: list[str], topic: list[str], words: int = 250) -> str:
    return " ".join(rng.choice(topic if rng.random() < 0.3 else vocabulary) for _ in range(words))


def _terms(rng: random.Random, vocabulary: list[str], topic: list[str]) -> dict[str, float]:
    """A centroid-like term vector: the topic's words strong, about 150 weaker ones."""
    weights = {word: rng.uniform(0.15, 0.25) for word in topic}
    for word in rng.sample(vocabulary, 150):
        weights.setdefault(word, rng.uniform(0.02, 0.06))
    norm = sum(w * w for w in weights.values()) ** 0.5
    return strongest_first({t: w / norm for t, w in weights.items()})  # as stories are stored


@contextmanager
def _database(base_url: str, folder: Path) -> Iterator[str]:
    if not base_url:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    with scratch_schema(base_url, "bench") as url:
        yield url


def _insert(newsroom: Newsroom, table: Any, rows: list[dict[str, Any]]) -> None:
    with newsroom.sessions.begin() as session:
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[start : start + BATCH])


def _topics(size: int, seed: int, vocabulary: list[str]) -> tuple[list[list[str]], random.Random]:
    """The stories' topics (12 words each), and the generator that drew them."""
    rng = random.Random(seed)
    return [rng.sample(vocabulary, 12) for _ in range(max(1, size // ARTICLES_PER_STORY))], rng


def _fill_site(root: Path, size: int, seed: int, now: datetime) -> None:
    """Runs in a child process, so the measuring process's peak memory is its own."""
    with Newsroom.open(root) as room:
        _fill(room, size, seed, VOCABULARY, now)


def _fill(newsroom: Newsroom, size: int, seed: int, vocabulary: list[str], now: datetime) -> None:
    """Store `size` published articles in stories."""
    _insert(
        newsroom,
        SourceRow,
        [
            {"id": n + 1, "url": f"https://outlet{n}.example/feed", "name": f"Outlet {n}"}
            for n in range(SOURCES)
        ],
    )
    topics, rng = _topics(size, seed, vocabulary)
    stories = len(topics)
    members: dict[int, list[tuple[int, datetime]]] = {}
    articles = []
    bands = []
    values = np.random.default_rng(rng.randrange(2**32)).integers(
        0, 2**32, size=(size, NUM_PERM), dtype=np.uint64
    )
    for number in range(size):
        seen = now - ARRIVAL * (size - number)
        story = rng.randrange(stories)
        article_id = number + 1
        members.setdefault(story, []).append((article_id, seen))
        fingerprint = values[number].tobytes()
        articles.append(
            {
                "id": article_id,
                "source_id": rng.randrange(SOURCES) + 1,
                "url": f"https://outlet.example/a/{number}",
                "canonical_url": f"https://outlet.example/a/{number}",
                "title": " ".join(topics[story][:5]),
                "blocks": [{"kind": "p", "text": _text(rng, vocabulary, topics[story])}],
                "language": "en",
                "stage": Stage.PUBLISHED.value,
                "content_hash": hashlib.sha256(fingerprint).hexdigest(),
                "fetched_at": seen,
                "first_published_at": seen,
                "published_at": seen,
                "created_at": seen,
                "version": 1,
                "story_id": story + 1,
                "story_seq": article_id,
                "minhash": fingerprint,
            }
        )
        if now - seen <= WINDOW:
            minhash = fingerprint_from_bytes(fingerprint)
            bands.extend(
                {"article_id": article_id, "key": key, "seen_at": seen}
                for key in set(band_keys(minhash))
            )
    story_rows = []
    for story, joined in members.items():
        first, last = joined[0][1], joined[-1][1]
        story_rows.append(
            {
                "id": story + 1,
                "headline": " ".join(topics[story][:5]),
                "headline_language": "en",
                "central_article_id": joined[0][0],
                "central_score": 1.0,
                "first_seen": first,
                "last_seen": last,
                "first_reported_at": first,
                "last_reported_at": last,
                "article_count": len(joined),
                "source_count": len(joined),
                "languages": ["en"],
                "terms": _terms(rng, vocabulary, topics[story]),
                "seq": joined[-1][0],
                "updated_at": last,
            }
        )
    _insert(newsroom, StoryRow, story_rows)
    _insert(newsroom, ArticleRow, articles)
    _insert(newsroom, ArticleBandRow, bands)
    if newsroom.db.dialect.name == "postgresql":  # ids were given: move the sequences on
        with newsroom.db.begin() as connection:
            for table in ("sources", "stories", "articles"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                )
            # What autovacuum does after a bulk load, and a live database has had long since.
            connection.execute(text("ANALYZE"))


def _edited(title: str, body: str) -> tuple[str, str]:
    """A wire copy: a new headline, a byline first, the last sentence trimmed."""
    return "Latest: " + title, "By staff reporters, with agencies. " + body[: int(len(body) * 0.9)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def database_cost(sizes: list[int], new: int, seed: int, database_url: str) -> None:
    fork = multiprocessing.get_context("fork")
    medians: list[tuple[float, float]] = []
    for size in sizes:  # in increasing order: the peak memory printed is this size's
        with tempfile.TemporaryDirectory() as folder, _database(database_url, Path(folder)) as url:
            root = Path(folder) / "site"
            create_site(root, languages=("en", "es"), database_url=url)
            started = time.perf_counter()
            child = fork.Process(target=_fill_site, args=(root, size, seed, utcnow()))
            child.start()
            child.join()
            if child.exitcode != 0:
                raise SystemExit(f"filling the database failed (exit code {child.exitcode})")
            filled = time.perf_counter() - started
            topics, _rng = _topics(size, seed, VOCABULARY)
            with Newsroom.open(root, migrate=False) as room:  # a restart: nothing cached
                medians.append(
                    _measure(room, size, new, random.Random(seed + 1), VOCABULARY, topics, filled)
                )
    if len(medians) > 1:  # the smallest archive is the baseline
        (check0, assign0), (check1, assign1) = medians[0], medians[-1]
        print(
            f"  {sizes[-1]:,} against {sizes[0]:,} articles stored: copy check "
            f"x{check1 / check0:.2f}, story assignment x{assign1 / assign0:.2f} (medians)"
        )


def _measure(
    room: Newsroom,
    size: int,
    new: int,
    rng: random.Random,
    vocabulary: list[str],
    topics: list[list[str]],
    filled: float,
) -> tuple[float, float]:
    """Prints the figures of one archive; returns the median copy check and assignment."""
    checks: list[float] = []
    assignments: list[float] = []
    startup = 0.0
    copies = joined = edited = 0
    written: list[tuple[str, str]] = []
    for number in range(new):
        if written and rng.random() < 0.1:
            title, body = _edited(*rng.choice(written))
            edited += 1
        else:
            topic = rng.choice(topics) if rng.random() < 0.8 else rng.sample(vocabulary, 12)
            title, body = " ".join(topic[:5]), _text(rng, vocabulary, topic)
            written.append((title, body))
        blocks = [Block(BlockKind.PARAGRAPH, body)]
        digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
        with room.sessions.begin() as session:
            article = ArticleRow(
                source_id=rng.randrange(SOURCES) + 1,
                url=f"https://outlet.example/new/{number}",
                canonical_url=f"https://outlet.example/new/{number}",
                title=title,
                blocks=[b.to_json() for b in blocks],
                language="en",
                stage=Stage.DISCOVERED.value,
                content_hash=digest,
                fetched_at=utcnow(),
                version=1,
            )
            session.add(article)
            session.flush()
            article_id = article.id
        with room.sessions() as session:
            article = session.get(ArticleRow, article_id)
            assert article is not None
            began = time.perf_counter()
            copy = record_and_find_original(session, article, title, blocks, digest, hours=72)
            article.duplicate_of = copy.original_id if copy else None
            article.stage = Stage.DUPLICATE.value if copy else Stage.PUBLISHED.value
            session.commit()
            checks.append(time.perf_counter() - began)
        if copy is not None:
            copies += 1
            continue
        with room.sessions() as session:
            article = session.get(ArticleRow, article_id)
            assert article is not None
            article.first_published_at = utcnow()
            began = time.perf_counter()
            placed = assign_stories(room, session, [article])
            session.commit()
            elapsed = time.perf_counter() - began
            joined += int(article.story_id is not None and article.story_id <= len(topics))
        if not startup:
            startup = elapsed
        else:
            assignments.append(elapsed)
        assert placed
    desk = desk_for(room)
    with room.sessions() as session:
        window = session.scalar(
            select(func.count())
            .select_from(StoryRow)
            .where(StoryRow.last_seen >= utcnow() - WINDOW)
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = 1000.0
    print(
        f"  {size:>7,} articles stored (filled in {filled:.0f} s; {window:,} stories in the "
        f"window): copy check {statistics.median(checks) * ms:.2f} ms median, "
        f"{_percentile(checks, 0.9) * ms:.2f} ms p90; story assignment "
        f"{statistics.median(assignments) * ms:.2f} ms median, "
        f"{_percentile(assignments, 0.9) * ms:.2f} ms p90 ({len(checks)} checked, {copies} "
        f"copies found of {edited} written, {len(assignments) + 1} assigned, {joined} to "
        "stored stories); "
        f"first assignment after the restart {startup * ms:,.0f} ms (reading "
        f"{len(desk.clusterer.stories):,} open stories: {desk.load_seconds * ms:,.0f} ms); "
        f"peak RSS of the measuring process {peak:,.0f} MiB"
    )
    return statistics.median(checks), statistics.median(assignments)
