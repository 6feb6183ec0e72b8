"""The ASGI app serving the public site: the same pages and paths as the static export."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from babelwire.publish.pages import SitePages
from babelwire.publish.paths import STYLESHEET, parse_article_ref, url_for_section

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom

# Pages use no scripts, frames, forms or outside resources; say so to the browser.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PAGE_CACHE = "public, max-age=60"
STYLE_CACHE = "public, max-age=31536000, immutable"


def _html(body: str, status_code: int = 200) -> HTMLResponse:
    headers = dict(SECURITY_HEADERS)
    headers["Cache-Control"] = PAGE_CACHE if status_code == 200 else "no-cache"
    return HTMLResponse(body, status_code=status_code, headers=headers)


def create_app(newsroom: Newsroom) -> Starlette:
    """The public site of `newsroom` as an ASGI app."""
    return create_app_for_pages(SitePages.for_newsroom(newsroom))


def create_app_for_pages(pages: SitePages) -> Starlette:
    async def render(build: Callable[[], str | None]) -> Response:
        body = await run_in_threadpool(build)
        if body is None:
            raise HTTPException(status_code=404)
        return _html(body)

    async def home(request: Request) -> Response:
        return await render(pages.home)

    async def front(request: Request) -> Response:
        lang = request.path_params["lang"]
        return await render(lambda: pages.front(lang))

    async def about(request: Request) -> Response:
        lang = request.path_params["lang"]
        return await render(lambda: pages.about(lang))

    async def section(request: Request) -> Response:
        lang = request.path_params["lang"]
        slug = request.path_params["slug"]
        page = int(request.path_params.get("page", 1))
        if page == 1 and "page" in request.path_params:
            return RedirectResponse(url_for_section(lang, slug), status_code=301)
        return await render(lambda: pages.section(lang, slug, page))

    async def article(request: Request) -> Response:
        lang = request.path_params["lang"]
        article_id = parse_article_ref(request.path_params["ref"])
        if article_id is None:
            raise HTTPException(status_code=404)
        canonical = await run_in_threadpool(pages.article_url, lang, article_id)
        if canonical is None:
            raise HTTPException(status_code=404)
        if canonical != request.url.path:
            return RedirectResponse(canonical, status_code=301)
        return await render(lambda: pages.article(lang, article_id))

    async def style(request: Request) -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": STYLE_CACHE, "X-Content-Type-Options": "nosniff"},
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status != 404:
            return Response(status_code=status)
        segment = request.url.path.strip("/").split("/", 1)[0]
        body = await run_in_threadpool(pages.not_found, segment or None)
        return _html(body, status_code=404)

    routes = [
        Route("/", home),
        Route("/style.css", style),
        Route("/{lang}/", front),
        Route("/{lang}/about/", about),
        Route("/{lang}/section/{slug}/", section),
        Route("/{lang}/section/{slug}/page/{page:int}/", section),
        Route("/{lang}/article/{ref}/", article),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found})
