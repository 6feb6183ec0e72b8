"""The ASGI app serving the public site: the same pages and paths as the static export.

The route table is here; the endpoints are in `babelwire.web.endpoints`, and read the
site's pages from the app's state.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount, Route

from babelwire.config import Config, ConfigError
from babelwire.publish.pages import SitePages
from babelwire.storage.data_version import DataVersion
from babelwire.web import endpoints
from babelwire.web.endpoints import FEED_KINDS
from babelwire.web.metrics import ProcessRequests, metrics_registry, metrics_routes
from babelwire.web.operations import operations_routes
from babelwire.web.page_cache import PageCache
from babelwire.web.websub import WebsubCallback, websub_routes

if TYPE_CHECKING:
    from babelwire.newsroom import Site


def create_app(site: Site) -> Starlette:
    """The public site of `site` as an ASGI app, with `/healthz`, `/readyz` and
    `/metrics`, the desk under `desk.path` and the JSON API under /api/v1 unless they
    are turned off."""
    from babelwire.newsroom import Newsroom

    # The desk's use cases and the readiness checks need the whole newsroom; it shares
    # the site's database.
    newsroom = (
        site
        if isinstance(site, Newsroom)
        else Newsroom(config=site.config, db=site.db, sessions=site.sessions)
    )
    mounts = []
    settings = site.config.settings
    if settings.desk.enabled:
        from babelwire.web.desk.app import create_desk_app

        mounts.append(Mount(settings.desk.path.rstrip("/"), app=create_desk_app(newsroom)))
    if settings.api.enabled:
        from babelwire.web.api.app import PREFIX, create_api_app, edge_settings

        mounts.append(Mount(PREFIX, app=create_api_app(newsroom)))
    extra = operations_routes() + metrics_routes() + websub_routes()
    app = create_app_for_pages(SitePages.for_site(site), mounts=mounts, extra=extra)
    if settings.api.enabled:
        from babelwire.web.api.edge import ApiEdge

        # Outside the page cache: a replayed answer is limited and revalidated too.
        app.add_middleware(ApiEdge, settings=edge_settings(newsroom))
    app.state.newsroom = newsroom
    app.state.metrics_registry, requests = metrics_registry(newsroom)
    app.state.websub = WebsubCallback(newsroom, app.state.metrics_registry)
    app.add_middleware(ProcessRequests, counter=requests)  # outermost: counts cached pages too
    return app


SITE_VARIABLE = "BABELWIRE_SERVE_SITE"


def server_options(config: Config) -> dict[str, Any]:
    """uvicorn's limits from the [serve] settings, with h11 as its HTTP parser (the one
    that bounds an unfinished request's bytes; httptools, were it installed, would not).

    uvicorn has no timeout for reading a request's headers: a client may keep a
    half-sent request open. `limit_concurrency` bounds how many it can hold, and a
    reverse proxy in front times them out (docs/deployment.md).
    """
    options: dict[str, Any] = {"http": "h11"}
    serve = config.settings.serve
    limits = (  # the setting, uvicorn's name for it, its value
        ("serve.limit_concurrency", "limit_concurrency", serve.limit_concurrency),
        ("serve.backlog", "backlog", serve.backlog),
        ("serve.timeout_keep_alive", "timeout_keep_alive", serve.timeout_keep_alive),
        ("serve.max_incomplete_bytes", "h11_max_incomplete_event_size", serve.max_incomplete_bytes),
    )
    for key, name, value in limits:
        if value < 1:
            raise ConfigError(f"{key}: expected a positive number, got {value}")
        options[name] = value
    return options


def app_for_worker() -> Starlette:
    """The app a `serve --workers N` worker process builds for itself, from the site
    folder the parent named in BABELWIRE_SERVE_SITE (each process opens its own
    database connections and keeps its own page cache)."""
    from babelwire.newsroom import Newsroom

    return create_app(Newsroom.open(Path(os.environ[SITE_VARIABLE])))


#: Smaller answers go as they are: compressing them saves less than it costs.
GZIP_MINIMUM_BYTES = 1000
#: Level 5 compresses a 19 KB page in half the time of level 9 to about the same size.
GZIP_LEVEL = 5


def site_routes() -> list[BaseRoute]:
    """Every page kind's path and endpoint (the static export writes the same paths)."""
    routes: list[BaseRoute] = [
        Route("/", endpoints.home),
        Route("/style.css", endpoints.style),
        Route("/favicon.svg", endpoints.favicon),
        Route("/media/{folder}/{name}", endpoints.media),
        Route("/robots.txt", endpoints.robots),
        Route("/sitemap.xml", endpoints.sitemap_index),
        Route("/sitemaps/{name}.xml", endpoints.sitemap),
        Route("/{lang}/", endpoints.front),
        Route("/{lang}/about/", endpoints.about),
        Route("/{lang}/search/", endpoints.search),
        Route("/{lang}/section/{slug}/", endpoints.section),
        Route("/{lang}/section/{slug}/page/{reader:int}/", endpoints.section),
        Route("/{lang}/section/{slug}/archive/{page:int}/", endpoints.section),
        Route("/{lang}/source/{source_id:int}/", endpoints.source),
        Route("/{lang}/source/{source_id:int}/page/{reader:int}/", endpoints.source),
        Route("/{lang}/source/{source_id:int}/archive/{page:int}/", endpoints.source),
        Route("/{lang}/story/{story_id:int}/", endpoints.story),
        Route("/{lang}/tag/{slug}/", endpoints.tag),
        Route("/{lang}/tag/{slug}/page/{reader:int}/", endpoints.tag),
        Route("/{lang}/tag/{slug}/archive/{page:int}/", endpoints.tag),
        Route("/{lang}/article/{ref}/", endpoints.article),
        Route("/{lang}/article/{ref}/original/", endpoints.original),
    ]
    for file_name in FEED_KINDS:
        routes.append(Route(f"/{{lang}}/{file_name}", endpoints.edition_feed))
        routes.append(Route(f"/{{lang}}/section/{{slug}}/{file_name}", endpoints.list_feed))
        routes.append(Route(f"/{{lang}}/tag/{{slug}}/{file_name}", endpoints.list_feed))
        routes.append(
            Route(f"/{{lang}}/source/{{source_id:int}}/{file_name}", endpoints.source_feed)
        )
        routes.append(Route(f"/{{lang}}/story/{{story_id:int}}/{file_name}", endpoints.story_feed))
    return routes


