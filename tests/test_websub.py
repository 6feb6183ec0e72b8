"""WebSub against a real hub on 127.0.0.1 (tests/websub_hub.py) and a real server for
the callback: a pass finds the hub in the feed and subscribes; the hub verifies at the
callback; signed pushes go through the pipeline at once; forged, unsigned, replayed,
oversized and unknown pushes are refused and counted; leases are renewed; a hub that
goes quiet hands its source back to polling; removing a source unsubscribes it; our
own feeds name our hub and ping it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette

from babelwire.clock import utcnow
from babelwire.jobs.refresh import refresh_source
from babelwire.jobs.run import run_pass
from babelwire.jobs.sources import add_source, remove_source
from babelwire.jobs.websub import maintain
from babelwire.model import FetchResult, ParsedFeed, Stage, SubscriptionState
from babelwire.newsroom import Newsroom
from babelwire.pipeline.websub.discovery import announced_hub, link_header_rels
from babelwire.pipeline.websub.signature import SignatureRefused, check_signature, sign
from babelwire.storage.tables import (
    ArticleRow,
    SourceRow,
    TranslationRow,
    WebsubPingRow,
    WebsubSubscriptionRow,
)
from babelwire.web.app import create_app
from babelwire.web.websub import HubLimits
from tests.factory import small_site
from tests.serving import free_port
from tests.websub_hub import TestHub


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def callback_server(room: Newsroom, port: int) -> Iterator[Starlette]:
    """The app `babelwire serve` runs, served by uvicorn on 127.0.0.1:`port`."""
    app = create_app(room)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, "the callback server")
    try:
        yield app
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def websub_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hub: TestHub,
    private_networks: bool = False,
    **settings: str,
) -> Iterator[tuple[Newsroom, int]]:
    """A site following the hub's feed as a source added with --allow-private (which
    covers the hub, on the same host and port), with the SSRF guard on otherwise."""
    port = free_port()
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", str(private_networks).lower())
    monkeypatch.setenv("BABELWIRE_WEBSUB_ENABLED", "true")
    monkeypatch.setenv("BABELWIRE_WEBSUB_CALLBACK_BASE_URL", f"http://127.0.0.1:{port}/websub/")
    for name, value in settings.items():
        monkeypatch.setenv(f"BABELWIRE_WEBSUB_{name.upper()}", value)
    room = small_site(tmp_path / "site", languages=("en", "es"))
    try:
        add_source(room, hub.feed_url, kind="feed", language="en", allow_private=True)
        yield room, port
    finally:
        room.close()


def subscription(room: Newsroom) -> WebsubSubscriptionRow:
    with room.sessions() as session:
        row = session.scalars(select(WebsubSubscriptionRow)).one()
        session.expunge(row)
        return row


def article_for(room: Newsroom, slug: str) -> ArticleRow | None:
    with room.sessions() as session:
        row = session.scalars(select(ArticleRow).where(ArticleRow.url.endswith(slug))).first()
        if row is not None:
            session.expunge(row)
        return row


def test_a_signed_push_goes_live_and_bad_pushes_are_refused_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        TestHub() as hub,
        websub_site(tmp_path, monkeypatch, hub, max_body_bytes="20000") as (room, port),
        callback_server(room, port) as app,
    ):
        run_pass(room)  # polls the feed, finds the hub, subscribes
        wait_for(lambda: subscription(room).state == SubscriptionState.ACTIVE, "verification")
        assert hub.requests[0]["hub.mode"] == "subscribe"
        assert hub.requests[0]["hub.topic"] == hub.feed_url
        assert hub.verifications == [("subscribe", 200, "challenge-0")]
        first = article_for(room, "/first")
        assert first is not None and first.stage == Stage.PUBLISHED

        # A source whose hub pushes is polled only as a safety net.
        refresh_source(room, subscription(room).source_id or 0)
        with room.sessions() as session:
            source = session.scalars(select(SourceRow)).one()
            assert "safety net" in source.poll_reason
            assert source.next_fetch_at is not None
            assert source.next_fetch_at > utcnow() + timedelta(minutes=300)

        hub.entries.append("second")
        assert [a.status_code for a in hub.distribute()] == [202]
        lane = app.state.websub.lane
        wait_for(
            lambda: (a := article_for(room, "/second")) is not None and a.stage == Stage.PUBLISHED,
            "the pushed article to go live",
        )
        assert lane.wait_idle(20)
        second = article_for(room, "/second")
        assert second is not None
        assert second.seen_at and second.extracted_at and second.first_published_at
        assert second.seen_at <= second.extracted_at <= second.first_published_at
        with room.sessions() as session:
            spanish = session.scalars(
                select(TranslationRow).where(
                    TranslationRow.article_id == second.id, TranslationRow.language == "es"
                )
            ).one()
            assert spanish.first_translated_at is not None
        page = httpx.get(f"http://127.0.0.1:{port}/es/")
        assert page.status_code == 200

        # The same signed body again: a replay, nothing processed twice.
        count = _articles(room)
        assert [a.status_code for a in hub.distribute()] == [202]
        hub.entries.append("third")
        assert [a.status_code for a in hub.distribute(secret="not-the-secret")] == [202]
        assert [a.status_code for a in hub.distribute(signed=False)] == [202]
        assert [a.status_code for a in hub.distribute(method="sha1", secret="x")] == [202]
        callback = next(iter(hub.subscribers))
        assert httpx.post(callback + "x", content=b"<feed/>").status_code == 404
        too_big = httpx.post(callback, content=b"x" * 30000)
        assert too_big.status_code == 413
        assert lane.wait_idle(20)
        assert _articles(room) == count
        assert article_for(room, "/third") is None
        assert subscription(room).refused == 4
        assert subscription(room).pushes == 1

        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        for outcome, times in [
            ("pushed", 1),
            ("replayed", 1),
            ("bad_signature", 2),
            ("unsigned", 1),
            ("unknown", 1),
            ("too_large", 1),
            ("verified", 1),
        ]:
            line = re.search(rf'callbacks_total{{outcome="{outcome}",pid="\d+"}} (\S+)', metrics)
            assert line is not None and float(line.group(1)) == times, outcome

        # A correctly signed sha1 push of the same feed takes "third" at last.
        assert [a.status_code for a in hub.distribute(method="sha1")] == [202]
        wait_for(lambda: article_for(room, "/third") is not None, "the third article")
        assert lane.wait_idle(30)


def _articles(room: Newsroom) -> int:
    with room.sessions() as session:
        return len(session.scalars(select(ArticleRow.id)).all())


def _age(room: Newsroom, **times: timedelta) -> None:
    """Move the subscription's times into the past by the given amounts."""
    with room.sessions() as session:
        row = session.scalars(select(WebsubSubscriptionRow)).one()
        for name, delta in times.items():
            setattr(row, name, utcnow() - delta)
        session.commit()


