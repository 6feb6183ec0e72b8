"""Polite, bounded HTTP GET for feeds and article pages.

Every byte babelwire processes comes through here, from servers it does not
control. So each request is bounded in every dimension a hostile or broken
server can stretch: time to connect, time between bytes, total time (a server
that drips one byte a second never trips a read timeout), body size measured
after decompression (a 50 kB gzip can inflate to gigabytes), redirect count,
and URL scheme (a redirect to file:// or ftp:// is never followed). Conditional
GET (ETag / Last-Modified) makes an unchanged feed cost one tiny 304.

Not here yet: robots.txt, per-host rate limits and the SSRF guard (refusing
private and loopback addresses) belong in front of this class, in the fetch
stage's policy layer.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from types import TracebackType
from typing import Self

import httpx

from babelwire import __version__
from babelwire.model import FetchResult

__all__ = ["FetchError", "Fetcher", "user_agent"]

_SCHEMES = ("http", "https")


def user_agent(about_url: str) -> str:
    """The User-Agent babelwire announces: who we are and where to read about us.

    Publishers decide whether to allow a crawler from its User-Agent; the URL
    of the site's About page (what it does, whom to contact) lets them find
    out instead of simply blocking it.
    """
    return f"babelwire/{__version__} (+{about_url})"


class FetchError(Exception):
    """A fetch that did not yield a usable response.

    `status` is the HTTP status when the server answered (404, 500, ...), and
    None when it never did (refused, timed out, too large, bad URL): callers
    treat a 410 differently from a timeout, so it must not be parsed back out
    of the message.
    """

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"FetchError({self.url!r}, {self.message!r}, status={self.status!r})"


class Fetcher:
    """One shared HTTP client with babelwire's limits; reuse it for many fetches.

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
        self,
        user_agent: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 60.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._client = httpx.Client(
            headers={
                "User-Agent": user_agent,
                # Only what we can decode ourselves under the size cap; httpx
                # would otherwise also offer br/zstd when those are installed.
                "Accept-Encoding": "gzip, deflate",
            },
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
        deadline = time.monotonic() + self.total_timeout
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept

        request = self._build_request(url, headers)
        for _hop in range(self.max_redirects + 1):
            self._check_url(url, request.url)
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
            try:
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError(url, _describe(exc, self, deadline)) from exc
            try:
                if response.has_redirect_location and response.next_request is not None:
                    request = response.next_request
                    continue
                return self._result(url, request, response, deadline, etag, last_modified)
            finally:
                response.close()
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    def _build_request(self, url: str, headers: dict[str, str]) -> httpx.Request:
        try:
            return self._client.build_request("GET", url, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
            raise FetchError(url, f"invalid URL: {exc}") from exc

    @staticmethod
    def _check_url(url: str, target: httpx.URL) -> None:
        if target.scheme not in _SCHEMES:
            raise FetchError(url, f"unsupported URL scheme {target.scheme!r} in {target}")
        if not target.host:
            raise FetchError(url, f"invalid URL: no host in {target}")

    def _result(
        self,
        url: str,
        request: httpx.Request,
        response: httpx.Response,
        deadline: float,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        status = response.status_code
        final_url = str(request.url)
        new_etag = response.headers.get("ETag")
        new_last_modified = response.headers.get("Last-Modified")
        if status == 304:
            return FetchResult(
                url=url,
                final_url=final_url,
                status=304,
                content=b"",
                content_type=_media_type(response),
                etag=new_etag or etag,
                last_modified=new_last_modified or last_modified,
            )
        if status >= 400:
            raise FetchError(url, f"HTTP {status} {_reason(response)}", status)
        if not 200 <= status < 300:
            raise FetchError(url, f"unexpected HTTP {status} {_reason(response)}", status)
        content = self._read_body(url, response, deadline)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            content=content,
            content_type=_media_type(response),
            etag=new_etag,
            last_modified=new_last_modified,
        )

    def _read_body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """Read and decode the body, stopping at max_bytes and at the total deadline.

        Decoding is done here rather than by httpx because httpx inflates a
        whole network chunk at once: a 64 kB chunk of a gzip bomb becomes
        tens of megabytes before any size check could run. zlib's max_length
        keeps every step within the cap.
        """
        length = response.headers.get("Content-Length", "")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("", "identity") and length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(url, self._too_large())
        decoder = _decoder(url, encoding)
        body = bytearray()
        try:
            for raw in response.iter_raw():
                for piece in decoder(raw, self.max_bytes - len(body) + 1):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise FetchError(url, self._too_large())
                if time.monotonic() > deadline:
                    raise FetchError(url, f"timed out after {self.total_timeout:g} s")
        except httpx.HTTPError as exc:
            raise FetchError(url, _describe(exc, self, deadline)) from exc
        return bytes(body)

    def _too_large(self) -> str:
        return f"response larger than {self.max_bytes} bytes"


def _decoder(url: str, encoding: str) -> _BodyDecoder:
    if encoding in ("", "identity"):
        return _BodyDecoder(url, None)
    if encoding in ("gzip", "x-gzip"):
        return _BodyDecoder(url, 16 + zlib.MAX_WBITS)
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


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("Content-Type", "")
    return value.split(";", 1)[0].strip().lower()


def _reason(response: httpx.Response) -> str:
    return response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)


def _describe(exc: httpx.HTTPError, fetcher: Fetcher, deadline: float) -> str:
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
