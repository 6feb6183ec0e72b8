"""One `/metrics` scrape at 100,000 articles: what reading the figures from the database costs.

Fills a fresh SQLite site (and, with --postgres, a PostgreSQL one) with N articles of
a few hundred words each, two translations each (a few held), a poll per source per
article batch, the task runs and translation runs the embedded runner would have
written, and passes; then scrapes `/metrics` through the ASGI app several times and
prints the median scrape time. The baseline, measured in the same run, is the same
scrape at N/10 articles: the ratio says how the cost grows with the database.

    python bench/metrics.py                 # 100,000 articles on SQLite
    python bench/metrics.py -n 20000        # a quick look
    python bench/metrics.py --postgres      # and on PostgreSQL (BABELWIRE_BENCH_DATABASE_URL)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from starlette.testclient import TestClient

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.storage.database import scratch_schema
from babelwire.storage.tables import (
    ArticleRow,
    FetchLogRow,
    PassRow,
    SourceRow,
    TaskRunRow,
    TranslationRow,
    TranslationRunRow,
)
from babelwire.web.app import create_app

SOURCES = 200
BATCH = 25
STAGES = ("fetch", "extract", "translate", "publish")


def _rows(table: Any, rows: list[dict[str, Any]], newsroom: Newsroom) -> None:
    with newsroom.sessions.begin() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start : start + 5000])


def fill(newsroom: Newsroom, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime(2026, 12, 3, tzinfo=UTC)
    body = [{"kind": "p", "text": " ".join(["palabra"] * 300)}]
    _rows(
        SourceRow,
        [
            {"id": i, "url": f"https://s{i}.example/feed", "name": f"Source {i}", "enabled": True}
            for i in range(1, SOURCES + 1)
        ],
        newsroom,
    )
    articles, translations = [], []
    for i in range(1, count + 1):
        published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
        seen = published + timedelta(seconds=rng.randint(0, 1800))
        live = seen + timedelta(seconds=rng.randint(60, 86400))
        articles.append(
            {
                "id": i,
                "source_id": 1 + i % SOURCES,
                "url": f"https://s.example/{i}",
                "canonical_url": f"https://s.example/{i}",
                "title": f"Article {i}",
                "blocks": body,
                "language": "es",
                "stage": "published" if i % 20 else "extracted",
                "published_at": published,
                "seen_at": seen,
                "first_published_at": live if i % 20 else None,
            }
        )
        for language, status in (
            ("en", "held" if i % 50 == 0 else "translated"),
            ("es", "original"),
        ):
            translations.append(
                {"article_id": i, "language": language, "status": status, "blocks": body}
            )
    _rows(ArticleRow, articles, newsroom)
    _rows(TranslationRow, translations, newsroom)
    polls = [
        {
            "source_id": 1 + i % SOURCES,
            "started_at": now,
            "outcome": "error" if i % 30 == 0 else "ok",
            "http_status": None if i % 60 == 0 else (500 if i % 30 == 0 else 200),
        }
        for i in range(count)
    ]
    _rows(FetchLogRow, polls, newsroom)
    runs = [
        {
            "runner": "embedded",
            "stage": STAGES[i % 4],
            "items": list(range(BATCH)),
            "outcome": "done",
            "enqueued_at": now,
            "seconds": rng.random() * 10,
            "done": BATCH,
            "failed": 0,
        }
        for i in range(count * 4 // BATCH)
    ]
    _rows(TaskRunRow, runs, newsroom)
    _rows(
        TranslationRunRow,
        [
            {
                "at": now,
                "engine": "apertium",
                "source_language": "es",
                "target_language": "en",
                "articles": BATCH,
                "segments": 400,
                "memory_hits": 40,
                "engine_words": 5000,
                "engine_seconds": 0.5,
            }
            for _ in range(count // BATCH)
        ],
        newsroom,
    )
    _rows(
        PassRow,
        [
            {
                "started_at": now,
                "seconds": rng.random() * 60,
                "sources": 10,
                "articles": 50,
                "ok": True,
            }
            for _ in range(count // 50)
        ],
        newsroom,
    )


def scrape_seconds(root: Path, database_url: str, count: int, repeats: int) -> float:
    create_site(root, database_url=database_url)
    with Newsroom.open(root) as newsroom:
        fill(newsroom, count)
        client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
        client.get("/metrics")  # warm: connections, caches
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            response = client.get("/metrics")
            times.append(time.perf_counter() - began)
            assert response.status_code == 200
        return statistics.median(times)


def run(label: str, make_url: Any, count: int, repeats: int) -> None:
    figures = {}
    for n in (count // 10, count):
        with tempfile.TemporaryDirectory() as folder, make_url(Path(folder)) as url:
            figures[n] = scrape_seconds(Path(folder) / "site", url, n, repeats)
        took = figures[n] * 1000
        print(f"{label}: {n:>7,} articles: one scrape {took:7.1f} ms (median of {repeats})")
    small, large = figures[count // 10], figures[count]
    print(f"{label}: ratio {count:,} / {count // 10:,} articles: {large / small:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    from contextlib import contextmanager

    @contextmanager
    def sqlite(folder: Path) -> Any:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"

    run("SQLite", sqlite, options.n, options.repeats)
    if options.postgres:
        admin = os.environ.get(
            "BABELWIRE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        )
        run("PostgreSQL", lambda _folder: scratch_schema(admin), options.n, options.repeats)


if __name__ == "__main__":
    main()
