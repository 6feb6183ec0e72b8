"""Canonical URLs: the same article reached by slightly different addresses is one article."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

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
    import httpx  # here, not at the top: commands that only validate a URL never load it

    try:
        # The fetcher's own reading of the URL: what it refuses is no article link.
        # Decoding the host is where IDNA refuses a name such as `xn--`.
        host = httpx.URL(absolute).host
    except (httpx.InvalidURL, ValueError):  # IDNA errors are ValueErrors
        return ""
    return absolute if host else ""


# The longest source URL accepted: what the sources table stores, and far beyond any real feed's.
MAX_URL_CHARS = 2048
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# A last label like this makes browsers and resolvers read the host as an IPv4 address,
# in whatever notation (0177.0.0.1, 0x7f.1, 2130706433 are all 127.0.0.1).
_NUMERIC = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
# Unicode categories never valid in a URL an operator means: controls, format characters
# (bidirectional overrides, zero-width spaces) and separators.
# Refused in a source URL: controls, format characters, spaces and separators, and
# lone surrogates (bytes that were not UTF-8, passed on by the shell).
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})


class InvalidSourceURL(ValueError):
    """A URL that cannot be followed as a source, with the reason in its message."""


def _printable(part: str) -> str:
    """`part` with the characters Unicode does not print (not yet assigned, or kept for
    private use) as their UTF-8 bytes in %XX form: the same address, one that every
    log, terminal and page shows as it is."""
    return "".join(char if char.isprintable() else quote(char, safe="") for char in part)


def validate_source_url(url: str) -> str:
    """`url` checked for use as a source and normalised, or InvalidSourceURL saying why.

    Accepted: http and https, a host name (IDNA: Unicode names are stored in their
    xn-- form; one trailing dot is dropped), a dotted-decimal IPv4 or bracketed
    IPv6 address, a port from 1 to 65535, at most MAX_URL_CHARS characters.
    Refused: spaces and control characters anywhere, user:password@ (it would be
    shown with the source's name on the site), and IPv4 addresses written in odd
    notations (octal, hex, one number), which hide what they point to.

    >>> validate_source_url(" HTTPS://Bücher.Example./feed ")
    'https://xn--bcher-kva.example/feed'
    """
    url = url.strip()
    shown = _shown(url)
    if len(url) > MAX_URL_CHARS:
        raise InvalidSourceURL(f"{shown}: longer than {MAX_URL_CHARS} characters ({len(url)})")
    for position, char in enumerate(url):
        if unicodedata.category(char) in _INVISIBLE:
            raise InvalidSourceURL(
                f"{shown}: contains {unicodedata.name(char, repr(char))} at character "
                f"{position + 1}; a URL has no spaces or control characters"
            )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidSourceURL(f"{shown}: not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidSourceURL(f"{shown}: not an http(s) URL")
    if "@" in parts.netloc:
        raise InvalidSourceURL(
            f"{shown}: a user name or password in a source URL is not accepted "
            "(it would be stored and shown with the source)"
        )
    if port == 0:
        raise InvalidSourceURL(f"{shown}: port 0 is not a port (1-65535)")
    if parts.netloc.endswith(":"):
        raise InvalidSourceURL(f"{shown}: a colon with no port after it")
    host = _checked_host(parts.hostname or "", bracketed=parts.netloc.startswith("["), shown=shown)
    netloc = host if port is None else f"{host}:{port}"
    path, query, fragment = (_printable(part) for part in (parts.path, parts.query, parts.fragment))
    normal = urlunsplit((scheme, netloc, path, query, fragment))
    if len(normal) > MAX_URL_CHARS:
        raise InvalidSourceURL(f"{shown}: longer than {MAX_URL_CHARS} characters once encoded")
    return normal


def private_host_reason(url: str) -> str:
    """Why `url`'s host is on a loopback, private or otherwise non-public network, or "".

    Only what the URL itself says (localhost, an address literal); a public name
    that resolves to a private address is the fetch guard's to stop.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine (loopback)"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return f"{host} is this machine (loopback)"
    if address.is_link_local:
        return f"{host} is a link-local address"
    if address.is_private:
        return f"{host} is on a private network"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return f"{host} is not a public address"
    return ""


def _checked_host(host: str, *, bracketed: bool, shown: str) -> str:
    if not host:
        raise InvalidSourceURL(f"{shown}: no host name")
    if bracketed:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError as exc:
            raise InvalidSourceURL(f"{shown}: not a valid IPv6 address ({exc})") from exc
    if host.endswith("."):
        host = host[:-1]  # the same name written fully qualified
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
        ascii_host.encode("ascii").decode("idna")  # every xn-- label must decode
    except UnicodeError as exc:
        raise InvalidSourceURL(f"{shown}: {host!r} is not a valid host name ({exc})") from exc
    labels = ascii_host.split(".")
    if _NUMERIC.fullmatch(labels[-1]):
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError as exc:
            raise InvalidSourceURL(
                f"{shown}: {host!r} is an IPv4 address in an unusual notation (octal, hex "
                "or a single number); write it in dotted decimal, like 192.0.2.1"
            ) from exc
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidSourceURL(
            f"{shown}: {host!r} is not a valid host name (letters, digits and hyphens, "
            "dot-separated labels of 1 to 63 characters)"
        )
    return ascii_host


def _shown(url: str, limit: int = 100) -> str:
    """`url` for a message: quoted so that odd characters show, and cut when long."""
    return repr(url if len(url) <= limit else url[:limit] + "...")
