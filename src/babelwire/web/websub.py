"""The WebSub callback of `babelwire serve`: `/websub/KEY`, one per subscription.

GET is a hub's intent verification: the challenge is echoed for a request babelwire
made and has not seen verified, for its topic and mode; anything else is 404. POST
is content distribution: a body up to `websub.max_body_bytes` (413 above), signed
with the subscription's secret in X-Hub-Signature. A push unsigned, wrongly signed
or replayed is answered 202 like a good one (a hub learns nothing from trying
signatures) and dropped. Each hub may make `websub.pushes_per_minute` requests a
minute to this process (429 with Retry-After beyond). Every refusal is counted in
`/metrics` by its reason. The routes are public, never cached (POST is not cached in
any case; GET answers carry no-store).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from babelwire.jobs.websub import (
    PushRefused,
    Replays,
    accept_push,
    subscription_hub,
    verify_intent,
)
from babelwire.runners.push_lane import PushLane

if TYPE_CHECKING:
    from babelwire.newsroom import Newsroom

__all__ = ["CALLBACK_PATH", "WebsubCallback", "websub_routes"]

CALLBACK_PATH = "/websub/{key}"
NO_STORE = {"Cache-Control": "no-store"}
PID = str(os.getpid())
# Longest key a callback URL may name (subscription keys are 32 characters).
MAX_KEY = 64


class HubLimits:
    """Requests per hub per minute, in this process (a sliding window of one minute)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def take(self, hub: str) -> float:
        """0 when the hub may be answered now, else the seconds until it may again."""
        now = time.monotonic()
        with self._lock:
            if len(self._times) > 10000:  # forget hubs not heard from within the minute
                self._times = {h: t for h, t in self._times.items() if t and t[-1] > now - 60}
            times = [t for t in self._times.get(hub, []) if t > now - 60]
            if len(times) >= self.per_minute:
                self._times[hub] = times
                return max(1.0, 60 - (now - times[0]))
            times.append(now)
            self._times[hub] = times
            return 0.0


class WebsubCallback:
    """This process's state for the callback: limits, recent signatures, the lane that
    processes what is pushed, and the counters /metrics shows."""

    def __init__(self, newsroom: Newsroom, registry: CollectorRegistry | None = None) -> None:
        settings = newsroom.config.settings.websub
        self.newsroom = newsroom
        self.limits = HubLimits(settings.pushes_per_minute)
        self.replays = Replays()
        self.lane = PushLane(newsroom)
        self.counter = Counter(
            "babelwire_process_websub_callbacks",
            "WebSub callback requests this server process answered, by outcome "
            "(verified, pushed, or the reason it was refused; per process: sum over pid).",
            ["pid", "outcome"],
            registry=registry,
        )

    def count(self, outcome: str) -> None:
        self.counter.labels(PID, outcome).inc()


def _callback(request: Request) -> WebsubCallback:
    found: WebsubCallback = request.app.state.websub
    return found


async def _limited(callback: WebsubCallback, request: Request, key: str) -> Response | None:
    """The 404 for an unknown subscription, the 429 for a hub over its limit, or None."""
    if not callback.newsroom.config.settings.websub.enabled:
        callback.count("unknown")
        return PlainTextResponse("WebSub is off\n", status_code=404, headers=NO_STORE)
    hub = await run_in_threadpool(subscription_hub, callback.newsroom, key)
    if hub is None:
        callback.count("unknown")
        return PlainTextResponse("no such subscription\n", status_code=404, headers=NO_STORE)
    wait = callback.limits.take(hub)
    if wait:
        callback.count("rate_limited")
        headers = {**NO_STORE, "Retry-After": str(int(wait) + 1)}
        return PlainTextResponse("too many requests\n", status_code=429, headers=headers)
    return None


async def verify(request: Request) -> Response:
    callback = _callback(request)
    key = request.path_params["key"][:MAX_KEY]
    refused = await _limited(callback, request, key)
    if refused is not None:
        return refused
    params = request.query_params
    try:
        answer = await run_in_threadpool(
            lambda: verify_intent(
                callback.newsroom,
                key,
                mode=params.get("hub.mode", ""),
                topic=params.get("hub.topic", ""),
                challenge=params.get("hub.challenge", ""),
                lease_seconds=params.get("hub.lease_seconds", ""),
                reason=params.get("hub.reason", ""),
            )
        )
    except PushRefused as exc:
        callback.count(exc.reason)
        return PlainTextResponse(f"{exc}\n", status_code=404, headers=NO_STORE)
    callback.count("verified")
    return PlainTextResponse(answer.body, status_code=answer.status, headers=NO_STORE)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than `limit` bytes."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def distribute(request: Request) -> Response:
    callback = _callback(request)
    key = request.path_params["key"][:MAX_KEY]
    refused = await _limited(callback, request, key)
    if refused is not None:
        return refused
    body = await _body(request, callback.newsroom.config.settings.websub.max_body_bytes)
    if body is None:
        callback.count("too_large")
        return PlainTextResponse("body too large\n", status_code=413, headers=NO_STORE)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        pushed = await run_in_threadpool(
            lambda: accept_push(
                callback.newsroom,
                key,
                body,
                content_type=content_type,
                signature=request.headers.get("x-hub-signature"),
                replays=callback.replays,
            )
        )
    except PushRefused as exc:
        callback.count(exc.reason)
        if exc.reason == "unknown":
            return PlainTextResponse(f"{exc}\n", status_code=404, headers=NO_STORE)
        # Acknowledged all the same (WebSub 8): the hub learns nothing from a try.
        return PlainTextResponse("accepted\n", status_code=202, headers=NO_STORE)
    callback.count("pushed")
    callback.lane.submit(pushed)
    return PlainTextResponse("accepted\n", status_code=202, headers=NO_STORE)


def websub_routes() -> list[Route]:
    return [
        Route(CALLBACK_PATH, verify, methods=["GET"]),
        Route(CALLBACK_PATH, distribute, methods=["POST"]),
    ]
