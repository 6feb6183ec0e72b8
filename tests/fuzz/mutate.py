"""Hypothesis strategies that turn real documents into hostile ones.

A fuzzer that only invents bytes rarely gets past a parser's first check; one
that starts from real feeds, sitemaps and pages and breaks them reaches the
code behind it. Each mutation is what a broken or malicious server sends:
truncation, spliced fragments, flipped bytes, and snippets that crashed
parsers before (entities out of range, stray closing tags, odd declarations).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import strategies as st

# Each of these once made a parser raise something other than its own error.
HOSTILE_SNIPPETS: tuple[bytes, ...] = (
    b"<>&#x110000;",
    b"<>&#9999999999;",
    b"&#0;",
    b"&#xD800;",
    b"</width>",
    b"<item<textInput<description>",
    b'<?encoding="\xbf"?>',
    b'<?xml version="1.0" encoding="bogus-8"?>',
    b"<:ss/>",
    b"<![CDATA[",
    b"]]>",
    b'<!DOCTYPE x [<!ENTITY a "&a;">]>',
    b'<link rel=alternate href="http://[">',
    b'<a href="javascript:alert(1)">',
    b'<a href="http://xn--/">x</a>',
    b'<a href="http://127.0.0.1:99999/">x</a>',
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x00",
    b"<loc>data:text/html,x</loc>",
    b"<url><loc>http:foo</loc></url>",
    b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1' + b"9" * 5000 + b"}]}",
    b'{"items": [null, 1, "x", {"id": []}]}',
    b"<sitemapindex><sitemap><loc>",
    b'xmlns="&#xD800;',
    b"<!doctype html><html>",
    b"HTTP://http://",
    b"0001-01-01T00:00:00+23:59",
    b"9999-12-31T23:59:59-23:59",
)


def seed_files(folder: Path, pattern: str, limit: int = 400) -> list[bytes]:
    """Up to `limit` files under `folder` (empty when the corpus is absent)."""
    if not folder.is_dir():
        return []
    return [p.read_bytes() for p in sorted(folder.rglob(pattern))[:limit]]


@st.composite
def _mutation(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(("insert", "truncate", "flip", "duplicate", "delete")))
        at = draw(st.integers(min_value=0, max_value=len(data)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE_SNIPPETS) | st.binary(max_size=16))
        elif kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            index = min(at, len(data) - 1)
            data[index] = draw(st.integers(min_value=0, max_value=255))
        elif kind == "duplicate":
            end = draw(st.integers(min_value=at, max_value=min(len(data), at + 200)))
            data[at:at] = data[at:end]
        elif kind == "delete":
            end = draw(st.integers(min_value=at, max_value=min(len(data), at + 50)))
            del data[at:end]
    return bytes(data)


def mutated(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Bytes from a mutated seed, a bare hostile snippet, or random bytes."""
    bare = st.sampled_from(HOSTILE_SNIPPETS) | st.binary(max_size=512)
    if not seeds:
        return bare
    return st.sampled_from(list(seeds)).flatmap(_mutation) | bare
