"""Polite, bounded HTTP GET for feeds and article pages.

Every byte babelwire processes comes through here, from servers it does not
control. So each request is bounded in every dimension a hostile or broken
server can stretch: time to connect, time between bytes, total time (a server
that drips one byte a second never trips a read timeout), body size measured
after decompression (a 50 kB gzip can inflate to gigabytes), redirect count,
and URL scheme (a redirect to file:// or ftp:// is never followed). Conditional
GET (ETag / Last-Modified) makes an unchanged feed cost one tiny 304.

Why one module over 500 lines: the blocking and the asynchronous fetcher are
twins that must apply the same bounds in the same order; side by side, a change
to one is seen next to the other.

Every connection goes through the SSRF guard (fetch/guard.py), which checks
the address actually connected to. robots.txt is the callers' part
(fetch/robots.py); per-host politeness (fetch/hosts.py) is HostLimits around
each asynchronous request, and the blocking client's own HostSpacing.

`Fetcher` is the blocking client the article stage uses; `AsyncFetcher` has
the same limits and answers and lets the refresh stage poll many hosts at once.
"""

from __future__ import annotations

import email.utils
import time
import typing
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import brotli
import httpx

from babelwire import __version__
from babelwire.model import FetchResult, is_ascii_number
from babelwire.pipeline.fetch.guard import (
    AddressGuard,
    BlockedAddress,
    GuardedAsyncTransport,
    GuardedTransport,
)
from babelwire.pipeline.fetch.hosts import HostPaused, HostSpacing

__all__ = ["AsyncFetcher", "FetchError", "Fetcher", "retry_after_seconds", "user_agent"]

_SCHEMES = ("http", "https")
# A server may ask for a pause with Retry-After; beyond a day it is a mistake
# or a ban, and the source's failure state says so better than a long sleep.
MAX_RETRY_AFTER = 24 * 3600.0
ACCEPT_ENCODING = "gzip, deflate, br"


