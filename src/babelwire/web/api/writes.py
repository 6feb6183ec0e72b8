"""The API's writes on sources, passes and articles, for bearer tokens (held
translations and post-editing are in web/api/review.py).

Each route needs a role (`needs(...)`, checked on every request) and calls the same
use case as the command line and the desk, with the token as the actor: every change
is in the audit log as `token:NAME` via `api`. The role table is the desk's
(docs/desk.md): viewers read held translations, editors change sources, take down,
release, post-edit and retranslate, admins also allow a source on a private network.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from babelwire.errors import InputError
from babelwire.jobs import sources as source_jobs
from babelwire.jobs.article_records import article_record, iso_time
from babelwire.jobs.audit import record
from babelwire.jobs.post_edit import (
    NotEditableError,
    StaleEditError,
    TranslationNotFoundError,
)
from babelwire.jobs.refresh import refresh_source
from babelwire.jobs.retranslate import retranslate
from babelwire.jobs.run_lock import SiteBusy
from babelwire.jobs.takedown import TakedownError, TakedownNotFoundError, take_down
from babelwire.jobs.tokens import TokenInfo
from babelwire.model import Role
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.glossary import GlossaryError
from babelwire.web.api.auth import needs, newsroom_of
from babelwire.web.api.models import Problem, Strict
from babelwire.web.api.problems import ApiError
from babelwire.web.api.reads import MAX_ID

router = APIRouter()

Viewer = Annotated[TokenInfo, Depends(needs(Role.VIEWER))]
Editor = Annotated[TokenInfo, Depends(needs(Role.EDITOR))]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    said = {
        400: "The request cannot be carried out as it is (the reason is in `detail`).",
        401: "No token, or a token that is unknown or revoked.",
        403: "The token's role is too low for this.",
        404: "No such thing.",
        409: "It conflicts with the state of the newsroom (the reason is in `detail`).",
        413: "The body is too large.",
        422: "The body or a parameter is malformed.",
        429: "Too many requests: wait for Retry-After seconds.",
    }
    wanted = (401, 403, 422, 429, *statuses)
    return {s: {"model": Problem, "description": said[s]} for s in sorted(set(wanted))}


def role_of(role: Role) -> dict[str, Any]:
    return {"x-role": role.value}


async def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a use case in the thread pool, answering its refusals as problems."""
    try:
        return await run_in_threadpool(function, *args, **kwargs)
    except (LookupError, TranslationNotFoundError) as error:
        raise ApiError(404, str(error) or "not found") from None
    except (StaleEditError, SiteBusy) as error:
        raise ApiError(409, str(error)) from None
    except (InputError, TakedownError, NotEditableError, EngineError, GlossaryError) as error:
        raise ApiError(400, str(error)) from None


# -- sources -----------------------------------------------------------------------


class SourceDetail(Strict):
    """A source with what its operators see: health, schedule and settings."""

    id: int
    url: str
    name: str
    kind: str
    language: str | None
    section: str | None
    paused: bool
    preferred: bool
    allow_private: bool
    status: str = Field(description="paused, never, ok, not_modified, error or failing.")
    last_fetched_at: str | None
    last_error: str | None
    consecutive_failures: int
    interval_minutes: int
    min_interval: int | None
    max_interval: int | None
    next_poll_at: str | None
    next_poll_reason: str
    articles: int


def _detail(info: source_jobs.SourceInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "url": info.url,
        "name": info.name,
        "kind": info.kind,
        "language": info.language,
        "section": info.section,
        "paused": info.paused,
        "preferred": info.preferred,
        "allow_private": info.allow_private,
        "status": info.status,
        "last_fetched_at": iso_time(info.last_fetched_at),
        "last_error": info.last_error,
        "consecutive_failures": info.consecutive_failures,
        "interval_minutes": info.interval_minutes,
        "min_interval": info.min_interval,
        "max_interval": info.max_interval,
        "next_poll_at": iso_time(info.next_poll_at),
        "next_poll_reason": info.next_poll_reason,
        "articles": info.articles,
    }


