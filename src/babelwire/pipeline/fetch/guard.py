"""SSRF guard: babelwire never connects to the operator's own network unless told to.

A feed URL, a redirect or a DNS answer chosen by a stranger must not make the
newsroom fetch http://169.254.169.254/ (cloud credentials) or an admin page on
the LAN. The check runs where the socket is opened, on the address actually
connected to, after name resolution: a host name that resolved to a public
address when the source was added and to 127.0.0.1 now (DNS rebinding) is
caught, and so is every notation of an address (decimal, hexadecimal, octal,
IPv4-mapped IPv6), because the resolver has already turned it into a number.

Allowed anyway: every address when the operator allows private networks
globally, and the hosts of sources added with `--allow-private`.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import typing
from collections.abc import Callable, Iterable

import anyio
import httpcore

__all__ = [
    "AddressGuard",
    "BlockedAddress",
    "GuardedAsyncBackend",
    "GuardedBackend",
    "forbidden_reason",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services that are not already link-local (169.254.169.254 is).
_METADATA = {
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(httpcore.ConnectError):
    """A connection refused by the guard; a ConnectError so httpx reports it as one."""


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
    """Decides, connection by connection, whether an address may be reached.

    Thread-safe: hosts allowed per source can be added while fetches run.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allowed_hosts: Iterable[str] = (),
        resolver: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.allow_private = allow_private
        # `resolver` replaces the system's name resolution (host, port -> addresses),
        # for a site with its own DNS policy and for testing answers that change.
        self.resolver = resolver
        self._hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self._lock = threading.Lock()

    def allow_host(self, host: str) -> None:
        """Let `host` (a name or literal as written in source URLs) reach private addresses."""
        with self._lock:
            self._hosts.add(host.lower().strip("[]"))

    def host_allowed(self, host: str) -> bool:
        if self.allow_private:
            return True
        with self._lock:
            return host.lower().strip("[]") in self._hosts

    def check(self, host: str, addresses: Iterable[str]) -> list[str]:
        """The addresses of `host` that may be connected to; raises BlockedAddress if none."""
        allowed = self.host_allowed(host)
        usable: list[str] = []
        refusal = ""
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                refusal = refusal or f"{host} resolved to an unreadable address {text!r}"
                continue
            reason = None if allowed else forbidden_reason(address)
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

    def resolve(self, host: str, port: int) -> list[str]:
        if self.resolver is not None:
            return self.check(host, self.resolver(host, port))
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"host not found: {host} ({exc})") from exc
        return self.check(host, _unique(str(info[4][0]) for info in infos))

    async def resolve_async(self, host: str, port: int) -> list[str]:
        if self.resolver is not None:
            return self.check(host, self.resolver(host, port))
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"host not found: {host} ({exc})") from exc
        return self.check(host, _unique(str(info[4][0]) for info in infos))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket layer with the guard between name resolution and connect.

    The connection is opened to the checked address itself, never by name
    again, so a second DNS answer cannot differ from the one that was checked.
    TLS still verifies against the host name: httpcore passes it as SNI.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
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
        for address in self.guard.resolve(host, port):
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

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
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
                addresses = await self.guard.resolve_async(host, port)
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
