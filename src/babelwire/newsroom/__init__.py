"""The newsroom: one site's settings and database, its services, its caches.

`Site` is what every read needs (settings, database, sessions); `Services` are the
fetcher, robots cache and translation engines, built on first use; `Caches` hold
what one process keeps between calls. `Newsroom` is a Site with both, opened once
by the CLI, the web app and each worker. A function takes the smallest of these
that does its work: the public site takes a Site, a use case that fetches or
translates takes a Newsroom.
"""

from babelwire.newsroom.caches import Caches, StoryDesk
from babelwire.newsroom.newsroom import Newsroom
from babelwire.newsroom.services import Services, engine_options, source_allowance
from babelwire.newsroom.site import Site

__all__ = [
    "Caches",
    "Newsroom",
    "Services",
    "Site",
    "StoryDesk",
    "engine_options",
    "source_allowance",
]