def test_leases_are_renewed_a_quiet_hub_falls_back_and_removal_unsubscribes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        TestHub() as hub,
        websub_site(tmp_path, monkeypatch, hub, quiet_minutes="60") as (room, port),
        callback_server(room, port),
    ):
        source_id = subscription_source(room)
        refresh_source(room, source_id)
        maintain(room)
        wait_for(lambda: subscription(room).state == SubscriptionState.ACTIVE, "verification")
        first_lease = subscription(room).lease_expires_at
        assert first_lease is not None

        # Renewal: due before the lease ends, asked again, verified again, lease moved on.
        _age(room, next_attempt_at=timedelta(seconds=1))
        maintain(room)
        wait_for(lambda: len(hub.verifications) == 2, "the renewal's verification")
        renewed = subscription(room)
        assert renewed.state == SubscriptionState.ACTIVE
        assert renewed.lease_expires_at is not None and renewed.lease_expires_at > first_lease

        # A verification nobody asked for (a hub verifying forever) is refused.
        again = httpx.get(
            next(iter(hub.subscribers)),
            params={"hub.mode": "subscribe", "hub.topic": hub.feed_url, "hub.challenge": "c"},
        )
        assert again.status_code == 404

        # The hub goes quiet: its source is polled as any other again.
        _age(room, last_push_at=timedelta(hours=2), verified_at=timedelta(hours=2))
        refresh_source(room, source_id)
        with room.sessions() as session:
            source = session.get(SourceRow, source_id)
            assert source is not None and "safety net" not in source.poll_reason
            assert source.next_fetch_at is not None
            assert source.next_fetch_at < utcnow() + timedelta(minutes=120)

        # Removing the source asks the hub to end the subscription, which it verifies.
        remove_source(room, source_id)
        wait_for(lambda: subscription(room).state == SubscriptionState.ENDED, "unsubscription")
        assert hub.requests[-1]["hub.mode"] == "unsubscribe"
        wait_for(lambda: hub.subscribers == {}, "the hub to drop the subscriber")


