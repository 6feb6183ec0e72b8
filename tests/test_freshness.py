"""Freshness: a real pass over the loopback sample outlets records when each article was
first seen, fetched, extracted, translated into each edition and went live, in that
order, and a later pass, an update or a retranslation never moves those first times;
`babelwire status` and `/metrics` give the p50 and p95 computed from known times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.clock import utcnow
from babelwire.demo.server import DemoServer
from babelwire.jobs.freshness import freshness, record_build
from babelwire.jobs.run import run_pass
from babelwire.newsroom import Newsroom
from babelwire.storage.freshness import quantile
from babelwire.storage.tables import ArticleRow, EntryRow, TranslationRow
from babelwire.web.app import create_app
from tests.conftest import make_site
from tests.factory import make_article, make_source, small_site
from tests.test_metrics import parse

Times = dict[int, tuple[datetime | None, ...]]


def _article_times(room: Newsroom) -> Times:
    with room.sessions() as session:
        rows = session.execute(
            select(
                ArticleRow.id,
                ArticleRow.seen_at,
                ArticleRow.first_fetched_at,
                ArticleRow.extracted_at,
                ArticleRow.first_published_at,
                ArticleRow.built_at,
            )
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _translation_times(room: Newsroom) -> dict[tuple[int, str], tuple[datetime | None, ...]]:
    with room.sessions() as session:
        rows = session.execute(
            select(
                TranslationRow.article_id,
                TranslationRow.language,
                TranslationRow.first_translated_at,
                TranslationRow.translated_at,
            )
        ).all()
    return {(a, lang): (first, last) for a, lang, first, last in rows}


def assert_times_in_order(room: Newsroom) -> None:
    """Every live article was seen, fetched, extracted, translated into each edition it
    has a text in, and went live, in that order (used by the Celery runner's test too)."""
    times = _article_times(room)
    translations = _translation_times(room)
    live = [i for i, t in times.items() if t[3] is not None]
    assert live
    for article_id in live:
        seen, fetched, extracted, published, _built = times[article_id]
        assert seen is not None and fetched is not None and extracted is not None
        assert published is not None and seen <= fetched <= extracted <= published
        for (of, _lang), (first, _last) in translations.items():
            if of == article_id and first is not None:
                assert extracted <= first <= published


@pytest.mark.slow
def test_a_pass_records_each_time_in_order_and_later_passes_keep_them(
    tmp_path: Path, demo_server: DemoServer, database_url: str
) -> None:
    room = make_site(tmp_path / "site", demo_server, database_url)
    try:
        assert run_pass(room).ok
        times = _article_times(room)
        with room.sessions() as session:
            first_seen = dict(
                session.execute(
                    select(EntryRow.article_id, func.min(EntryRow.first_seen)).group_by(
                        EntryRow.article_id
                    )
                ).all()
            )
            live = set(
                session.scalars(
                    select(ArticleRow.id).where(ArticleRow.first_published_at.is_not(None))
                )
            )
        assert len(live) >= 25
        assert_times_in_order(room)
        for article_id in live:
            seen, fetched, extracted, published, built = times[article_id]
            assert seen == first_seen[article_id]  # the entry that announced it
            assert seen is not None and fetched is not None and extracted is not None
            assert published is not None and built is None
            assert seen <= fetched <= extracted <= published
        translations = _translation_times(room)
        done = {k: v for k, v in translations.items() if v[0] is not None}
        assert {lang for _, lang in done} == {"en", "es"}
        for (article_id, _lang), (first, last) in done.items():
            extracted, published = times[article_id][2], times[article_id][3]
            assert extracted is not None and extracted <= first
            if published is not None:
                assert first <= published
            assert last is None or first == last  # one translation so far

        # A static build records when it finished, once: a second build keeps it.
        from babelwire.publish.static import build_site_report

        started = utcnow()
        build_site_report(room, tmp_path / "out", search_index=False)
        assert record_build(room, started) == len(live)
        built = _article_times(room)
        for article_id in live:
            published, finished = built[article_id][3], built[article_id][4]
            assert published is not None and finished is not None and published <= finished
        build_site_report(room, tmp_path / "out", search_index=False)
        assert record_build(room, started) == 0
        assert _article_times(room) == built

        # An update of one article: fetched and translated again, first times kept.
        outlet = demo_server.outlets["el-faro-de-almira"]
        original = outlet.articles[0]
        body = list(original.body)
        body[0] = ("p", body[0][1] + " El ayuntamiento publicó una corrección el viernes.")
        demo_server.update_article(outlet.slug, original.slug, body=tuple(body))
        assert run_pass(room, force=True).ok
        with room.sessions() as session:
            changed = session.scalar(
                select(ArticleRow).where(ArticleRow.url.contains(original.slug))
            )
            assert changed is not None and changed.version >= 2
            changed_id, refetched = changed.id, changed.fetched_at
        assert refetched is not None and refetched > built[changed_id][2]  # type: ignore[operator]
        assert _article_times(room) == built
        again = _translation_times(room)
        english = again[(changed_id, "en")]
        assert english[0] == translations[(changed_id, "en")][0]
        assert english[1] is not None and english[1] > english[0]  # type: ignore[operator]

        # A retranslation moves the text's time, never the first one.
        from babelwire.jobs.retranslate import retranslate

        machine = [a for (a, lang), v in done.items() if lang == "en" and v[1]]
        spanish = [a for a in machine if a != changed_id][:2]
        assert len(spanish) == 2
        retranslate(room, article_ids=spanish)
        after = _translation_times(room)
        for article_id in spanish:
            assert after[(article_id, "en")][0] == translations[(article_id, "en")][0]
            assert after[(article_id, "en")][1] > translations[(article_id, "en")][1]  # type: ignore[operator]
        assert _article_times(room) == built
    finally:
        room.close()


# Ten articles gone live 10, 20 ... 100 minutes after their source published them and
# 1, 2 ... 10 minutes after babelwire first saw them; p50 and p95 as percentile_cont
# interpolates them: the 5th and 6th values halfway, and 55% of the way from the 9th.
SLOW = [minutes * 60.0 for minutes in range(10, 101, 10)]
SEEN = [minutes * 60.0 for minutes in range(1, 11)]


def _known_site(tmp_path: Path, database_url: str, now: datetime) -> Newsroom:
    room = small_site(tmp_path / "site", database_url=database_url)
    with room.sessions.begin() as session:
        slow = make_source(session, name="Slow Gazette")
        quick = make_source(session, name="Quick Courier")
        old = make_source(session, name="Old Times")
        for n, (source_delay, seen_delay) in enumerate(zip(SLOW, SEEN, strict=True)):
            live = now - timedelta(minutes=30) + timedelta(seconds=n)
            make_article(
                session,
                slow,
                stage="published",
                first_published_at=live,
                published_at=live - timedelta(seconds=source_delay),
                seen_at=live - timedelta(seconds=seen_delay),
            )
        # Two quick ones: 30 s and 90 s from their source, 10 s from first seen; gone
        # live 3 hours ago (the last day, not the last hour). One built by a static
        # build 60 s after it was published: that is when it went live.
        for source_delay, built in ((30.0, None), (90.0, 60.0)):
            live = now - timedelta(hours=3)
            make_article(
                session,
                quick,
                stage="published",
                first_published_at=live,
                built_at=None if built is None else live + timedelta(seconds=built),
                published_at=live - timedelta(seconds=source_delay),
                seen_at=live - timedelta(seconds=10),
            )
        # Two days ago: in no window. A source clock ahead of ours counts as 0.
        make_article(
            session,
            old,
            stage="published",
            first_published_at=now - timedelta(days=2),
            published_at=now - timedelta(days=3),
        )
        make_article(
            session,
            quick,
            stage="published",
            first_published_at=now - timedelta(hours=5),
            published_at=now - timedelta(hours=4),
            seen_at=None,
        )
    return room


def test_the_quantiles_follow_from_known_times(tmp_path: Path, database_url: str) -> None:
    assert quantile([1.0], 0.95) == 1.0 and quantile([], 0.5) is None
    assert quantile(SLOW, 0.5) == 3300.0 and quantile(SLOW, 0.95) == pytest.approx(5730.0)
    now = datetime.now().astimezone()
    room = _known_site(tmp_path, database_url, now)
    try:
        fresh = freshness(room, sources=5, now=now)
        hour, day = fresh.windows["1h"], fresh.windows["24h"]
        assert hour["source_to_live"].count == 10
        assert hour["source_to_live"].quantiles == pytest.approx((3300.0, 5730.0), abs=1e-6)
        assert hour["seen_to_live"].quantiles == pytest.approx((330.0, 573.0), abs=1e-6)
        # The last day adds the quick ones: 30, 150 (built 60 s later) and 0 (ahead).
        every = sorted([*SLOW, 30.0, 150.0, 0.0])
        assert day["source_to_live"].count == 13
        assert day["source_to_live"].quantiles == pytest.approx(
            (quantile(every, 0.5), quantile(every, 0.95)), abs=1e-6
        )
        assert day["seen_to_live"].count == 12  # the one without a first-seen time is left out
        assert [s.name for s in fresh.slowest] == ["Slow Gazette", "Quick Courier"]
        quick = fresh.slowest[1].delays["source_to_live"]
        assert quick.count == 3
        assert quick.quantiles == pytest.approx((30.0, 138.0), abs=1e-6)
        assert [s.name for s in freshness(room, sources=1, now=now).slowest] == ["Slow Gazette"]

        client = TestClient(create_app(room), base_url="http://127.0.0.1")
        samples = parse(client.get("/metrics").text)
        series = {
            tuple(dict(k)[n] for n in ("window", "measure", "quantile")): v
            for k, v in samples["babelwire_freshness_seconds"].items()
        }
        assert series[("1h", "source_to_live", "0.5")] == pytest.approx(3300.0, abs=1e-6)
        assert series[("1h", "source_to_live", "0.95")] == pytest.approx(5730.0, abs=1e-6)
        assert series[("1h", "seen_to_live", "0.95")] == pytest.approx(573.0, abs=1e-6)
        assert len(series) == 8
        counts = samples["babelwire_freshness_articles"]
        assert counts[(("measure", "seen_to_live"), ("window", "24h"))] == 12
        per_source = {
            (dict(k)["source"], dict(k)["measure"], dict(k)["quantile"]): v
            for k, v in samples["babelwire_source_freshness_seconds"].items()
        }
        assert per_source[("Slow Gazette", "source_to_live", "0.5")] == pytest.approx(3300.0)
        assert {name for name, _, _ in per_source} == {"Slow Gazette", "Quick Courier"}
    finally:
        room.close()


def test_status_shows_the_quantiles(tmp_path: Path) -> None:
    now = datetime.now().astimezone()
    _known_site(tmp_path, "sqlite:///babelwire.sqlite3", now).close()
    site = str(tmp_path / "site")
    result = CliRunner().invoke(app, ["status", "--site", site])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    hour = next(line for line in lines if line.startswith("Freshness, last hour"))
    assert "source to live p50 55.0 min, p95 95.5 min (10)" in hour
    assert "seen to live p50 5.5 min" in hour
    assert any(line.startswith("Slowest source, last day: Slow Gazette") for line in lines)
    table = CliRunner().invoke(app, ["status", "--site", site, "--freshness"], terminal_width=200)
    assert table.exit_code == 0, table.output
    rows = [line for line in table.output.splitlines() if "Gazette" in line or "Courier" in line]
    assert len(rows) == 2 and "Slow Gazette" in rows[0] and "95.5 min" in rows[0]
