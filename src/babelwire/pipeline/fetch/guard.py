"""SSRF guard: babelwire never connects to the operator's own network unless told to.

A feed URL, a redirect or a DNS answer chosen by a stranger must not make the
newsroom fetch http://169.254.169.254/ (cloud credentials) or an admin page on
the LAN. The check runs where the socket is opened, on the address actually
connected to, after name resolution: a host name that resolved to a public
address when the source was added and to 127.0.0.1 now (DNS rebinding) is
caught, and so is every notation of an address (decimal, hexadecimal, octal,
IPv4-mapped IPv6), because the resolver has already turned it into a number.

Allowed anyway: every address when the operator allows private networks
globally; and, for the work done on behalf of one source added with
`--allow-private`, the exact host and port of that source's URL. That
allowance lives in a context variable set around the source's work (`allowed`),
so it reaches every fetch made for the source (its poll, robots.txt, child
sitemaps, redirects, its article pages) and no fetch made for anyone else.
Connections to an origin reached through an allowance are kept in a pool of
their own, so a request made without that allowance never reuses one.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import anyio
import httpcore
import httpx

__all__ = [
    "NO_ALLOWANCE",
    "AddressGuard",
    "Allowance",
    "BlockedAddress",
    "GuardedAsyncBackend",
    "GuardedAsyncTransport",
    "GuardedBackend",
    "GuardedTransport",
    "allowance_for",
    "allowed",
    "covered",
    "current_allowance",
    "forbidden_reason",
    "origin_of",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services that are not already link-local (169.254.169.254 is).
_METADATA = {
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# (host, port) pairs, as the connection pool names an origin: lower-case host
# without brackets, explicit port or the scheme's default.
Allowance = frozenset[tuple[str, int]]
NO_ALLOWANCE: Allowance = frozenset()
_DEFAULT_PORTS = {"http": 80, "https": 443}
_current: ContextVar[Allowance] = ContextVar("babelwire_private_allowance", default=NO_ALLOWANCE)


class BlockedAddress(httpcore.ConnectError):
    """A connection refused by the guard; a ConnectError so httpx reports it as one."""


def origin_of(url: str | httpx.URL) -> tuple[str, int]:
    """The (host, port) a request to `url` connects to, named as httpcore names it.

    Raises ValueError for a URL httpx cannot read.
    """
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from exc
    host = parsed.raw_host.decode("ascii").lower().strip("[]")
    return host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 0)


def allowance_for(url: str) -> Allowance:
    """The allowance a source added with `--allow-private` gets: its URL's host and port only."""
    return frozenset({origin_of(url)})


@contextmanager
def allowed(allowance: Allowance) -> Iterator[None]:
    """Fetches made inside this block (in this thread or task) may reach `allowance`.

    Replaces, never adds to, the allowance around it: work for one source
    cannot inherit another's.
    """
    token = _current.set(allowance)
    try:
        yield
    finally:
        _current.reset(token)


def current_allowance() -> Allowance:
    return _current.get()


def covered(url: str | httpx.URL) -> bool:
    """Whether the current allowance names the origin of `url`."""
    allowance = _current.get()
    if not allowance:
        return False
    try:
        return origin_of(url) in allowance
    except (UnicodeError, ValueError):
        return False