def subscription_source(room: Newsroom) -> int:
    with room.sessions() as session:
        return session.scalars(select(SourceRow.id)).one()


def test_a_hub_that_never_verifies_or_stops_hands_the_source_back_to_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestHub() as hub, websub_site(tmp_path, monkeypatch, hub) as (room, _port):
        hub.verify = False
        source_id = subscription_source(room)
        refresh_source(room, source_id)
        maintain(room)
        assert subscription(room).requested_mode == "subscribe"
        _age(room, requested_at=timedelta(hours=2))
        maintain(room, utcnow())
        row = subscription(room)
        assert row.state == SubscriptionState.FAILED
        assert "did not verify" in (row.last_error or "")
        assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
        # The hub stops altogether: the request fails and is recorded.
        hub.stop()
        _age(room, next_attempt_at=timedelta(seconds=1))
        maintain(room)
        assert subscription(room).failures == 2
        assert "hub" in (subscription(room).last_error or "")


def test_a_hub_on_another_private_address_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestHub() as hub, TestHub() as elsewhere:
        original = hub.feed

        def feed_naming_another_hub() -> bytes:
            return original().replace(hub.hub_url.encode(), elsewhere.hub_url.encode())

        hub.feed = feed_naming_another_hub  # type: ignore[method-assign]
        with websub_site(tmp_path, monkeypatch, hub) as (room, _port):
            refresh_source(room, subscription_source(room))
            maintain(room)
            row = subscription(room)
            assert row.hub_url == elsewhere.hub_url
            assert row.state == SubscriptionState.FAILED
            assert "private networks are not allowed" in (row.last_error or "")
            assert elsewhere.requests == []


def test_our_feeds_name_our_hub_and_a_pass_that_publishes_pings_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestHub() as hub, TestHub() as ours:
        monkeypatch.setenv("BABELWIRE_WEBSUB_PUBLISHER_HUB", ours.hub_url)
        with websub_site(tmp_path, monkeypatch, hub, private_networks=True) as (room, _port):
            run_pass(room)
            pings = [r["hub.url"] for r in ours.requests if r["hub.mode"] == "publish"]
            assert room.config.base_url + "/en/feed.xml" in pings or any(
                p.startswith(room.config.base_url + "/en/") for p in pings
            )
            with room.sessions() as session:
                stored = session.scalars(select(WebsubPingRow)).all()
                assert stored and all(row.ok for row in stored)
            from babelwire.publish.pages import SitePages

            pages = SitePages.for_site(room)
            rss = pages.feed("en", "rss") or b""
            atom = pages.feed("en", "atom") or b""
            json_feed = pages.feed("en", "json") or b""
            assert f'rel="hub" href="{ours.hub_url}"'.encode() in rss.replace(
                f'href="{ours.hub_url}" rel="hub"'.encode(),
                f'rel="hub" href="{ours.hub_url}"'.encode(),
            )
            assert ours.hub_url.encode() in atom
            assert b'"hubs"' in json_feed and ours.hub_url.encode() in json_feed


def test_signatures_links_and_limits() -> None:
    body = b"<feed/>"
    assert check_signature(sign(body, "s", "sha256"), body, "s")
    assert check_signature(sign(body, "s", "sha1"), body, "s")
    for header, reason in [
        (None, "unsigned"),
        ("", "unsigned"),
        (sign(body, "t"), "bad_signature"),
        ("md5=abc", "bad_signature"),
        (sign(body + b" ", "s"), "bad_signature"),
    ]:
        with pytest.raises(SignatureRefused) as caught:
            check_signature(header, body, "s")
        assert caught.value.reason == reason
    header = '<https://hub.example/>; rel="hub", </feed>; rel=self'
    assert link_header_rels(header, "https://news.example/x") == [
        ("hub", "https://hub.example/"),
        ("self", "https://news.example/feed"),
    ]
    result = FetchResult("u", "https://news.example/rss", 200, b"", "", links=header)
    found = announced_hub(ParsedFeed(title="", entries=[], hubs=("https://other/",)), result)
    assert found is not None
    assert (found.hub, found.topic) == ("https://hub.example/", "https://news.example/feed")
    limits = HubLimits(3)
    assert [limits.take("h") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limits.take("h") > 0
    assert limits.take("other") == 0.0
