"""Per-host limits, Retry-After for the whole host, conditional GET and adaptive polling."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, list_sources
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.poll import PollOutcome, PollRequest, PollRound, poll_sources
from babelwire.pipeline.discover.schedule import Policy, after_failure, after_success
from babelwire.pipeline.fetch.hosts import HostSpacing
from babelwire.pipeline.fetch.http import AsyncFetcher, Fetcher, FetchError
from babelwire.pipeline.fetch.robots import RobotsCache
from tests.hostile_server import Handler, HostileServer, Route

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>Only item</title><link>http://example.invalid/1</link></item>"
    b"</channel></rss>"
)


def _slow_feed(seconds: float) -> Route:
    def route(handler: Handler) -> None:
        time.sleep(seconds)
        handler.send(200, FEED, {"Content-Type": "application/rss+xml"})

    return route


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def _round(
    requests: list[PollRequest],
    *,
    per_host: int = 2,
    delay: float = 0.0,
    on_done: Callable[[PollOutcome], None] | None = None,
) -> PollRound:
    robots = RobotsCache(Fetcher("test", allow_private=True))
    polled = poll_sources(
        requests,
        make_fetcher=lambda: AsyncFetcher("test", allow_private=True),
        robots=robots,
        concurrency=50,
        per_host=per_host,
        host_delay=delay,
        on_done=on_done,
    )
    robots.fetcher.close()
    return polled


def _poll(
    requests: list[PollRequest],
    *,
    per_host: int = 2,
    delay: float = 0.0,
    on_done: Callable[[PollOutcome], None] | None = None,
) -> list[PollOutcome]:
    return _round(requests, per_host=per_host, delay=delay, on_done=on_done).outcomes


def _assert_spaced(arrivals: list[float], began: float, delay: float) -> None:
    """The server saw the k-th request no sooner than k delays after `began`.

    Gaps between arrivals prove nothing on a busy machine: a request let go on
    time but slow to arrive shrinks the gap after it. Each bound here holds
    whatever the load, because a request arrives after its host let it go, and
    the k-th request let go went at least k delays after the first could have
    (`began`, taken before any was sent): load only makes arrivals later.
    """
    for k, arrived in enumerate(sorted(arrivals)):
        assert arrived - began >= k * delay - 1e-6, (k, arrived - began)


def test_per_host_concurrency_and_delay_shared_by_all_sources(server: HostileServer) -> None:
    for n in range(8):
        server.routes[f"/f{n}.xml"] = _slow_feed(0.15)
    requests = [PollRequest(n, server.url(f"/f{n}.xml")) for n in range(8)]
    began = time.monotonic()
    polled = _round(requests, per_host=2, delay=0.2)
    outcomes = polled.outcomes
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    assert server.peak_in_flight <= 2
    _assert_spaced([h.started for h in server.hits if h.path.startswith("/f")], began, 0.2)
    # The limiter's own record, read at the moment it let each request go.
    host = polled.hosts["127.0.0.1"]
    assert host.requests == 9 and host.peak_in_flight <= 2  # eight feeds and robots.txt
    assert host.smallest_gap >= 0.2 - 1e-9  # 0.2 added to a clock reading, less rounding
    assert server.paths().count("/robots.txt") == 1  # one robots.txt for eight sources


def test_slow_host_does_not_hold_up_the_others(server: HostileServer) -> None:
    # Two hosts by name, one server: "localhost" is slow, "127.0.0.1" is quick.
    # The slow host answers only once every quick request is done (or after a
    # long while): if it held up the others, they would all come after it.
    quick_done = threading.Event()
    give_up = time.monotonic() + 30

    def slow(handler: Handler) -> None:
        quick_done.wait(max(0.0, give_up - time.monotonic()))
        handler.send(200, FEED, {"Content-Type": "application/rss+xml"})

    server.routes["/slow.xml"] = slow
    server.routes["/quick.xml"] = _slow_feed(0.0)
    requests = [PollRequest(n, server.url("/slow.xml", host="localhost")) for n in range(3)]
    requests += [PollRequest(10 + n, server.url("/quick.xml")) for n in range(6)]
    order: list[int] = []

    def done(outcome: PollOutcome) -> None:
        order.append(outcome.request.source_id)
        if set(range(10, 16)) <= set(order):
            quick_done.set()

    _poll(requests, per_host=1, on_done=done)
    assert order[:6] == sorted(order[:6]) and set(order[:6]) == set(range(10, 16))


def test_retry_after_pauses_the_host_for_every_source(server: HostileServer) -> None:
    server.routes["/a.xml"] = lambda h: h.send(429, b"", {"Retry-After": "600"})
    server.routes["/b.xml"] = _slow_feed(0.0)
    outcomes = _poll(
        [PollRequest(1, server.url("/a.xml")), PollRequest(2, server.url("/b.xml"))], per_host=1
    )
    assert outcomes[0].retry_after == 600
    assert outcomes[1].error and "Retry-After" in outcomes[1].error
    assert "/b.xml" not in server.paths()


def test_unchanged_feed_costs_one_304(server: HostileServer, tmp_path: Path) -> None:
    def conditional(handler: Handler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send(304, b"", {"ETag": '"v1"'})
        else:
            handler.send(200, FEED, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    server.routes["/feed.xml"] = conditional
    create_site(tmp_path / "site")
    with Newsroom.open(tmp_path / "site") as newsroom:
        info = add_source(newsroom, server.url("/feed.xml"), allow_private=True)
        first = refresh_sources(newsroom, [info.id])[0]
        second = refresh_sources(newsroom, [info.id])[0]
        listed = list_sources(newsroom)[0]
    assert (first.new, second.new, second.skipped) == (1, 0, 0)  # nothing parsed the second time
    assert listed.last_status == "not_modified"
    assert [h.headers.get("If-None-Match") for h in server.hits if h.path == "/feed.xml"] == [
        None,
        '"v1"',
    ]


POLICY = Policy(default_minutes=30, min_minutes=5, max_minutes=1440, failing_after=5)
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _every(minutes: int, count: int = 10) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * n) for n in range(count)]


def test_busy_source_is_polled_often() -> None:
    minutes, reason = after_success(
        POLICY, current_minutes=30, published=_every(20), new_entries=2, now=NOW
    )
    assert minutes == 10 and "every 20 min" in reason


def test_very_busy_source_stops_at_the_minimum() -> None:
    minutes, reason = after_success(
        POLICY, current_minutes=30, published=_every(2), new_entries=5, now=NOW
    )
    assert minutes == 5 and "minimum" in reason


def test_quiet_source_is_polled_rarely() -> None:
    minutes, reason = after_success(
        POLICY, current_minutes=30, published=_every(3 * 24 * 60), new_entries=0, now=NOW
    )
    assert minutes == 1440 and "maximum" in reason


def test_source_gone_silent_slows_down() -> None:
    history = [NOW - timedelta(hours=10) - timedelta(minutes=30 * n) for n in range(10)]
    minutes, reason = after_success(
        POLICY, current_minutes=15, published=history, new_entries=0, now=NOW
    )
    assert minutes == 300 and "quiet" in reason


def test_no_history_keeps_the_default_then_backs_off_when_nothing_comes() -> None:
    assert after_success(POLICY, current_minutes=30, published=[], new_entries=1, now=NOW)[0] == 30
    assert after_success(POLICY, current_minutes=30, published=[], new_entries=0, now=NOW)[0] == 45


def test_backoff_grows_with_jitter_and_marks_failing() -> None:
    rng = random.Random(1)
    delays = [
        after_failure(POLICY, interval_minutes=30, failures=n, retry_after=None, rng=rng)
        for n in range(1, 7)
    ]
    for n, (delay, _reason, failing) in enumerate(delays, start=1):
        base = timedelta(minutes=30) * 2 ** (n - 1)
        assert min(base * 0.8, timedelta(hours=24)) <= delay <= min(base * 1.2, timedelta(hours=24))
        assert failing == (n >= 5)
    first_two = {
        after_failure(POLICY, interval_minutes=30, failures=1, retry_after=None)[0]
        for _ in range(5)
    }
    assert len(first_two) > 1  # jitter: sources failing together do not return together


def test_retry_after_longer_than_backoff_wins_and_is_capped() -> None:
    delay, reason, _ = after_failure(POLICY, interval_minutes=30, failures=1, retry_after=7200)
    assert delay == timedelta(hours=2) and "Retry-After" in reason
    delay, _, _ = after_failure(POLICY, interval_minutes=30, failures=1, retry_after=10**9)
    assert delay == timedelta(hours=24)


def test_blocking_fetcher_spaces_requests_to_one_host(server: HostileServer) -> None:
    # The article stage fetches pages with the blocking client, from several threads.
    server.routes["/page"] = lambda h: h.send(200, b"<html></html>", {"Content-Type": "text/html"})
    spacing = HostSpacing(per_host=2, delay=0.2)
    with Fetcher("test", allow_private=True, spacing=spacing) as fetcher:
        threads = [
            threading.Thread(target=fetcher.fetch, args=(server.url("/page"),)) for _ in range(4)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    arrivals = [h.started for h in server.hits if h.path == "/page"]
    assert len(arrivals) == 4
    _assert_spaced(arrivals, began, 0.2)


def test_blocking_fetcher_honours_retry_after_for_the_host(server: HostileServer) -> None:
    server.routes["/busy"] = lambda h: h.send(503, b"", {"Retry-After": "300"})
    server.routes["/other"] = lambda h: h.send(200, b"fine")
    with Fetcher("test", allow_private=True, spacing=HostSpacing(delay=0)) as fetcher:
        with pytest.raises(FetchError) as first:
            fetcher.fetch(server.url("/busy"))
        with pytest.raises(FetchError) as second:
            fetcher.fetch(server.url("/other"))
    assert first.value.retry_after == 300
    assert "Retry-After" in str(second.value) and second.value.retry_after is not None
    assert "/other" not in server.paths()
