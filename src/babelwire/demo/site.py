"""Pointing a site at the sample outlets of a running DemoServer."""

from __future__ import annotations

from babelwire.demo.server import DemoServer
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom


def follow_outlets(newsroom: Newsroom, server: DemoServer, *, declare: bool = True) -> None:
    """Add every outlet of `server` as a source; with `declare`, with its language and section."""
    for outlet in server.outlets.values():
        add_source(
            newsroom,
            server.feed_url(outlet.slug),
            name=outlet.name,
            language=outlet.language if declare else None,
            section=outlet.section if declare else None,
            # The sample outlets live on loopback, which the SSRF guard refuses
            # unless the operator allows it for the source.
            allow_private=True,
        )
