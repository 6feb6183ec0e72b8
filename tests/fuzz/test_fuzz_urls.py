"""URL normalisation: canonical_url and absolute_http_url never raise, and what
absolute_http_url gives is an http(s) URL the fetcher accepts."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from babelwire.pipeline.discover.urls import absolute_http_url, canonical_url

PIECES = [
    "http://",
    "https://",
    "HTTP://",
    "//",
    "data:",
    "javascript:",
    "mailto:",
    "http:",
    "xn--",
    "xn--bcher-kva",
    "é",
    "[",
    "]",
    "::1",
    ":",
    ":99999",
    ":0",
    ":80",
    ":443",
    "@",
    "user:pw@",
    "/",
    "?",
    "#",
    "&",
    "=",
    "utm_source=x",
    "%",
    "%zz",
    " ",
    "\t",
    "\x00",
    "\\",
    "news.example",
    "127.0.0.1",
    "a" * 70,
    ".",
    "..",
]
URLS = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=10).map("".join)
BASES = (
    st.sampled_from(
        ["https://news.example/a/b", "http://127.0.0.1:8080/", "https://[::1]/x", "", "http:foo"]
    )
    | URLS
)


@given(URLS, BASES)
def test_url_normalisation_never_raises(link: str, base: str) -> None:
    assert isinstance(canonical_url(link), str)
    absolute = absolute_http_url(link, base)
    if absolute:
        assert absolute.lower().startswith(("http://", "https://"))
        url = httpx.URL(absolute)  # the fetcher takes it as it is
        assert url.host
        assert url.port is None or 0 < url.port < 65536
        assert isinstance(canonical_url(absolute), str)
