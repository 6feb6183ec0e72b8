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


def test_more_click_trackers_and_userinfo_case() -> None:
    url = "https://WWW.News.Example/story?id=7&gclid=a&_ga=b&mkt_tok=c&ocid=d&UTM_Medium=e#x"
    assert canonical_url(url) == "https://www.news.example/story?id=7"
    # a fragment alone never makes another article
    assert canonical_url("https://n.example/a#one") == canonical_url("https://n.example/a#two")
