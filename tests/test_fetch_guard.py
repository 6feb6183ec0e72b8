"""The SSRF guard, against real loopback servers: refused connections never reach the canary."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator

import pytest

from babelwire.pipeline.fetch.guard import (
    NO_ALLOWANCE,
    AddressGuard,
    BlockedAddress,
    allowance_for,
    allowed,
    forbidden_reason,
    origin_of,
)
from babelwire.pipeline.fetch.http import AsyncFetcher, Fetcher, FetchError
from babelwire.pipeline.fetch.robots import RobotsCache
from tests.hostile_server import Canary, Handler, HostileServer, Route, ipv6_loopback_available


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "CGNAT"),
        ("100.100.100.200", "metadata"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
    ],
)
def test_forbidden_addresses(address: str, words: str) -> None:
    reason = forbidden_reason(ipaddress.ip_address(address))
    assert reason is not None and words in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def test_mixed_dns_answer_is_refused_whole() -> None:
    # A stand-in resolver: a name answering one public and one loopback address
    # is a rebinding attempt, and nothing is connected to.
    guard = AddressGuard(resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1, a loopback address"):
        guard.resolve("rebind.example", 80)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def _redirect(target: str) -> Route:
    def route(handler: Handler) -> None:
        handler.send(302, b"", {"Location": target})

    return route


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary("127.0.0.1") as listener:
        yield listener


def _localhost_fetcher() -> Fetcher:
    return Fetcher("test", total_timeout=5)


def test_private_address_refused_without_connecting(canary: Canary) -> None:
    with Fetcher("test") as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(f"http://127.0.0.1:{canary.port}/feed")
    assert info.value.blocked
    assert "loopback" in str(info.value) and "not allowed" in str(info.value)
    assert canary.connections == 0


def test_allowed_globally_connects(server: HostileServer) -> None:
    server.routes["/ok"] = lambda h: h.send(200, b"fine", {"Content-Type": "text/plain"})
    with Fetcher("test", allow_private=True) as fetcher:
        assert fetcher.fetch(server.url("/ok")).content == b"fine"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/",
        "http://127.0.0.2:{port}/",
        "http://0x7f000001:{port}/",
        "http://2130706433:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
    ],
)
def test_redirect_to_private_address_refused(
    server: HostileServer, canary: Canary, target: str
) -> None:
    host = target.split("//", 1)[1].rsplit(":", 1)[0].strip("[]")
    if host == "127.0.0.2":
        # The canary for 127.0.0.2 listens there itself.
        with Canary("127.0.0.2") as second:
            _assert_redirect_refused(server, target.format(port=second.port), second)
        return
    _assert_redirect_refused(server, target.format(port=canary.port), canary)


def _assert_redirect_refused(server: HostileServer, target: str, canary: Canary) -> None:
    path = f"/to/{abs(hash(target))}"
    server.routes[path] = _redirect(target)
    # The test server is allowed by name and port ("localhost:PORT"), as a source
    # added with --allow-private is: every other private host stays refused.
    first = server.url(path, host="localhost")
    with (
        _localhost_fetcher() as fetcher,
        allowed(allowance_for(first)),
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(first)
    assert info.value.blocked, info.value
    assert "refused" in str(info.value)
    assert canary.connections == 0
    assert server.paths().count(path) == 1  # the first hop was allowed and made


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback here")
def test_redirect_to_ipv6_loopback_refused(server: HostileServer) -> None:
    with Canary("::1") as canary:
        _assert_redirect_refused(server, f"http://[::1]:{canary.port}/", canary)


def test_redirect_to_metadata_address_refused(server: HostileServer) -> None:
    server.routes["/meta"] = _redirect("http://169.254.169.254/latest/meta-data/")
    first = server.url("/meta", host="localhost")
    with (
        _localhost_fetcher() as fetcher,
        allowed(allowance_for(first)),
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(first)
    assert info.value.blocked
    assert "169.254.169.254" in str(info.value) and "link-local" in str(info.value)


def test_async_fetcher_refuses_redirect_too(server: HostileServer, canary: Canary) -> None:
    server.routes["/async-hop"] = _redirect(f"http://127.0.0.1:{canary.port}/")

    async def go() -> FetchError:
        first = server.url("/async-hop", host="localhost")
        async with AsyncFetcher("test", total_timeout=5) as fetcher:
            try:
                with allowed(allowance_for(first)):
                    await fetcher.fetch(first)
            except FetchError as exc:
                return exc
        raise AssertionError("the redirect was followed")

    error = asyncio.run(go())
    assert error.blocked and "loopback" in str(error)
    assert canary.connections == 0


def test_an_allowance_names_one_host_and_one_port(canary: Canary) -> None:
    guard = AddressGuard()
    with allowed(allowance_for(f"http://LOCALHOST:{canary.port}/feed")):
        assert guard.private_ok("localhost", canary.port)
        assert not guard.private_ok("127.0.0.1", canary.port)  # another name
        assert not guard.private_ok("localhost", canary.port + 1)  # another port
        assert not guard.private_ok("localhost", 80)
        with Fetcher("test", guard=guard) as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch(f"http://127.0.0.1:{canary.port}/")
    assert info.value.blocked
    assert not guard.private_ok("localhost", canary.port)  # over when the block ends
    assert canary.connections == 0


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://Example.COM/feed", ("example.com", 80)),
        ("https://example.com/feed", ("example.com", 443)),
        ("http://example.com:80/", ("example.com", 80)),
        ("https://example.com:8443/", ("example.com", 8443)),
        ("http://[::1]:8080/", ("::1", 8080)),
        ("http://bücher.example/", ("xn--bcher-kva.example", 80)),
    ],
)
def test_origin_is_named_as_the_connection_pool_names_it(url: str, origin: tuple[str, int]) -> None:
    assert origin_of(url) == origin


def test_dns_answer_that_changes_is_checked_on_every_connection(canary: Canary) -> None:
    # A stand-in resolver for a DNS server under an attacker's control: the
    # name first answers a public address, then (rebinding) loopback. Each
    # connection resolves and checks anew, and connects to the checked address.
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    guard = AddressGuard(resolver=lambda host, port: next(answers))
    url = f"http://rebind.example:{canary.port}/feed"
    with Fetcher("test", guard=guard, connect_timeout=1.0, total_timeout=3.0) as fetcher:
        with pytest.raises(FetchError) as first:
            fetcher.fetch(url)  # allowed; this machine simply cannot reach it
        assert not first.value.blocked
        with pytest.raises(FetchError) as second:
            fetcher.fetch(url)
    assert second.value.blocked and "127.0.0.1, a loopback address" in str(second.value)
    assert canary.connections == 0


def _ok(body: bytes) -> Route:
    return lambda h: h.send(200, body, {"Content-Type": "text/plain"})


def test_a_pooled_connection_opened_under_an_allowance_serves_no_one_else() -> None:
    # The server keeps connections alive, so httpx would send a second request
    # to the same origin over the first one's socket without connecting again.
    with HostileServer() as internal, HostileServer() as other:
        internal.routes["/pooled"] = _ok(b"internal")
        url = internal.url("/pooled")
        with Fetcher("test", total_timeout=5) as fetcher:
            with allowed(allowance_for(url)):
                assert fetcher.fetch(url).content == b"internal"
            with pytest.raises(FetchError) as nobody:
                fetcher.fetch(url)
            with allowed(allowance_for(other.url("/"))), pytest.raises(FetchError) as another:
                fetcher.fetch(url)
            with allowed(allowance_for(url)):
                assert fetcher.fetch(url).content == b"internal"  # its own still works
        assert nobody.value.blocked and "not allowed" in str(nobody.value)
        assert another.value.blocked
        assert internal.paths().count("/pooled") == 2


def test_async_allowance_is_each_tasks_own_and_pooled_connections_are_too() -> None:
    with HostileServer() as internal:
        internal.routes["/pooled"] = _ok(b"internal")
        url = internal.url("/pooled")
        allowance = allowance_for(url)

        async def go() -> list[bytes | FetchError]:
            async with AsyncFetcher("test", total_timeout=5) as fetcher:

                async def for_source(mine: bool) -> bytes | FetchError:
                    with allowed(allowance if mine else NO_ALLOWANCE):
                        try:
                            return (await fetcher.fetch(url)).content
                        except FetchError as exc:
                            return exc

                first = await asyncio.create_task(for_source(True))
                second = await asyncio.create_task(for_source(False))  # a connection waits
                together = await asyncio.gather(*(for_source(i % 2 == 0) for i in range(6)))
                return [first, second, *together]

        results = asyncio.run(go())
    assert [r == b"internal" for r in results] == [True, False] + [True, False] * 3
    assert all(isinstance(r, FetchError) and r.blocked for r in results[1::2])
    assert internal.paths().count("/pooled") == 4


def test_robots_txt_read_under_one_allowance_answers_no_one_else() -> None:
    with HostileServer() as internal, Fetcher("test", total_timeout=5) as fetcher:
        internal.routes["/robots.txt"] = _ok(b"User-agent: *\nDisallow: /private/\n")
        page = internal.url("/news/1")
        robots = RobotsCache(fetcher)
        # Asked first for a source without the allowance: refused without connecting...
        assert "not allowed" in (robots.check(page) or "")
        with allowed(allowance_for(page)):
            # ...which is no answer for the source that has it,
            assert robots.check(page) is None
            assert "disallowed" in (robots.check(internal.url("/private/x")) or "")
        # and what that source read answers no one else.
        assert "not allowed" in (robots.check(page) or "")
        assert internal.paths().count("/robots.txt") == 1


def test_global_setting_allows_every_private_origin_without_an_allowance() -> None:
    with HostileServer() as internal, Fetcher("test", allow_private=True) as fetcher:
        internal.routes["/any"] = _ok(b"any")
        assert fetcher.fetch(internal.url("/any")).content == b"any"
        with allowed(allowance_for("http://elsewhere.example/")):
            assert fetcher.fetch(internal.url("/any", host="localhost")).content == b"any"
