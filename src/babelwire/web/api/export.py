"""The API's export: every article matching the filters as NDJSON (one article record
per line, docs/api.md), streamed as it is read, for a viewer token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from babelwire.errors import InputError
from babelwire.jobs.article_records import iter_article_records
from babelwire.jobs.export import record_line
from babelwire.jobs.tokens import TokenInfo
from babelwire.model import Role
from babelwire.web.api.auth import needs, newsroom_of
from babelwire.web.api.models import Problem
from babelwire.web.api.problems import ApiError
from babelwire.web.api.reads import MAX_ID, utc

router = APIRouter()

MEDIA_TYPE = "application/x-ndjson"


CHUNK_BYTES = 256 * 1024


def _chunks(records: Iterator[Any]) -> Iterator[bytes]:
    """The records as NDJSON, in chunks of about CHUNK_BYTES: one hop to the thread
    that reads the database per chunk, not per article."""
    lines: list[bytes] = []
    size = 0
    for record in records:
        line = record_line(record)
        lines.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(lines)
            lines, size = [], 0
    if lines:
        yield b"".join(lines)


@router.get(
    "/export",
    summary="Every article matching the filters, as NDJSON, streamed",
    description="One article record per line, oldest first by id, read in batches so "
    "that the download is as long as it needs to be and the server's memory stays flat. "
    "`since` and `until` bound when this site first published an article.",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "One JSON article record a line.",
        },
        **{
            status: {"model": Problem, "description": text}
            for status, text in (
                (400, "An unknown edition or a time outside the calendar."),
                (401, "No token, or a token that is unknown or revoked."),
                (403, "The token's role is too low."),
                (422, "A parameter is malformed."),
                (429, "Too many requests."),
            )
        },
    },
    openapi_extra={"x-role": Role.VIEWER.value},
)
async def export(
    request: Request,
    token: Annotated[TokenInfo, Depends(needs(Role.VIEWER))],
    edition: Annotated[str | None, Query(max_length=20)] = None,
    section: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    held: Annotated[bool, Query(description="Include held translations.")] = False,
) -> StreamingResponse:
    try:
        records = iter_article_records(
            newsroom_of(request),
            since=utc("since", since),
            until=utc("until", until),
            edition=edition,
            section=section,
            source_id=source,
            language=language,
            include_held=held,
        )
    except InputError as error:
        raise ApiError(400, str(error)) from None

    async def body() -> AsyncIterator[bytes]:
        async for chunk in iterate_in_threadpool(_chunks(records)):
            yield chunk

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="articles.ndjson"'},
    )
