"""Feed generation at scale: an edition's and a section's feeds over N articles.

Builds the same site as bench/site.py (default 100,000 articles, two editions),
then times each feed (RSS, Atom, JSON Feed) of the English edition and of one
section, median of several rounds, beside the baseline of reading the same 50
items without their text (the query a sitemap runs): the ratio is what carrying
the whole text, the notice, the categories and the tags costs. The number of
queries per feed is counted too (two, however many items).

    python bench/feeds.py              # 100,000 articles
    python bench/feeds.py -n 10000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.publish.edition_feeds import FEED_ITEMS
from babelwire.publish.pages import SitePages
from babelwire.storage.published.listing import ArticleList

# bench/site.py fills the site (its name is the standard library's `site`: loaded by path).
_spec = importlib.util.spec_from_file_location("site_bench", Path(__file__).with_name("site.py"))
assert _spec is not None and _spec.loader is not None
site_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_bench)


def median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(
        f"babelwire feed benchmark: {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}"
    )
    with tempfile.TemporaryDirectory(prefix="bw-feed-bench-") as tmp:
        root = Path(tmp) / "site"
        create_site(root, title="Bench Wire", base_url="https://bench.example")
        newsroom = Newsroom.open(root)
        try:
            site_bench.populate(newsroom, args.articles)
            pages = SitePages.for_site(newsroom)
            section = newsroom.config.sections[0].slug

            def baseline() -> object:
                with newsroom.sessions() as session:
                    return ArticleList("en").feed_items(session, FEED_ITEMS, with_summary=False)

            base = median_ms(baseline, args.rounds)
            print(f"{args.articles:,} articles; baseline (50 items, no text): {base:.1f} ms")
            statements: list[str] = []
            event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            for where, part in (("edition", None), (f"section {section}", section)):
                for kind in ("rss", "atom", "json"):
                    statements.clear()
                    size = len(pages.feed("en", kind, part) or b"")
                    queries = len(statements)
                    ms = median_ms(lambda k=kind, p=part: pages.feed("en", k, p), args.rounds)
                    print(
                        f"  {where:>18} {kind:>4}: {ms:7.1f} ms median, x{ms / base:.1f} the "
                        f"baseline, {size / 1024:.0f} KiB, {queries} queries"
                    )
        finally:
            newsroom.close()


if __name__ == "__main__":
    main()
