"""The API's public reads: anyone may ask, and every answer can be cached and
revalidated (web/api/edge.py). Held translations need a viewer token.

The article list and the article, asked for most, answer their JSON directly: their
`response_model` documents them (and the fuzzing suite checks every answer against
it) without a second pass of validation on each request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from babelwire.jobs import api_reads
from babelwire.jobs.article_records import article_record, iso_time
from babelwire.jobs.tokens import TokenInfo
from babelwire.model import Role
from babelwire.web.api import models
from babelwire.web.api.auth import caller, newsroom_of
from babelwire.web.api.problems import ApiError

# A request carrying a token has it checked, whatever it asks for: a wrong or revoked
# token is 401 even on a public read.
router = APIRouter(dependencies=[Depends(caller)])

# Row ids are 32-bit integers in PostgreSQL: a larger one names nothing.
MAX_ID = 2**31 - 1
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.Problem, "description": description}
    for status, description in (
        (400, "A parameter has a value the API cannot use (an unknown edition, a bad cursor)."),
        (422, "A parameter is missing or of the wrong type."),
        (429, "Too many requests: wait for Retry-After seconds."),
    )
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": models.Problem, "description": "No such thing."}
}

Edition = Annotated[
    str | None,
    Query(
        max_length=20,
        description="The edition (its language code); the site's first one when not given.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="A `next_cursor` from the previous page."),
]
Limit = Annotated[
    int | None,
    Query(ge=1, le=1000, description="Items per page (at most `api.max_page_size`)."),
]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _limit(request: Request, limit: int | None) -> int:
    api = newsroom_of(request).config.settings.api
    return min(limit or api.page_size, api.max_page_size)


def utc(name: str, value: datetime | None) -> datetime | None:
    """A time as UTC; a time without a zone is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ApiError(400, f"{name}: {value.isoformat()} is outside the calendar in UTC") from None


async def _read(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await run_in_threadpool(function, *args, **kwargs)
    except api_reads.ReadError as error:
        raise ApiError(400, str(error)) from None


@router.get("/", response_model=models.Index, summary="What this API offers")
async def index(request: Request) -> dict[str, Any]:
    config = newsroom_of(request).config
    base = config.base_url + "/api/v1"
    return {
        "name": config.settings.site.title,
        "version": "v1",
        "editions": list(config.languages),
        "links": {
            "openapi": base + "/openapi.json",
            "reference": base + "/docs",
            "articles": base + "/articles",
            "stories": base + "/stories",
        },
    }


@router.get(
    "/editions", response_model=models.Editions, summary="The site's editions", responses=ERRORS
)
async def editions(request: Request) -> dict[str, Any]:
    return {"items": api_reads.editions(newsroom_of(request))}


@router.get(
    "/articles",
    response_model=models.ArticlePage,
    summary="Articles of an edition, newest first",
    description="Pages are read with cursors: articles published meanwhile never shift "
    "the ones still to come, and every article is listed once.",
    responses=ERRORS,
)
async def articles(
    request: Request,
    edition: Edition = None,
    section: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A source id.")] = None,
    language: Annotated[
        str | None, Query(max_length=16, description="Only articles written in this language.")
    ] = None,
    story: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A story id.")] = None,
    tag: Annotated[str | None, Query(max_length=100, description="A tag slug.")] = None,
    since: Annotated[
        datetime | None, Query(description="Published at or after (ISO 8601; UTC if no zone).")
    ] = None,
    until: Annotated[datetime | None, Query(description="Published before.")] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    filters = api_reads.ArticleFilters(
        section=section,
        source_id=source,
        language=language,
        story_id=story,
        tag=tag,
        since=utc("since", since),
        until=utc("until", until),
    )
    page: dict[str, Any] = await _read(
        api_reads.article_page,
        newsroom_of(request),
        edition,
        filters,
        cursor=cursor,
        limit=_limit(request, limit),
    )
    return JSONResponse(page)


@router.get(
    "/articles/{article_id}",
    response_model=models.ArticleRecord,
    summary="One article: its original, every translation and how each was made",
    responses={
        **ERRORS,
        **NOT_FOUND,
        401: {"model": models.Problem, "description": "held=true without a token."},
        410: {"model": models.Problem, "description": "Taken down, with `taken_down_at`."},
    },
)
async def article(
    request: Request,
    article_id: Id,
    held: Annotated[
        bool, Query(description="Include translations held for review (a viewer token).")
    ] = False,
    token: TokenInfo | None = Depends(caller),
) -> Response:
    if held and (token is None or not token.role.may(Role.VIEWER)):
        raise ApiError(401, "held translations need a token (babelwire token create)")
    newsroom = newsroom_of(request)
    record = await run_in_threadpool(article_record, newsroom, article_id, include_held=held)
    if record is not None:
        return JSONResponse(record.as_dict())
    gone = await run_in_threadpool(api_reads.taken_down_at, newsroom, article_id)
    if gone is not None:
        raise ApiError(410, f"article {article_id} was taken down", taken_down_at=iso_time(gone))
    raise ApiError(404, f"no published article {article_id}")


@router.get(
    "/stories",
    response_model=models.StoryPage,
    summary="Stories of an edition, most recently seen first",
    responses=ERRORS,
)
async def stories(
    request: Request, edition: Edition = None, cursor: Cursor = None, limit: Limit = None
) -> dict[str, Any]:
    page: dict[str, Any] = await _read(
        api_reads.story_page,
        newsroom_of(request),
        edition,
        cursor=cursor,
        limit=_limit(request, limit),
    )
    return page


@router.get(
    "/stories/{story_id}",
    response_model=models.Story,
    summary="One story with every report of it",
    responses={**ERRORS, **NOT_FOUND},
)
async def story(request: Request, story_id: Id, edition: Edition = None) -> dict[str, Any]:
    found: dict[str, Any] | None = await _read(
        api_reads.story, newsroom_of(request), edition, story_id
    )
    if found is None:
        raise ApiError(404, f"no story {story_id} in this edition")
    return found


@router.get(
    "/sections", response_model=models.Sections, summary="The site's sections", responses=ERRORS
)
async def sections(request: Request, edition: Edition = None) -> dict[str, Any]:
    found: dict[str, Any] = await _read(api_reads.section_list, newsroom_of(request), edition)
    return found


@router.get(
    "/tags", response_model=models.Tags, summary="Tags shown in an edition", responses=ERRORS
)
async def tag_list(request: Request, edition: Edition = None) -> dict[str, Any]:
    found: dict[str, Any] = await _read(api_reads.tag_list, newsroom_of(request), edition)
    return found


@router.get(
    "/sources",
    response_model=models.Sources,
    summary="The sources articles come from",
    responses=ERRORS,
)
async def source_list(request: Request, edition: Edition = None) -> dict[str, Any]:
    found: dict[str, Any] = await _read(api_reads.source_list, newsroom_of(request), edition)
    return found


@router.get(
    "/search",
    response_model=models.SearchPage,
    summary="Articles of an edition matching every word, best first",
    responses=ERRORS,
)
async def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find.")],
    edition: Edition = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    limit: Limit = None,
) -> dict[str, Any]:
    found: dict[str, Any] = await _read(
        api_reads.search_articles,
        newsroom_of(request),
        edition,
        q,
        page=page,
        page_size=_limit(request, limit),
    )
    return found
