"""Canonical URLs: the same article reached by slightly different addresses is one article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and DEFAULT_PORTS.get(scheme) != parts.port:
        host = f"{host}:{parts.port}"
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
    so does anything urllib cannot parse (an invalid IPv6 literal, say).
    """
    link = clean_text(link)
    if not link:
        return ""
    try:
        absolute = urljoin(base_url, link)
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return absolute