class NewSource(Strict):
    url: str = Field(max_length=2048, description="A feed, sitemap or page (http or https).")
    name: str | None = Field(default=None, max_length=300)
    language: str | None = Field(
        default=None, max_length=16, description="Its language; detected per article if not set."
    )
    section: str | None = Field(default=None, max_length=100)
    kind: Literal["feed", "sitemap", "page"] | None = None
    preferred: bool | None = None
    allow_private: bool = Field(
        default=False,
        description="Let this source's own host be on a private network (admin tokens only).",
    )


class SourceChange(Strict):
    name: str | None = Field(default=None, max_length=300)
    language: str | None = Field(default=None, max_length=16, description='"" to detect it.')
    section: str | None = Field(default=None, max_length=100, description='"" for the rules.')
    min_interval: int | None = Field(default=None, ge=0, le=100_000)
    max_interval: int | None = Field(default=None, ge=0, le=100_000)
    preferred: bool | None = None
    paused: bool | None = None


@router.get(
    "/sources/{source_id}",
    response_model=SourceDetail,
    summary="One source, with its health and schedule",
    responses=answers(404),
    openapi_extra=role_of(Role.VIEWER),
)
async def source_detail(request: Request, source_id: Id, token: Viewer) -> dict[str, Any]:
    info = await call(source_jobs.get_source, newsroom_of(request), source_id)
    return _detail(info)


@router.post(
    "/sources",
    response_model=SourceDetail,
    status_code=201,
    summary="Follow a source (or update the one at that URL)",
    description="The URL is checked as `babelwire source add` checks it: its form, "
    "and that it is not on a private network unless an admin allows it; without a "
    "`kind`, it is fetched to tell a feed, a sitemap or a page.",
    responses=answers(400, 413),
    openapi_extra=role_of(Role.EDITOR),
)
async def source_add(request: Request, body: NewSource, token: Editor) -> dict[str, Any]:
    if body.allow_private and not token.role.may(Role.ADMIN):
        raise ApiError(403, "allowing a private network needs the admin role")
    info = await call(
        source_jobs.follow_source,
        newsroom_of(request),
        body.url,
        name=body.name,
        language=body.language,
        section=body.section,
        allow_private=body.allow_private,
        kind=body.kind,
        preferred=body.preferred,
        actor=token.actor,
    )
    return _detail(info)


@router.patch(
    "/sources/{source_id}",
    response_model=SourceDetail,
    summary="Change a source: name, language, section, poll bounds, preferred, paused",
    responses=answers(400, 404, 413),
    openapi_extra=role_of(Role.EDITOR),
)
async def source_change(
    request: Request, source_id: Id, body: SourceChange, token: Editor
) -> dict[str, Any]:
    info = await call(
        source_jobs.update_source,
        newsroom_of(request),
        source_id,
        actor=token.actor,
        **body.model_dump(exclude_unset=True),
    )
    return _detail(info)


@router.delete(
    "/sources/{source_id}",
    response_model=SourceDetail,
    summary="Remove a source (its published articles stay)",
    responses=answers(404),
    openapi_extra=role_of(Role.EDITOR),
)
async def source_remove(request: Request, source_id: Id, token: Editor) -> dict[str, Any]:
    info = await call(source_jobs.remove_source, newsroom_of(request), source_id, actor=token.actor)
    return _detail(info)


class Refreshed(Strict):
    source_id: int
    new: int = Field(description="New entries stored; their articles are processed next pass.")
    updated: int
    error: str | None


def _refresh(newsroom: Any, source_id: int, token: TokenInfo) -> dict[str, Any]:
    source_jobs.get_source(newsroom, source_id)  # an unknown source is 404 before any fetch
    report = refresh_source(newsroom, source_id)
    record(newsroom, token.actor, "source.refresh", f"source {source_id}", new=report.new)
    return {
        "source_id": source_id,
        "new": report.new,
        "updated": report.updated,
        "error": report.error,
    }


