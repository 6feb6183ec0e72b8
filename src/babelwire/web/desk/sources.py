"""The desk's sources: their health, adding one after a preview, editing, pausing,
removing, and OPML out and in.

Each change goes through a use case of jobs/sources.py with the signed-in person as its
actor, so the audit log says who made it. A private-network allowance is an admin's to
give: an editor's form that asks for one is refused or, for a preview, read without it.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from babelwire.jobs import opml as opml_jobs
from babelwire.jobs import sources as source_jobs
from babelwire.jobs.sources import SourceError, SourceInfo
from babelwire.model import SOURCE_KINDS, Role, is_ascii_number
from babelwire.web.desk.auth import MAX_UPLOAD_BYTES, desk_of, read_form
from babelwire.web.desk.pages import actor, back, language, render
from babelwire.web.desk.wording import words_for

SHOWN = ("all", "failing", "paused")
# Statuses the list names in words (others are shown as they are).
STATUSES = ("ok", "not_modified", "error", "failing", "paused", "never")
EDIT_FIELDS = ("name", "language", "section", "min_interval", "max_interval")


def _is_admin(request: Request) -> bool:
    return bool(request.state.session.user.role.may(Role.ADMIN))


def _t(request: Request) -> Any:
    return words_for(language(request))


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _language_field(form: FormData) -> str:
    """A typed language: empty (or "auto", as the field's placeholder says) to detect it."""
    typed = _text(form, "language", 35)
    return "" if typed.lower() == "auto" else typed


def _sections(request: Request) -> list[tuple[str, str]]:
    """The site's sections as (slug, name in the desk's language)."""
    lang = language(request)
    return [(s.slug, s.name(lang)) for s in desk_of(request).newsroom.config.sections]


# The list ---------------------------------------------------------------------------


async def source_list(request: Request) -> Response:
    newsroom = desk_of(request).newsroom
    every = await run_in_threadpool(lambda: source_jobs.list_sources(newsroom, with_articles=False))
    params = request.query_params
    show = params.get("show", "all")
    show = show if show in SHOWN else "all"
    query = params.get("q", "").strip().lower()[:200]
    language = params.get("language", "").strip()[:35]
    section = params.get("section", "").strip()[:100]
    found = [
        s
        for s in every
        if (show != "failing" or s.consecutive_failures > 0)
        and (show != "paused" or s.paused)
        and (not query or query in s.name.lower() or query in s.url.lower())
        and (not language or (s.language or "auto") == language)
        and (not section or (s.section or "-") == section)
    ]
    return render(
        request,
        "sources_list.html",
        sources=found,
        total=len(every),
        show=show,
        query=query,
        language=language,
        section=section,
        source_languages=sorted({s.language or "auto" for s in every}),
        sections=_sections(request),
        statuses=STATUSES,
        removed=params.get("removed", "")[:300],
    )


# Adding -----------------------------------------------------------------------------


def _new_form(form: FormData | None = None) -> dict[str, Any]:
    """What the add form shows: what was typed, or nothing yet."""
    if form is None:
        return {"url": "", "name": "", "language": "", "section": "", "allow_private": False}
    return {
        "url": _text(form, "url"),
        "name": _text(form, "name", 300),
        "language": _language_field(form),
        "section": _text(form, "section", 100),
        "allow_private": form.get("allow_private") == "on",
    }


def _form_page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page with a source's form: the site's sections, and whether the allowance shows."""
    return render(
        request,
        template,
        status_code=status_code,
        sections=_sections(request),
        admin=_is_admin(request),
        **{"error": None, "notice": None, **context},
    )


def _new_page(
    request: Request, typed: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    return _form_page(request, "sources_new.html", status_code, typed=typed, **context)


async def source_new(request: Request) -> Response:
    return _new_page(request, _new_form())


async def source_preview(request: Request) -> Response:
    """What the URL is, before anything is saved, with a form to confirm it."""
    typed = _new_form(await read_form(request))
    notice = None
    if typed["allow_private"] and not _is_admin(request):
        typed["allow_private"] = False
        notice = _t(request)("private_admin_only")
    if not typed["url"]:
        return _new_page(request, typed, 400, error=_t(request)("url_needed"))
    preview = await run_in_threadpool(
        lambda: source_jobs.preview_source(
            desk_of(request).newsroom, typed["url"], allow_private=typed["allow_private"]
        )
    )
    if preview.error and not preview.unreachable:
        return _new_page(request, typed, 400, error=preview.error, notice=notice)
    # What the confirm form adds: the feed found (a page's own feed elsewhere is
    # offered without the allowance, which names the page's host and port only).
    confirm = {
        **typed,
        "url": preview.follow_url or preview.url,
        "kind": preview.kind or "feed",
        "name": typed["name"] or preview.title,
        "allow_private": typed["allow_private"] and not preview.elsewhere,
    }
    return _form_page(
        request, "sources_preview.html", preview=preview, confirm=confirm, notice=notice
    )


async def source_add(request: Request) -> Response:
    form = await read_form(request)
    typed = _new_form(form)
    kind = _text(form, "kind", 20) or None
    if typed["allow_private"] and not _is_admin(request):
        typed["allow_private"] = False
        return _new_page(request, typed, 403, error=_t(request)("private_admin_only"))
    if kind is not None and kind not in SOURCE_KINDS:
        return _new_page(request, typed, 400, error=f"unknown kind {kind[:20]!r}")
    newsroom = desk_of(request).newsroom

    def add() -> SourceInfo:
        url = source_jobs.check_source_url(
            newsroom, typed["url"], allow_private=typed["allow_private"]
        )
        return source_jobs.add_source(
            newsroom,
            url,
            name=typed["name"] or None,
            language=typed["language"] or None,
            section=typed["section"] or None,
            kind=kind,
            allow_private=typed["allow_private"] or None,
            actor=actor(request),
        )

    try:
        info = await run_in_threadpool(add)
    except SourceError as exc:
        return _new_page(request, typed, 400, error=str(exc))
    return back(request, f"/sources/{info.id}", done="added")


# One source -------------------------------------------------------------------------


def _source_id(request: Request) -> int | None:
    raw = request.path_params["source_id"]
    # Nine digits at most: any id the database's integer column can hold is shorter.
    return int(raw) if is_ascii_number(raw) and len(raw) < 10 else None


async def _find(request: Request) -> SourceInfo | None:
    """The source the path names, or None: no such source."""
    source_id = _source_id(request)
    if source_id is None:
        return None
    try:
        return await run_in_threadpool(source_jobs.get_source, desk_of(request).newsroom, source_id)
    except SourceError:
        return None


def _not_found(request: Request) -> Response:
    return render(request, "message.html", status_code=404, message_key="not_found")


def _typed_edit(info: SourceInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "language": info.language or "",
        "section": info.section or "",
        "min_interval": str(info.min_interval or ""),
        "max_interval": str(info.max_interval or ""),
        "preferred": info.preferred,
    }


def _source_page(
    request: Request,
    info: SourceInfo,
    status_code: int = 200,
    *,
    typed: dict[str, Any] | None = None,
    error: str | None = None,
) -> Response:
    fetch = desk_of(request).newsroom.config.settings.fetch
    return render(
        request,
        "sources_page.html",
        status_code=status_code,
        s=info,
        typed=typed or _typed_edit(info),
        sections=_sections(request),
        error=error,
        done=request.query_params.get("done", "")[:20],
        site_bounds=(fetch.min_interval_minutes, fetch.max_interval_minutes),
        statuses=STATUSES,
    )


async def source_page(request: Request) -> Response:
    info = await _find(request)
    return _not_found(request) if info is None else _source_page(request, info)


def _minutes(value: str, label: str) -> int:
    """A typed interval: empty or 0 for the site's, else whole minutes."""
    if not value:
        return 0
    if not is_ascii_number(value) or len(value) > 8:
        raise SourceError(f"{label}: expected whole minutes, or empty for the site's setting")
    return int(value)


async def source_edit(request: Request) -> Response:
    info = await _find(request)
    if info is None:
        return _not_found(request)
    form = await read_form(request)
    typed: dict[str, Any] = {name: _text(form, name, 300) for name in EDIT_FIELDS}
    typed["language"] = _language_field(form)
    typed["preferred"] = form.get("preferred") == "on"
    newsroom = desk_of(request).newsroom
    t = _t(request)

    def edit() -> SourceInfo:
        return source_jobs.update_source(
            newsroom,
            info.id,
            name=typed["name"],
            language=typed["language"],
            section=typed["section"],
            min_interval=_minutes(typed["min_interval"], t("min_interval")),
            max_interval=_minutes(typed["max_interval"], t("max_interval")),
            preferred=typed["preferred"],
            actor=actor(request),
        )

    try:
        await run_in_threadpool(edit)
    except SourceError as exc:
        return _source_page(request, info, 400, typed=typed, error=str(exc))
    return back(request, f"/sources/{info.id}", done="saved")


async def _change(request: Request, change: Any, done: str) -> Response:
    info = await _find(request)
    if info is None:
        return _not_found(request)
    newsroom = desk_of(request).newsroom
    try:
        await run_in_threadpool(lambda: change(newsroom, info.id, actor=actor(request)))
    except SourceError as exc:  # removed meanwhile
        return _source_page(request, info, 400, error=str(exc))
    return back(request, f"/sources/{info.id}", done=done)


async def source_pause(request: Request) -> Response:
    return await _change(request, source_jobs.pause_source, "paused")


async def source_resume(request: Request) -> Response:
    return await _change(request, source_jobs.resume_source, "resumed")


async def source_remove(request: Request) -> Response:
    info = await _find(request)
    if info is None:
        return _not_found(request)
    form = await read_form(request)
    if form.get("confirm") != "yes":
        return _source_page(request, info, 400, error=_t(request)("remove_confirm_needed"))
    try:
        await run_in_threadpool(
            lambda: source_jobs.remove_source(
                desk_of(request).newsroom, info.id, actor=actor(request)
            )
        )
    except SourceError as exc:
        return _source_page(request, info, 400, error=str(exc))
    return back(request, "/sources", removed=info.name)


# OPML -------------------------------------------------------------------------------


async def source_export(request: Request) -> Response:
    text = await run_in_threadpool(opml_jobs.export_opml, desk_of(request).newsroom)
    return Response(
        text,
        media_type="text/x-opml; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="sources.opml"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _import_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return _form_page(
        request,
        "sources_import.html",
        status_code,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        **{"done": None, **context},
    )


async def source_import(request: Request) -> Response:
    if request.method == "GET":
        return _import_page(request)
    form = await read_form(request)  # read by the guard, one file at most
    try:
        return await _import_upload(request, form)
    finally:
        await form.close()  # the upload's temporary file


async def _import_upload(request: Request, form: FormData) -> Response:
    t = _t(request)
    upload = form.get("file")
    allow_private = form.get("allow_private") == "on"
    if allow_private and not _is_admin(request):
        return _import_page(request, 403, error=t("private_admin_only"))
    if not isinstance(upload, UploadFile):
        return _import_page(request, 400, error=t("file_needed"))
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _import_page(request, 413, error=t("upload_too_large"))
    if not data.strip():
        return _import_page(request, 400, error=t("file_needed"))
    try:
        done = await run_in_threadpool(
            lambda: opml_jobs.import_opml(
                desk_of(request).newsroom, data, allow_private=allow_private, actor=actor(request)
            )
        )
    except SourceError as exc:
        return _import_page(request, 400, error=str(exc))
    return _import_page(request, done=done)
