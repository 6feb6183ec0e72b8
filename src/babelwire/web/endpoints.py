"""The public site's endpoints, one per page kind: each reads the site's pages from the
app's state (`request.app.state.pages`, set by `babelwire.web.app`)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match

from babelwire.model import is_ascii_number
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import (
    FAVICON,
    FEED_TYPES,
    MEDIA_FOLDER,
    MEDIA_FORMATS,
    STYLESHEET,
    parse_article_ref,
    parse_media_path,
    url_for_media,
)
from babelwire.publish.rendering import is_row_id
from babelwire.web.api.problems import MEDIA_TYPE, problem_body

# Pages use no scripts, frames or outside resources; say so to the browser. The one
# form (search) submits to this site.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PAGE_CACHE = "public, max-age=60"
STYLE_CACHE = "public, max-age=31536000, immutable"
FEED_KINDS = {"feed.xml": "rss", "atom.xml": "atom", "feed.json": "json"}
MAX_PAGE = 1_000_000


def _html(body: str, status_code: int = 200) -> HTMLResponse:
    headers = dict(SECURITY_HEADERS)
    headers["Cache-Control"] = PAGE_CACHE if status_code == 200 else "no-cache"
    return HTMLResponse(body, status_code=status_code, headers=headers)


def _document(body: bytes | str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Cache-Control": PAGE_CACHE, "X-Content-Type-Options": "nosniff"},
    )


def _page_number(request: Request) -> int:
    """?page=N for lists addressed by query (search); anything odd is page 1."""
    raw = request.query_params.get("page", "1")
    return int(raw) if is_ascii_number(raw) and 0 < int(raw) <= MAX_PAGE else 1


def _list_page(request: Request) -> tuple[int, int]:
    """A list's page from its path, as (archive page, reader page): (0, 0) for the
    list's own address, (n, 0) for archive page n >= 1 (/archive/n/), (0, k) for the
    reader's page k >= 2 counted from the newest (/page/k/)."""
    name = "page" if "page" in request.path_params else "reader"
    if name not in request.path_params:
        return 0, 0
    number = int(request.path_params[name])
    lowest = 1 if name == "page" else 2
    if not lowest <= number <= MAX_PAGE:  # also keeps huge numbers out of the database
        raise HTTPException(status_code=404)
    return (number, 0) if name == "page" else (0, number)


def _row_id(request: Request, name: str) -> int:
    """An id from the path: one no row can have (too large for the database) is a 404."""
    value = int(request.path_params[name])
    if not is_row_id(value):
        raise HTTPException(status_code=404)
    return value


def _article_id(request: Request) -> int:
    article_id = parse_article_ref(request.path_params["ref"])
    if article_id is None or not is_row_id(article_id):
        raise HTTPException(status_code=404)
    return article_id


# Characters left as they are when a path is written back into a Location header;
# everything else (a backslash, control characters, spaces) is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _other_slash(request: Request, routes: list[BaseRoute]) -> str | None:
    """The path with its trailing slash added (or dropped) when that path is a page.

    The Location is this site's path alone, never built from the request's Host header
    (a forged Host would turn the redirect into a link to any site, and a cache in front
    would keep it), and it cannot start with "//", which browsers read as another host.
    """
    path: str = request.scope["path"]  # decoded, as routes match it
    if path == "/":
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    scope = dict(request.scope)
    scope["path"] = other
    scope.pop("root_path", None)
    if not any(route.matches(scope)[0] is not Match.NONE for route in routes):
        return None
    location = "/" + quote(other.lstrip("/"), safe=_PATH_SAFE)
    query: bytes = request.scope.get("query_string", b"")
    return f"{location}?{quote(query, safe=_PATH_SAFE + '?%')}" if query else location


def _pages(request: Request) -> SitePages:
    pages: SitePages = request.app.state.pages
    return pages


async def _render(build: Callable[[], str | None]) -> Response:
    body = await run_in_threadpool(build)
    if body is None:
        raise HTTPException(status_code=404)
    return _html(body)


async def home(request: Request) -> Response:
    pages = _pages(request)
    return await _render(pages.home)