@router.post(
    "/sources/{source_id}/refresh",
    response_model=Refreshed,
    summary="Poll one source now",
    responses=answers(404),
    openapi_extra=role_of(Role.EDITOR),
)
async def source_refresh(request: Request, source_id: Id, token: Editor) -> dict[str, Any]:
    found: dict[str, Any] = await call(_refresh, newsroom_of(request), source_id, token)
    return found


class PassStarted(Strict):
    started: bool
    runner: Literal["local", "celery"]
    detail: str


def _start_pass(newsroom: Any, token: TokenInfo) -> dict[str, Any]:
    if newsroom.config.settings.workers.broker_url:
        from babelwire.runners.celery.scheduler import schedule_round

        sent = schedule_round(newsroom)
        record(newsroom, token.actor, "pass.start", "celery", sent=dict(sent.sent))
        detail = f"sent {sent.tasks} tasks to the workers"
        return {"started": True, "runner": "celery", "detail": detail}
    from babelwire.runners.local import start_pass

    start_pass(newsroom)
    record(newsroom, token.actor, "pass.start", "local")
    return {"started": True, "runner": "local", "detail": "a pass is running in the server"}


@router.post(
    "/passes",
    response_model=PassStarted,
    status_code=202,
    summary="Start a pass now: poll the due sources and process what is waiting",
    description="With workers configured, one scheduler round is sent to them; otherwise "
    "the server runs a pass itself. 409 while another run holds the site.",
    responses=answers(409),
    openapi_extra=role_of(Role.EDITOR),
)
async def pass_start(request: Request, token: Editor) -> dict[str, Any]:
    found: dict[str, Any] = await call(_start_pass, newsroom_of(request), token)
    return found


# -- articles ----------------------------------------------------------------------


class TakedownRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the audit log.")


class TakedownDone(Strict):
    article_id: int
    title: str
    urls: list[str] = Field(description="Original URLs refused from now on.")
    paths: list[str] = Field(description="Paths of this site that now answer 410.")


@router.post(
    "/articles/{article_id}/takedown",
    response_model=TakedownDone,
    summary="Take an article down everywhere it was published",
    responses=answers(400, 404, 413),
    openapi_extra=role_of(Role.EDITOR),
)
async def article_takedown(
    request: Request, article_id: Id, body: TakedownRequest, token: Editor
) -> dict[str, Any]:
    try:
        done = await call(
            take_down, newsroom_of(request), str(article_id), body.reason, actor=token.actor
        )
    except TakedownNotFoundError:
        raise ApiError(404, f"no article {article_id}") from None
    return dataclasses.asdict(done)


class RetranslateRequest(Strict):
    engine: str | None = Field(default=None, max_length=100, description="Force this engine.")
    overwrite_edits: bool = Field(
        default=False, description="Replace translations a person revised too."
    )


class Retranslated(Strict):
    article_id: int
    translated: int
    failed: int


def _retranslate(newsroom: Any, article_id: int, body: RetranslateRequest, token: TokenInfo) -> Any:
    if article_record(newsroom, article_id) is None:
        raise LookupError(f"no published article {article_id}")
    result = retranslate(
        newsroom,
        engine=body.engine,
        article_ids=[article_id],
        overwrite_edits=body.overwrite_edits,
    )
    record(
        newsroom,
        token.actor,
        "article.retranslate",
        f"article {article_id}",
        engine=body.engine,
        overwrite_edits=body.overwrite_edits,
    )
    return {
        "article_id": article_id,
        "translated": len(result.done),
        "failed": len(result.failed),
    }


@router.post(
    "/articles/{article_id}/retranslate",
    response_model=Retranslated,
    summary="Translate an article again into every edition",
    responses=answers(400, 404, 413),
    openapi_extra=role_of(Role.EDITOR),
)
async def article_retranslate(
    request: Request, article_id: Id, body: RetranslateRequest, token: Editor
) -> dict[str, Any]:
    found: dict[str, Any] = await call(_retranslate, newsroom_of(request), article_id, body, token)
    return found