def forbidden_reason(address: IPAddress) -> str | None:
    """Why babelwire must not connect to `address`, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = forbidden_reason(embedded)
            return f"{reason} (inside {address})" if reason else None
    if address in _METADATA:
        return "a cloud metadata address"
    for test, name in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a CGNAT address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
    ):
        if test:
            return name
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one tunnels to (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class AddressGuard:
    """Decides, connection by connection, whether an address may be reached."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.allow_private = allow_private
        # `resolver` replaces the system's name resolution (host, port -> addresses),
        # for a site with its own DNS policy and for testing answers that change.
        self.resolver = resolver

    def private_ok(self, host: str, port: int, *, use_allowance: bool = True) -> bool:
        """Whether a connection to `host`:`port` may reach a private address now."""
        if self.allow_private:
            return True
        return use_allowance and (host.lower().strip("[]"), port) in _current.get()

    def check(self, host: str, addresses: Iterable[str], *, private_ok: bool = False) -> list[str]:
        """The addresses of `host` that may be connected to; raises BlockedAddress if none."""
        usable: list[str] = []
        refusal = ""
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                refusal = refusal or f"{host} resolved to an unreadable address {text!r}"
                continue
            reason = None if private_ok else forbidden_reason(address)
            if reason is None:
                usable.append(text)
            else:
                refusal = refusal or f"{host} is {address}, {reason}"
        if not usable:
            raise BlockedAddress(
                f"refused: {refusal or f'{host} has no address'}; private networks are not allowed"
            )
        # Refuse the whole host when any answer is private: a name that mixes
        # public and private answers is a rebinding attempt, not a mirror.
        if refusal:
            raise BlockedAddress(f"refused: {refusal}; private networks are not allowed")
        return usable

    def resolve(self, host: str, port: int, *, use_allowance: bool = True) -> list[str]:
        private_ok = self.private_ok(host, port, use_allowance=use_allowance)
        if self.resolver is not None:
            return self.check(host, self.resolver(host, port), private_ok=private_ok)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"host not found: {host} ({exc})") from exc
        return self.check(host, _unique(str(i[4][0]) for i in infos), private_ok=private_ok)

    async def resolve_async(self, host: str, port: int, *, use_allowance: bool = True) -> list[str]:
        # Decided before the lookup: the allowance is the caller's, read in its task.
        private_ok = self.private_ok(host, port, use_allowance=use_allowance)
        if self.resolver is not None:
            return self.check(host, self.resolver(host, port), private_ok=private_ok)
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"host not found: {host} ({exc})") from exc
        return self.check(host, _unique(str(i[4][0]) for i in infos), private_ok=private_ok)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket layer with the guard between name resolution and connect.

    The connection is opened to the checked address itself, never by name
    again, so a second DNS answer cannot differ from the one that was checked.
    TLS still verifies against the host name: httpcore passes it as SNI.
    `use_allowance` is set only for the pool that serves requests the current
    allowance covers (GuardedTransport); every other pool ignores allowances.
    """

    def __init__(self, guard: AddressGuard, *, use_allowance: bool = False) -> None:
        self.guard = guard
        self.use_allowance = use_allowance
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.guard.resolve(host, port, use_allowance=self.use_allowance):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("refused: unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    """The asynchronous twin of GuardedBackend."""

    def __init__(self, guard: AddressGuard, *, use_allowance: bool = False) -> None:
        self.guard = guard
        self.use_allowance = use_allowance
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        try:
            with anyio.fail_after(timeout):
                addresses = await self.guard.resolve_async(
                    host, port, use_allowance=self.use_allowance
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused: unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport whose every connection passes the guard.

    Two connection pools: one for requests whose origin the current allowance
    names, one for all others. httpx reuses a kept-alive connection without
    opening a new one, so a connection opened to a private origin for one
    source would otherwise serve a request made for another source (or for
    none) without the guard ever being asked. A request is routed by the
    allowance in force when it is sent; the pool for everything else never
    holds a connection that only an allowance let through.
    """

    def __init__(self, guard: AddressGuard, **options: typing.Any) -> None:
        self.guard = guard
        self._plain = _sync_transport(GuardedBackend(guard), options)
        self._allowed = _sync_transport(GuardedBackend(guard, use_allowance=True), options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool_for(request).handle_request(request)

    def _pool_for(self, request: httpx.Request) -> httpx.HTTPTransport:
        if not self.guard.allow_private and covered(request.url):
            return self._allowed
        return self._plain

    def close(self) -> None:
        self._plain.close()
        self._allowed.close()


class GuardedAsyncTransport(httpx.AsyncBaseTransport):
    """The asynchronous twin of GuardedTransport."""

    def __init__(self, guard: AddressGuard, **options: typing.Any) -> None:
        self.guard = guard
        self._plain = _async_transport(GuardedAsyncBackend(guard), options)
        self._allowed = _async_transport(GuardedAsyncBackend(guard, use_allowance=True), options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.guard.allow_private and covered(request.url):
            return await self._allowed.handle_async_request(request)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        await self._allowed.aclose()


def _sync_transport(backend: GuardedBackend, options: dict[str, typing.Any]) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(**options)
    # httpx has no public hook for the socket layer; the pool reads this
    # attribute each time it opens a connection, so every connection,
    # redirects included, passes the guard.
    transport._pool._network_backend = backend
    return transport


def _async_transport(
    backend: GuardedAsyncBackend, options: dict[str, typing.Any]
) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(**options)
    transport._pool._network_backend = backend  # see _sync_transport
    return transport
