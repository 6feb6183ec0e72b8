"""The API's review queue: held translations listed, released, and post-edited, as
in the desk (docs/post-editing.md), for bearer tokens; every change is in the audit
log as `token:NAME` via `api`."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from babelwire.jobs.audit import record
from babelwire.jobs.post_edit import save_edit
from babelwire.jobs.review import release_held, review_queue
from babelwire.jobs.tokens import TokenInfo
from babelwire.model import Role
from babelwire.web.api.auth import newsroom_of
from babelwire.web.api.models import Strict
from babelwire.web.api.problems import ApiError
from babelwire.web.api.reads import MAX_ID, Cursor, Limit
from babelwire.web.api.writes import Editor, Id, Viewer, answers, call, role_of

router = APIRouter()


class HeldItem(Strict):
    translation_id: int
    article_id: int
    language: str
    title: str
    original_title: str
    source: str
    quality: float | None
    flags: list[str]
    reason: str | None
    engine: str


class HeldPage(Strict):
    held: int = Field(description="How many translations are held in all.")
    items: list[HeldItem]
    next_cursor: str | None


@router.get(
    "/held",
    response_model=HeldPage,
    summary="Translations held for review, worst first",
    responses=answers(),
    openapi_extra=role_of(Role.VIEWER),
)
async def held(
    request: Request, token: Viewer, cursor: Cursor = None, limit: Limit = None
) -> dict[str, Any]:
    api = newsroom_of(request).config.settings.api
    size = min(limit or api.page_size, api.max_page_size)
    page = await call(review_queue, newsroom_of(request), cursor=cursor, limit=size)
    return {
        "held": page.held,
        "items": [dataclasses.asdict(item) for item in page.items],
        "next_cursor": page.next_cursor,
    }


class Released(Strict):
    released: bool


@router.post(
    "/held/{article_id}/{language}/release",
    response_model=Released,
    summary="Publish a held translation as it is",
    responses=answers(404),
    openapi_extra=role_of(Role.EDITOR),
)
async def held_release(
    request: Request,
    article_id: Id,
    language: Annotated[str, Path(max_length=16)],
    token: Editor,
) -> dict[str, Any]:
    released = await call(
        release_held, newsroom_of(request), article_id, language, actor=token.actor
    )
    if not released:
        raise ApiError(404, f"no held translation of article {article_id} into {language!r}")
    return {"released": True}


class TranslationEdit(Strict):
    title: str = Field(max_length=1000)
    blocks: list[Annotated[str, Field(max_length=100_000)]] = Field(
        max_length=5000, description="Every block's text, in the original's order."
    )
    base_revision: int = Field(
        ge=0, le=MAX_ID, description="The revision the edit was made on (409 when it changed)."
    )
    publish: bool = Field(
        default=True, description="False keeps it as a draft; the public text is unchanged."
    )


class Edited(Strict):
    translation_id: int
    article_id: int
    language: str
    revision: int
    published: bool
    status: str
    memory_segments: int


@router.put(
    "/translations/{translation_id}",
    response_model=Edited,
    summary="Post-edit a translation: a person's text replaces the machine's",
    description="As in the desk: published at once (and released if held) or kept as a "
    "draft; the machine's text stays on record as a revision.",
    responses=answers(400, 404, 409, 413),
    openapi_extra=role_of(Role.EDITOR),
)
async def translation_edit(
    request: Request,
    translation_id: Id,
    body: TranslationEdit,
    token: Editor,
    display_name: Annotated[
        str | None, Query(max_length=200, description="The name readers may see.")
    ] = None,
) -> dict[str, Any]:
    result = await call(_edit, newsroom_of(request), translation_id, body, token, display_name)
    return dataclasses.asdict(result)


def _edit(
    newsroom: Any,
    translation_id: int,
    body: TranslationEdit,
    token: TokenInfo,
    display_name: str | None,
) -> Any:
    result = save_edit(
        newsroom,
        translation_id,
        title=body.title,
        blocks_text=body.blocks,
        base_revision=body.base_revision,
        editor=token.actor.name,
        display_name=display_name,
        publish=body.publish,
    )
    verb = "translation.publish" if result.published else "translation.draft"
    target = f"translation {translation_id} (article {result.article_id}, {result.language})"
    record(newsroom, token.actor, verb, target, revision=result.revision)
    return result
