"""Canonical URLs: the same article reached by slightly different addresses is one article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from babelwire.pipeline.extract.text import clean_text

# Query parameters that only track a click and never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ocid",
        "cmpid",
        "s_cid",
        "wt_mc",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, drop default ports, fragments and tracking parameters.

    >>> canonical_url("HTTPS://News.Example:443/a?utm_source=x&id=3#top")
    'https://news.example/a?id=3'
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # Not a URL urllib can take apart (a bad port or IPv6 literal): it is
        # still a key for its article, just not one that can be tidied.
        return url.strip().split("#", 1)[0]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def absolute_http_url(link: str, base_url: str) -> str:
    """`link` made absolute against `base_url` when it is http(s), else "".

    javascript:, mailto:, data: and other non-article links come back empty, and
    so does anything that could never be fetched: what urllib cannot parse (an
    invalid IPv6 literal), a port outside 1-65535, a host name IDNA refuses
    (`xn--`), whitespace inside the address.
    """
    link = clean_text(link)
    if not link:
        return ""
    try:
        absolute = urljoin(base_url, link)
        parts = urlsplit(absolute)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if port is not None and not 0 < port < 65536:
        return ""
    try:
        # The fetcher's own reading of the URL: what it refuses is no article link.
        # Decoding the host is where IDNA refuses a name such as `xn--`.
        host = httpx.URL(absolute).host
    except (httpx.InvalidURL, ValueError):  # IDNA errors are ValueErrors
        return ""
    return absolute if host else ""
