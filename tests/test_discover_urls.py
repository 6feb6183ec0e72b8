"""Canonical URLs: one article however it is linked."""

from __future__ import annotations

from babelwire.pipeline.discover.urls import canonical_url


def test_tracking_parameters_ports_case_and_fragments_are_dropped() -> None:
    assert (
        canonical_url("HTTPS://News.Example:443/a/b?utm_source=rss&id=3&fbclid=x#comments")
        == "https://news.example/a/b?id=3"
    )
    assert canonical_url("http://news.example:8080/x") == "http://news.example:8080/x"
    assert canonical_url("http://news.example") == "http://news.example/"


def test_meaningful_query_order_is_kept() -> None:
    assert canonical_url("http://n.example/?b=2&a=1") == "http://n.example/?b=2&a=1"