def user_agent(about_url: str) -> str:
    """The User-Agent babelwire announces: who we are and where to read about us.

    Publishers decide whether to allow a crawler from its User-Agent; the URL
    of the site's About page (what it does, whom to contact) lets them find
    out instead of simply blocking it.
    """
    return f"babelwire/{__version__} (+{about_url})"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, from either form (delta-seconds or HTTP date), capped at 24 h."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if is_ascii_number(value):
        seconds = float(int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class FetchError(Exception):
    """A fetch that did not yield a usable response.

    `status` is the HTTP status when the server answered (404, 500, ...), and
    None when it never did (refused, timed out, too large, bad URL): callers
    treat a 410 differently from a timeout, so it must not be parsed back out
    of the message.
    """

    def __init__(
        self,
        url: str,
        message: str,
        status: int | None = None,
        *,
        retry_after: float | None = None,
        blocked: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.message = message
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)
        self.blocked = blocked  # refused by the SSRF guard: no connection was made

    def __repr__(self) -> str:
        return f"FetchError({self.url!r}, {self.message!r}, status={self.status!r})"


class _FetcherBase:
    """The limits and the decisions shared by the blocking and the asynchronous client."""

    def __init__(
        self,
        user_agent: str,
        *,
        guard: AddressGuard | None = None,
        allow_private: bool = False,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 60.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
    ) -> None:
        self.guard = guard or AddressGuard(allow_private=allow_private)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.headers = {
            "User-Agent": user_agent,
            # Only what we can decode ourselves under the size cap; httpx
            # would otherwise also offer zstd when that is installed.
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    @staticmethod
    def _request_headers(
        etag: str | None, last_modified: str | None, accept: str | None
    ) -> dict[str, str]:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        return headers

    def _prepare_hop(self, url: str, request: httpx.Request, deadline: float) -> None:
        _check_url(url, request.url)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, f"timed out after {self.total_timeout:g} s")
        # Each hop's waits are also capped by what is left of the total, so
        # one stalled read can overshoot the deadline by at most read_timeout.
        request.extensions["timeout"] = httpx.Timeout(
            min(self.read_timeout, remaining),
            connect=min(self.connect_timeout, remaining),
            pool=min(self.connect_timeout, remaining),
        ).as_dict()

    def _error(self, url: str, exc: httpx.HTTPError, deadline: float) -> FetchError:
        blocked = isinstance(exc.__cause__, BlockedAddress)
        message = (
            str(exc.__cause__) if blocked and exc.__cause__ else _describe(exc, self, deadline)
        )
        return FetchError(url, message, blocked=blocked)

    def _early_result(
        self,
        url: str,
        request: httpx.Request,
        response: httpx.Response,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult | None:
        """The result when no body is needed (304); raises on error statuses; else None."""
        status = response.status_code
        if status == 304:
            return FetchResult(
                url=url,
                final_url=str(request.url),
                status=304,
                content=b"",
                content_type=_media_type(response),
                etag=response.headers.get("ETag") or etag,
                last_modified=response.headers.get("Last-Modified") or last_modified,
            )
        if status >= 400:
            retry = None
            if status in (429, 503):
                retry = retry_after_seconds(response.headers.get("Retry-After"))
            raise FetchError(url, f"HTTP {status} {_reason(response)}", status, retry_after=retry)
        if not 200 <= status < 300:
            raise FetchError(url, f"unexpected HTTP {status} {_reason(response)}", status)
        length = response.headers.get("Content-Length", "")
        encoding = _encoding(response)
        if (
            encoding in ("", "identity")
            and length.isascii()
            and length.isdigit()
            and int(length) > self.max_bytes
        ):
            raise FetchError(url, self._too_large())
        return None

    def _full_result(
        self, url: str, request: httpx.Request, response: httpx.Response, content: bytes
    ) -> FetchResult:
        return FetchResult(
            url=url,
            final_url=str(request.url),
            status=response.status_code,
            content=content,
            content_type=_media_type(response),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            links=", ".join(response.headers.get_list("Link"))[:8192],
        )

    def _take(
        self, url: str, decoder: _BodyDecoder, body: bytearray, raw: bytes, deadline: float
    ) -> None:
        """Add one network chunk to `body`, decoded, stopping at the size cap and the deadline.

        Decoding is done here rather than by httpx because httpx inflates a
        whole network chunk at once: a 64 kB chunk of a gzip bomb becomes
        tens of megabytes before any size check could run. zlib's max_length
        and brotli's output_buffer_limit keep every step within the cap.
        """
        for piece in decoder(raw, self.max_bytes - len(body) + 1):
            body += piece
            if len(body) > self.max_bytes:
                raise FetchError(url, self._too_large())
        if time.monotonic() > deadline:
            raise FetchError(url, f"timed out after {self.total_timeout:g} s")

    def _too_large(self) -> str:
        return f"response larger than {self.max_bytes} bytes"


class Fetcher(_FetcherBase):
    """One shared blocking HTTP client with babelwire's limits; reuse it for many fetches.

    Example::

        with Fetcher(user_agent("https://news.example")) as fetcher:
            result = fetcher.fetch(feed_url, etag=stored_etag)
            if not result.not_modified:
                parse(result.content)

    Sharing one client keeps connections alive across requests to one host,
    which matters when a source's feed and its twenty articles are fetched
    in a row. It is safe to use from several threads.
    """

    def __init__(
        self, user_agent: str, *, spacing: HostSpacing | None = None, **limits: typing.Any
    ) -> None:
        super().__init__(user_agent, **limits)
        self.spacing = spacing  # per-host bound and delay; None: the caller paces requests
        transport = GuardedTransport(self.guard)  # every connection, redirects included
        self._client = httpx.Client(
            headers=self.headers,
            transport=transport,
            trust_env=False,  # a proxy from the environment would connect on our behalf, unchecked
            follow_redirects=False,  # followed by hand: each hop's scheme is checked
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; raise FetchError unless it yields a 2xx or a 304.

        `etag` and `last_modified` are the validators stored from the previous
        fetch; when the server says nothing changed the result has status 304
        and empty content, and keeps the validators so they can be stored again.
        """
        if self.spacing is None:
            return self._fetch(url, etag, last_modified, accept)
        try:
            with self.spacing.slot(url):
                return self._fetch(url, etag, last_modified, accept)
        except HostPaused as exc:
            raise FetchError(url, str(exc), retry_after=exc.seconds) from exc
        except FetchError as exc:
            if exc.retry_after is not None:
                self.spacing.pause(url, exc.retry_after)
            raise

    def _fetch(
        self, url: str, etag: str | None, last_modified: str | None, accept: str | None
    ) -> FetchResult:
        deadline = time.monotonic() + self.total_timeout
        request = _build_request(
            self._client, url, self._request_headers(etag, last_modified, accept)
        )
        for _hop in range(self.max_redirects + 1):
            self._prepare_hop(url, request, deadline)
            try:
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise self._error(url, exc, deadline) from exc
            except (httpx.InvalidURL, ValueError) as exc:
                raise _bad_redirect(url, exc) from exc
            try:
                if response.has_redirect_location and response.next_request is not None:
                    request = response.next_request
                    continue
                early = self._early_result(url, request, response, etag, last_modified)
                if early is not None:
                    return early
                decoder = _decoder(url, _encoding(response))
                body = bytearray()
                try:
                    for raw in response.iter_raw():
                        self._take(url, decoder, body, raw, deadline)
                except httpx.HTTPError as exc:
                    raise self._error(url, exc, deadline) from exc
                return self._full_result(url, request, response, bytes(body))
            finally:
                response.close()
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")


class AsyncFetcher(_FetcherBase):
    """The asynchronous client: same limits, same answers, same errors as Fetcher.

    Use one per event loop, inside `async with`.
    """

    def __init__(self, user_agent: str, **limits: typing.Any) -> None:
        super().__init__(user_agent, **limits)
        # One polling round talks to many hosts at once: keep a connection per
        # host alive between its requests (httpx keeps only 20 by default).
        transport = GuardedAsyncTransport(
            self.guard, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)
        )
        self._client = httpx.AsyncClient(
            headers=self.headers,
            transport=transport,
            trust_env=False,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """As Fetcher.fetch."""
        deadline = time.monotonic() + self.total_timeout
        request = _build_request(
            self._client, url, self._request_headers(etag, last_modified, accept)
        )
        for _hop in range(self.max_redirects + 1):
            self._prepare_hop(url, request, deadline)
            try:
                response = await self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise self._error(url, exc, deadline) from exc
            except (httpx.InvalidURL, ValueError) as exc:
                raise _bad_redirect(url, exc) from exc
            try:
                if response.has_redirect_location and response.next_request is not None:
                    request = response.next_request
                    continue
                early = self._early_result(url, request, response, etag, last_modified)
                if early is not None:
                    return early
                decoder = _decoder(url, _encoding(response))
                body = bytearray()
                try:
                    async for raw in response.aiter_raw():
                        self._take(url, decoder, body, raw, deadline)
                except httpx.HTTPError as exc:
                    raise self._error(url, exc, deadline) from exc
                return self._full_result(url, request, response, bytes(body))
            finally:
                await response.aclose()
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")


def _build_request(
    client: httpx.Client | httpx.AsyncClient, url: str, headers: dict[str, str]
) -> httpx.Request:
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    if scheme not in _SCHEMES:
        # Said before httpx reads it: httpx takes "data:,x" for a relative path.
        raise FetchError(url, f"unsupported URL scheme {scheme!r} in {url[:200]}")
    try:
        return client.build_request("GET", url, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
        raise FetchError(url, f"invalid URL: {exc}") from exc


def _check_url(url: str, target: httpx.URL) -> None:
    if target.scheme not in _SCHEMES:
        raise FetchError(url, f"unsupported URL scheme {target.scheme!r} in {target}")
    try:
        host = target.host  # decoding an IDNA name can fail (xn--)
    except ValueError as exc:
        raise FetchError(url, f"invalid URL: bad host name in {target} ({exc})") from exc
    if not host:
        raise FetchError(url, f"invalid URL: no host in {target}")
    if target.port is not None and not 0 < target.port < 65536:
        raise FetchError(url, f"invalid URL: port {target.port} out of range in {target}")


def _bad_redirect(url: str, exc: Exception) -> FetchError:
    """A redirect httpx could not even turn into a request: data:, mailto:, http:foo, xn--.

    httpx builds the next request while reading the response, before our own
    check of each hop's scheme and host can run, and raises its URL errors
    (or IDNA's, which are ValueErrors) instead of an HTTPError.
    """
    return FetchError(url, f"redirected to an unusable URL ({type(exc).__name__}: {exc})")


def _encoding(response: httpx.Response) -> str:
    value: str = response.headers.get("Content-Encoding", "identity")
    return value.strip().lower()


def _decoder(url: str, encoding: str) -> _BodyDecoder:
    if encoding in ("", "identity"):
        return _BodyDecoder(url, None)
    if encoding in ("gzip", "x-gzip"):
        return _BodyDecoder(url, 16 + zlib.MAX_WBITS)
    if encoding == "br":
        return _BrotliDecoder(url)
    if encoding == "deflate":
        # "deflate" is meant to be zlib-wrapped, but servers send raw deflate too;
        # the first bytes tell which (see _BodyDecoder).
        return _BodyDecoder(url, zlib.MAX_WBITS, raw_fallback=True)
    raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")


class _BodyDecoder:
    """Incremental Content-Encoding decoder that never yields more than asked for.

    Anything after the end of the compressed stream is ignored, as browsers
    do with the padding some servers append.
    """

    def __init__(self, url: str, wbits: int | None, *, raw_fallback: bool = False) -> None:
        self._url = url
        self._raw_fallback = raw_fallback
        self._inflater = zlib.decompressobj(wbits) if wbits is not None else None
        self._started = False

    def __call__(self, data: bytes, limit: int) -> Iterator[bytes]:
        if self._inflater is None:
            yield data
            return
        if not self._started and data:
            self._started = True
            # A zlib stream's first byte has 8 (deflate) in its low nibble.
            if self._raw_fallback and (data[0] & 0x0F) != 8:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        while data and limit > 0 and not self._inflater.eof:
            try:
                out = self._inflater.decompress(data, limit)
            except zlib.error as exc:
                raise FetchError(self._url, f"corrupt compressed body: {exc}") from exc
            if out:
                yield out
                limit -= len(out)
            data = self._inflater.unconsumed_tail


class _BrotliDecoder(_BodyDecoder):
    """Brotli, with the same promise: never more output per step than asked for."""

    def __init__(self, url: str) -> None:
        super().__init__(url, None)
        self._brotli = brotli.Decompressor()

    def __call__(self, data: bytes, limit: int) -> Iterator[bytes]:
        try:
            while limit > 0 and not self._brotli.is_finished():
                out = self._brotli.process(data, output_buffer_limit=limit)
                data = b""  # the rest stays buffered inside until it can take more
                if not out:
                    if self._brotli.can_accept_more_data():
                        return
                    continue
                yield out
                limit -= len(out)
        except brotli.error as exc:
            raise FetchError(self._url, f"corrupt compressed body: {exc}") from exc


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("Content-Type", "")
    return value.split(";", 1)[0].strip().lower()


def _reason(response: httpx.Response) -> str:
    return response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)


def _describe(exc: httpx.HTTPError, fetcher: _FetcherBase, deadline: float) -> str:
    """A short message a newsroom editor can act on, instead of a socket traceback."""
    if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline - 0.05:
        # The wait was cut short to honour the total deadline: say so.
        return f"timed out after {fetcher.total_timeout:g} s"
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return f"connection timed out after {fetcher.connect_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"read timed out after {fetcher.read_timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "refused" in text.lower():
            return "connection refused"
        if "name or service not known" in text.lower() or "nodename nor servname" in text:
            return "host not found"
        return f"connection failed: {text}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects (more than {fetcher.max_redirects})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {exc}"
    if isinstance(exc, httpx.DecodingError):
        return f"corrupt body: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
