"""Poll many sources at once: feeds, sitemaps and pages, each host at its own pace.

One event loop runs every due source's request. Each request waits for its
host's turn (fetch/hosts.py), so a slow or rate-limited host only delays its
own sources; robots.txt is read once per host and obeyed for the source URL
and every child sitemap. Parsing happens as soon as a body arrives; a 304
is never parsed. Nothing here touches the database: the caller stores the
outcomes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from babelwire.failure import describe_error
from babelwire.model import SOURCE_KINDS, FetchResult, ParsedFeed
from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from babelwire.pipeline.discover.pages import NotAPage, parse_page
from babelwire.pipeline.discover.sitemaps import NotASitemap, walk_sitemaps
from babelwire.pipeline.fetch.guard import NO_ALLOWANCE, Allowance, allowed
from babelwire.pipeline.fetch.hosts import HostLimits, HostPaused, HostStats
from babelwire.pipeline.fetch.http import AsyncFetcher, FetchError
from babelwire.pipeline.fetch.robots import RobotsCache

__all__ = ["FEED_ACCEPT", "PollOutcome", "PollRequest", "poll_sources"]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
KINDS = SOURCE_KINDS


@dataclass(frozen=True, slots=True)
class PollRequest:
    """One source to poll, with the validators stored from its last poll.

    `allowance` is what the SSRF guard lets this source's requests reach beyond
    the public internet (fetch/guard.py); it covers no other source's.
    """

    source_id: int
    url: str
    kind: str = "feed"
    etag: str | None = None
    last_modified: str | None = None
    allowance: Allowance = NO_ALLOWANCE


@dataclass(slots=True)
class PollOutcome:
    """What polling one source gave: a parsed feed, a 304, or an error."""

    request: PollRequest
    result: FetchResult | None = None
    feed: ParsedFeed | None = None
    error: str | None = None
    status: int | None = None
    retry_after: float | None = None  # seconds the host asked us to wait
    seconds: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.result is not None and self.result.not_modified


@dataclass(slots=True)
class PollRound:
    outcomes: list[PollOutcome]
    hosts: dict[str, HostStats] = field(default_factory=dict)


def poll_sources(
    requests: Sequence[PollRequest],
    *,
    make_fetcher: Callable[[], AsyncFetcher],
    robots: RobotsCache,
    concurrency: int = 50,
    per_host: int = 2,
    host_delay: float = 1.0,
    on_done: Callable[[PollOutcome], None] | None = None,
    next_starts: dict[str, float] | None = None,
) -> PollRound:
    """Poll every request concurrently under the limits; outcomes in the requests' order.

    `next_starts` carries each host's earliest next request from one round to the next
    (see HostLimits), so rounds that follow each other closely keep the host delay."""
    return asyncio.run(
        _poll_all(
            requests,
            make_fetcher=make_fetcher,
            robots=robots,
            concurrency=concurrency,
            per_host=per_host,
            host_delay=host_delay,
            on_done=on_done,
            next_starts=next_starts,
        )
    )


async def _poll_all(
    requests: Sequence[PollRequest],
    *,
    make_fetcher: Callable[[], AsyncFetcher],
    robots: RobotsCache,
    concurrency: int,
    per_host: int,
    host_delay: float,
    on_done: Callable[[PollOutcome], None] | None,
    next_starts: dict[str, float] | None = None,
) -> PollRound:
    limits = HostLimits(
        concurrency=concurrency, per_host=per_host, delay=host_delay, next_starts=next_starts
    )
    async with make_fetcher() as fetcher:
        poller = _Poller(fetcher, limits, robots)

        async def one(request: PollRequest) -> PollOutcome:
            outcome = await poller.poll(request)
            if on_done is not None:
                on_done(outcome)
            return outcome

        # return_exceptions: whatever one source raises, the others' outcomes are kept.
        results = await asyncio.gather(*(one(r) for r in requests), return_exceptions=True)
    outcomes = []
    for request, result in zip(requests, results, strict=True):
        if isinstance(result, PollOutcome):
            outcomes.append(result)
        elif isinstance(result, Exception):
            outcomes.append(PollOutcome(request, error=describe_error(result)))
        else:
            raise result  # KeyboardInterrupt, SystemExit, cancellation: not a source's failure
    return PollRound(outcomes, limits.stats)


class _Poller:
    def __init__(self, fetcher: AsyncFetcher, limits: HostLimits, robots: RobotsCache) -> None:
        self.fetcher = fetcher
        self.limits = limits
        self.robots = robots

    async def get(
        self,
        url: str,
        *,
        accept: str,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """One GET under the host's limits and robots.txt; honours Retry-After for the host."""
        if check_robots:
            refusal = await self.robots.check_async(url, self._robots_fetch)
            if refusal:
                raise FetchError(url, refusal)
        async with self.limits.slot(url):
            try:
                return await self.fetcher.fetch(
                    url, etag=etag, last_modified=last_modified, accept=accept
                )
            except FetchError as exc:
                if exc.retry_after is not None:
                    self.limits.pause(url, exc.retry_after)
                raise

    async def _robots_fetch(self, url: str) -> FetchResult:
        return await self.get(url, accept="text/plain", check_robots=False)

    async def poll(self, request: PollRequest) -> PollOutcome:
        outcome = PollOutcome(request)
        started = time.monotonic()
        try:
            # Each source's coroutine runs in a task of its own, with its own copy
            # of the context: the allowance set here is seen by its requests only.
            with allowed(request.allowance):
                await self._poll(request, outcome)
        finally:
            outcome.seconds = time.monotonic() - started
        return outcome

    async def _poll(self, request: PollRequest, outcome: PollOutcome) -> None:
        accept = {"sitemap": SITEMAP_ACCEPT, "page": PAGE_ACCEPT}.get(request.kind, FEED_ACCEPT)
        try:
            result = await self.get(
                request.url,
                accept=accept,
                etag=request.etag,
                last_modified=request.last_modified,
            )
            outcome.result = result
            outcome.status = result.status
            if result.not_modified:
                return
            if request.kind == "sitemap":
                outcome.feed = await walk_sitemaps(
                    result, self._sitemap_fetch, max_bytes=self.fetcher.max_bytes
                )
            elif request.kind == "page":
                outcome.feed = parse_page(result.content, result.final_url)
            else:
                outcome.feed = parse_feed(result.content, result.final_url, result.content_type)
        except FetchError as exc:
            outcome.error = str(exc)
            outcome.status = exc.status
            outcome.retry_after = exc.retry_after
        except HostPaused as exc:
            outcome.error = str(exc)
            outcome.retry_after = exc.seconds
        except (NotAFeed, NotASitemap, NotAPage) as exc:
            outcome.error = str(exc)
        except Exception as exc:
            # A bug or a parser's surprise: this source fails, with what happened;
            # the poll of every other source goes on.
            outcome.error = describe_error(exc)

    async def _sitemap_fetch(self, url: str) -> FetchResult:
        return await self.get(url, accept=SITEMAP_ACCEPT)
