"""The desk at scale: its pages with 100,000 articles and 5,000 held translations.

Creates a site with N articles (default 100,000; bench/site.py's bulk insert: two
editions, every article translated into English), holds one English translation in
20 for review (5,000 at the default) with a spread of quality scores, adds an admin,
then signs in and asks each desk page again and again in this one process
(Starlette's test client: no network, one server process, as the issue's target
says). Prints p50 and p95 per page, and the same for the desk's style sheet, the
route with no database and no template, as the baseline of this machine.

    python bench/desk.py                 # 100,000 articles
    python bench/desk.py -n 10000 -r 20
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import update
from starlette.testclient import TestClient

from babelwire.jobs.audit import command_actor
from babelwire.jobs.site import create_site
from babelwire.jobs.users import add_user
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import TranslationRow
from babelwire.web.app import create_app

PASSWORD = "benchmark password"
TARGET_P95_MS = 150.0


def _bench_site_module() -> object:
    """bench/site.py (its name is also the standard library's `site`: loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_site", Path(__file__).with_name("site.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hold_some(newsroom: Newsroom, every: int, seed: int = 3) -> int:
    """Hold one English translation in `every`, each with a quality score below 0.5."""
    rng = random.Random(seed)
    held = 0
    with newsroom.sessions.begin() as session:
        ids = session.scalars(
            TranslationRow.__table__.select()
            .with_only_columns(TranslationRow.id)
            .where(TranslationRow.language == "en", TranslationRow.article_id % every == 0)
        ).all()
        for translation_id in ids:
            session.execute(
                update(TranslationRow)
                .where(TranslationRow.id == translation_id)
                .values(
                    status="held",
                    quality=round(rng.uniform(0.05, 0.49), 3),
                    reason="quality below 0.5: unknown-words",
                    flags=["unknown-words"],
                )
            )
            held += 1
    return held


def sign_in(client: TestClient) -> None:
    form = client.get("/desk/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    done = client.post(
        "/desk/login",
        data={"csrf": token[1], "name": "admin", "password": PASSWORD, "next": "/desk/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def timings(client: TestClient, path: str, rounds: int) -> list[float]:
    client.get(path)  # warm: templates compiled, connections open
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return seconds


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def common_word(client: TestClient) -> str:
    """A word of the newest article's title: the search finds many, not none."""
    first = re.search(r'href="/desk/articles/\d+">([^<]+)<', client.get("/desk/articles").text)
    assert first, "no article listed"
    return first[1].split()[0].lower()


def deep_review_page(client: TestClient, pages: int) -> str:
    """The review queue's address `pages` pages in (following its cursor links)."""
    path = "/desk/review"
    for _ in range(pages):
        found = re.search(r'href="(/desk/review\?after=[^"]+)"', client.get(path).text)
        if not found:
            break
        path = found[1].replace("&amp;", "&")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("-r", "--rounds", type=int, default=60)
    args = parser.parse_args()
    bench_site = _bench_site_module()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        create_site(root, title="Desk bench", languages=["en", "es"])
        with Newsroom.open(root) as newsroom:
            started = time.perf_counter()
            bench_site.populate(newsroom, args.articles)  # type: ignore[attr-defined]
            held = hold_some(newsroom, every=20)
            print(
                f"{args.articles:,} articles, {held:,} held translations "
                f"(inserted in {time.perf_counter() - started:.1f} s)"
            )
            add_user(newsroom, "admin", "admin", actor=command_actor(), password=PASSWORD)
            client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
            sign_in(client)
            pages = {
                "style sheet (baseline)": "/desk/desk.css",
                "dashboard": "/desk/",
                "source list": "/desk/sources",
                "review queue": "/desk/review",
                "article list": "/desk/articles",
                "article search (title)": "/desk/articles?q=" + common_word(client),
                "article search, no match": "/desk/articles?q=qqqzzz",
                "articles of one source": "/desk/articles?source=3",
                "review queue, page 50": deep_review_page(client, 50),
                "post-editing page": "/desk/review/"
                + re.findall(r'href="/desk/review/(\d+)"', client.get("/desk/review").text)[0],
            }
            print(f"python {sys.version.split()[0]}, {platform.machine()}, {args.rounds} rounds")
            print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}  target p95 < {TARGET_P95_MS:.0f} ms")
            worst = 0.0
            for name, path in pages.items():
                seconds = timings(client, path, args.rounds)
                median, tail = statistics.median(seconds) * 1000, p95(seconds) * 1000
                if "baseline" not in name:
                    worst = max(worst, tail)
                print(f"{name:<26}{median:>9.1f}{tail:>9.1f}")
            print(f"worst p95 {worst:.1f} ms: {'met' if worst < TARGET_P95_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
