"""The SSRF guard, against real loopback servers: refused connections never reach the canary."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator

import pytest

from babelwire.pipeline.fetch.guard import AddressGuard, BlockedAddress, forbidden_reason
from babelwire.pipeline.fetch.http import AsyncFetcher, Fetcher, FetchError
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
    # The test server is allowed by name ("localhost"), as a source added with
    # --allow-private is: every other private host stays refused.
    return Fetcher("test", guard=AddressGuard(allowed_hosts=["localhost"]), total_timeout=5)


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
    with _localhost_fetcher() as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(server.url(path, host="localhost"))
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
    with _localhost_fetcher() as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(server.url("/meta", host="localhost"))
    assert info.value.blocked
    assert "169.254.169.254" in str(info.value) and "link-local" in str(info.value)


def test_async_fetcher_refuses_redirect_too(server: HostileServer, canary: Canary) -> None:
    server.routes["/async-hop"] = _redirect(f"http://127.0.0.1:{canary.port}/")

    async def go() -> FetchError:
        guard = AddressGuard(allowed_hosts=["localhost"])
        async with AsyncFetcher("test", guard=guard, total_timeout=5) as fetcher:
            try:
                await fetcher.fetch(server.url("/async-hop", host="localhost"))
            except FetchError as exc:
                return exc
        raise AssertionError("the redirect was followed")

    error = asyncio.run(go())
    assert error.blocked and "loopback" in str(error)
    assert canary.connections == 0


def test_per_host_allowance_does_not_extend_to_other_names(canary: Canary) -> None:
    guard = AddressGuard(allowed_hosts=["localhost"])
    assert guard.host_allowed("LOCALHOST")
    assert not guard.host_allowed("127.0.0.1")
    with Fetcher("test", guard=guard) as fetcher, pytest.raises(FetchError):
        fetcher.fetch(f"http://127.0.0.1:{canary.port}/")
    assert canary.connections == 0


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