def create_app_for_pages(
    pages: SitePages, mounts: list[Mount] | None = None, extra: list[Route] | None = None
) -> Starlette:
    """The site `pages` renders as an ASGI app; its endpoints find `pages` in `app.state`.
    `mounts` (the desk, the API) and `extra` routes are matched before the site's own."""
    seconds = float(pages.config.settings.site.page_cache_seconds)
    version = DataVersion(pages.sessions.kw["bind"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            version.close()

    app = Starlette(
        routes=[*(mounts or []), *(extra or []), *site_routes()],
        exception_handlers={404: endpoints.not_found},
        lifespan=lifespan,
    )
    app.state.pages = pages
    # Starlette's own redirect names the request's Host: `not_found` redirects instead.
    app.router.redirect_slashes = False
    if seconds > 0 and version.supported:
        api_seconds = float(pages.config.settings.api.cache_seconds)
        longer = (("/api/", api_seconds),)
        app.add_middleware(
            PageCache,
            seconds=seconds,
            version=version,
            longer=longer,
            gzip_level=GZIP_LEVEL,
            gzip_minimum=GZIP_MINIMUM_BYTES,
        )
    # Outermost: pages, feeds and the API's answers travel compressed (a page a third of
    # its size) to a client that takes gzip, whatever answered them.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    return app
