"""The API's edge (web/api/edge.py) around small ASGI apps: the time limit answers a
slow request 503 but lets a begun stream finish, the body limit answers 413 before the
app reads anything, and conditional requests get 304."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from babelwire.web.api.edge import ApiEdge, EdgeSettings, RateLimiter

SETTINGS = EdgeSettings(
    prefix="/api/v1",
    cache_seconds=60,
    address_per_minute=0,
    token_per_minute=0,
    max_body_bytes=1000,
    timeout_seconds=0.3,
)


async def _slow(scope: Scope, receive: Receive, send: Send) -> None:
    await asyncio.sleep(5)


async def _stream(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for n in range(8):
        await send({"type": "http.response.body", "body": b"%d\n" % n, "more_body": True})
        await asyncio.sleep(0.1)  # eight of them take longer than the limit
    await send({"type": "http.response.body", "body": b""})


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body or b"same"})


def _client(app: object) -> httpx.AsyncClient:
    edge = ApiEdge(app, SETTINGS)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=edge), base_url="http://t")


def test_a_slow_answer_is_503_but_a_begun_stream_may_finish() -> None:
    async def run() -> None:
        async with _client(_slow) as client:
            slow = await client.get("/api/v1/x")
            assert slow.status_code == 503
            assert slow.headers["content-type"] == "application/problem+json"
            assert "took over 0.3 s" in slow.json()["detail"]
        async with _client(_stream) as client:
            streamed = await client.get("/api/v1/x")
            assert streamed.status_code == 200
            assert streamed.text.split() == [str(n) for n in range(8)]
            assert "etag" not in streamed.headers

    asyncio.run(run())


def test_a_body_over_the_limit_is_413_and_others_reach_the_app() -> None:
    async def run() -> None:
        async with _client(_echo) as client:
            big = await client.post("/api/v1/x", content=b"x" * 1001)
            assert big.status_code == 413
            assert big.json()["status"] == 413
            ok = await client.post("/api/v1/x", content=b"y" * 1000)
            assert ok.status_code == 200 and ok.content == b"y" * 1000

    asyncio.run(run())


def test_etags_answer_304_and_paths_outside_the_prefix_are_left_alone() -> None:
    async def run() -> None:
        async with _client(_echo) as client:
            first = await client.get("/api/v1/x")
            assert first.headers["cache-control"] == "public, max-age=60"
            again = await client.get("/api/v1/x", headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
            weak = await client.get(
                "/api/v1/x", headers={"If-None-Match": "W/" + first.headers["etag"]}
            )
            assert weak.status_code == 304
            other = await client.get("/api/v1/x", headers={"If-None-Match": '"other"'})
            assert other.status_code == 200
            private = await client.get("/api/v1/x", headers={"Authorization": "Bearer x"})
            assert private.headers["cache-control"] == "private, no-cache"
            site = await client.get("/en/")
            assert "etag" not in site.headers and "cache-control" not in site.headers

    asyncio.run(run())


def test_a_bucket_refills_evenly_over_a_minute() -> None:
    limiter = RateLimiter(60)
    assert all(limiter.take("a", now=100.0) == 0 for _ in range(60))
    wait = limiter.take("a", now=100.0)
    assert 0.9 < wait <= 1.0
    assert limiter.take("b", now=100.0) == 0  # another key has its own bucket
    assert limiter.take("a", now=101.5) == 0  # a second and a half later: one more
    assert limiter.take("a", now=101.5) > 0
    assert RateLimiter(0).take("a") == 0  # 0: no limit


def test_head_is_the_get_without_its_body_and_the_prefix_leads_to_the_index() -> None:
    async def run() -> None:
        async with _client(_echo) as client:
            got = await client.get("/api/v1/x")
            head = await client.head("/api/v1/x")
            assert head.status_code == 200 and head.content == b""
            assert head.headers["etag"] == got.headers["etag"]
            bare = await client.get("/api/v1")
            assert bare.status_code == 308
            # A path without a host, so that no Host header is ever reflected.
            assert bare.headers["location"] == "/api/v1/"

    asyncio.run(run())
