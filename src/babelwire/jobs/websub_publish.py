"""The publisher side of WebSub: when a pass publishes, the hub this site names in its
feeds (`websub.publisher_hub`) is pinged with each feed that changed, so feed readers
subscribed through it get the translations within seconds.

A ping is `hub.mode=publish` with `hub.url` the feed's URL, one request per feed, sent
through the SSRF guard like any request babelwire makes. How each went is stored
(`websub_pings`) and logged; a hub that fails never stops a pass or a build. A hub
that does not answer at all is not asked again for the other feeds of that ping.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from babelwire.clock import utcnow
from babelwire.newsroom import Newsroom
from babelwire.pipeline.websub.hub import ask_hub
from babelwire.publish.paths import FEED_TYPES, url_for_feed
from babelwire.storage import websub as subscriptions

__all__ = ["changed_feeds", "ping_for_published", "ping_hub"]

log = logging.getLogger("babelwire.websub")


def changed_feeds(newsroom: Newsroom, sections: Iterable[str | None]) -> list[str]:
    """The absolute URLs of each edition's feeds and of `sections`' feeds."""
    config = newsroom.config
    named = sorted({s for s in sections if s and config.section(s) is not None})
    urls = []
    for language in config.languages:
        for section in [None, *named]:
            for kind in FEED_TYPES:
                urls.append(config.base_url + url_for_feed(language, kind, section))
    return urls


def ping_hub(newsroom: Newsroom, topics: Sequence[str]) -> int:
    """Tell the publisher hub that `topics` changed; how many pings it took."""
    hub = newsroom.config.settings.websub.publisher_hub
    if not hub or not topics:
        return 0
    taken = 0
    unreachable = ""
    with newsroom.sessions() as session:
        for topic in topics:
            if unreachable:
                ok, detail = False, unreachable
            else:
                answer = ask_hub(newsroom.fetcher, hub, {"hub.mode": "publish", "hub.url": topic})
                ok, detail = answer.ok, answer.detail
                if answer.status is None and not answer.ok:
                    unreachable = detail
            taken += ok
            subscriptions.record_ping(session, topic, hub, utcnow(), ok, detail)
        session.commit()
    if taken < len(topics):
        log.warning(
            "websub: the hub %s took %d of %d pings: %s",
            hub,
            taken,
            len(topics),
            unreachable or "see websub_pings",
        )
    return taken


def ping_for_published(newsroom: Newsroom, sections: Iterable[str | None]) -> None:
    """After articles filed under `sections` were published: ping the hub with each
    edition's feeds and those sections'. Whatever goes wrong is logged; the caller's
    work goes on."""
    if not newsroom.config.settings.websub.publisher_hub:
        return
    try:
        ping_hub(newsroom, changed_feeds(newsroom, sections))
    except Exception:
        log.exception("websub: pinging the publisher hub failed")