async def front(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    return await _render(lambda: pages.front(lang))


async def about(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    return await _render(lambda: pages.about(lang))


async def section(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    slug = request.path_params["slug"]
    page, reader = _list_page(request)
    return await _render(lambda: pages.section(lang, slug, page, reader))


async def source(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    source_id = _row_id(request, "source_id")
    page, reader = _list_page(request)
    return await _render(lambda: pages.source(lang, source_id, page, reader))


async def story(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    story_id = _row_id(request, "story_id")
    return await _render(lambda: pages.story(lang, story_id))


async def tag(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    slug = request.path_params["slug"]
    page, reader = _list_page(request)
    return await _render(lambda: pages.tag(lang, slug, page, reader))


async def search(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    query = request.query_params.get("q", "")
    page = _page_number(request)
    return await _render(lambda: pages.search(lang, query, page))


async def _article_path(request: Request, original: bool) -> Response | str:
    pages = _pages(request)
    lang = request.path_params["lang"]
    article_id = _article_id(request)
    canonical = await run_in_threadpool(pages.article_url, lang, article_id)
    if canonical is None:
        if await run_in_threadpool(pages.is_gone, article_id):
            body = await run_in_threadpool(pages.gone, lang)
            return _html(body, status_code=410)
        raise HTTPException(status_code=404)
    if original:
        canonical += "original/"
    if canonical != request.url.path:
        return RedirectResponse(canonical, status_code=301)
    return str(lang)


async def article(request: Request) -> Response:
    pages = _pages(request)
    lang = request.path_params["lang"]
    article_id = _article_id(request)
    # One read of the article gives both its canonical path and its page.
    found = await run_in_threadpool(pages.article_at, lang, article_id)
    if found is None:
        if await run_in_threadpool(pages.is_gone, article_id):
            return _html(await run_in_threadpool(pages.gone, lang), status_code=410)
        raise HTTPException(status_code=404)
    canonical, body = found
    if canonical != request.url.path:
        return RedirectResponse(canonical, status_code=301)
    return _html(body)


async def original(request: Request) -> Response:
    pages = _pages(request)
    found = await _article_path(request, original=True)
    if isinstance(found, Response):
        return found
    article_id = _article_id(request)
    return await _render(lambda: pages.original(found, article_id))


async def edition_feed(request: Request) -> Response:
    return await _feed(request, lambda pages, lang, kind: pages.feed(lang, kind))


async def list_feed(request: Request) -> Response:
    slug = request.path_params["slug"]
    if "/tag/" in request.url.path:
        return await _feed(request, lambda pages, lang, kind: pages.feed(lang, kind, tag=slug))
    return await _feed(request, lambda pages, lang, kind: pages.feed(lang, kind, slug))


async def source_feed(request: Request) -> Response:
    source_id = int(request.path_params["source_id"])
    return await _feed(
        request, lambda pages, lang, kind: pages.feed(lang, kind, source_id=source_id)
    )


async def story_feed(request: Request) -> Response:
    story = int(request.path_params["story_id"])
    return await _feed(request, lambda pages, lang, kind: pages.feed(lang, kind, story_id=story))


async def _feed(request: Request, make: Callable[[SitePages, str, str], bytes | None]) -> Response:
    """A feed document; its format is the file name's (feed.xml, atom.xml, feed.json)."""
    pages = _pages(request)
    lang = request.path_params["lang"]
    kind = FEED_KINDS[request.url.path.rsplit("/", 1)[1]]
    body = await run_in_threadpool(make, pages, lang, kind)
    if body is None:
        raise HTTPException(status_code=404)
    return _document(body, FEED_TYPES[kind] + "; charset=utf-8")


async def sitemap_index(request: Request) -> Response:
    pages = _pages(request)
    body = await run_in_threadpool(pages.sitemap_index)
    return _document(body, "application/xml")


async def sitemap(request: Request) -> Response:
    pages = _pages(request)
    name = request.path_params["name"]
    if name == "news":
        return _document(await run_in_threadpool(pages.news_sitemap), "application/xml")
    lang, _, number = name.rpartition("-")
    if number in ("tags", "stories"):
        build = pages.tag_sitemap if number == "tags" else pages.story_sitemap
        listing = await run_in_threadpool(build, lang)
        if listing is None:
            raise HTTPException(status_code=404)
        return _document(listing, "application/xml")
    if not is_ascii_number(number) or len(number) > 6:
        raise HTTPException(status_code=404)
    body = await run_in_threadpool(pages.sitemap, lang, int(number))
    if body is None:
        raise HTTPException(status_code=404)
    return _document(body, "application/xml")


async def robots(request: Request) -> Response:
    pages = _pages(request)
    return _document(pages.robots(), "text/plain; charset=utf-8")


async def style(request: Request) -> Response:
    return Response(
        STYLESHEET,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": STYLE_CACHE, "X-Content-Type-Options": "nosniff"},
    )


async def favicon(request: Request) -> Response:
    return Response(
        FAVICON,
        media_type="image/svg+xml",
        headers={"Cache-Control": STYLE_CACHE, "X-Content-Type-Options": "nosniff"},
    )


async def media(request: Request) -> Response:
    """A stored picture, from the site's media folder (names are content hashes: cached
    for good). Only names a picture's file can have are read; anything else is a 404."""
    parsed = parse_media_path(request.path_params["folder"], request.path_params["name"])
    if parsed is None:
        raise HTTPException(status_code=404)
    digest, width, extension = parsed
    path = _pages(request).config.media_dir / url_for_media(digest, width, extension).removeprefix(
        f"/{MEDIA_FOLDER}/"
    )
    if not path.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(
        path,
        media_type=MEDIA_FORMATS[extension],
        headers={"Cache-Control": STYLE_CACHE, "X-Content-Type-Options": "nosniff"},
    )


async def not_found(request: Request, exc: Exception) -> Response:
    pages = _pages(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status != 404:
        return Response(status_code=status)
    if request.url.path.startswith("/api/"):
        # A path no route of the API matched (one with a line break, which no route's
        # pattern takes): the API's answers are problem details, its 404s too.
        detail = "no such resource: see /api/v1/openapi.json for what this API answers"
        return Response(problem_body(404, detail), status_code=404, media_type=MEDIA_TYPE)
    if "route" not in request.scope:  # no route took it: perhaps a slash too few or many
        location = _other_slash(request, request.app.router.routes)
        if location is not None:
            return RedirectResponse(location, status_code=307)
    segment = request.url.path.strip("/").split("/", 1)[0]
    body = await run_in_threadpool(pages.not_found, segment or None)
    return _html(body, status_code=404)
