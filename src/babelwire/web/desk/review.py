"""Review and post-editing: the held queue, and a translation edited segment by segment
beside its original.

An edit names the revision it was made on; if someone changed the translation since,
the edit is refused with the text as it is now (409) and the typed text is kept in the
form, never written over theirs. Nothing typed is read as HTML.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from babelwire.errors import InputError
from babelwire.jobs import post_edit
from babelwire.jobs.audit import record
from babelwire.jobs.review import release_held, review_queue
from babelwire.model import Role, is_ascii_number
from babelwire.publish.paths import url_for_article
from babelwire.publish.rendering import is_row_id
from babelwire.web.desk.auth import desk_of, read_form
from babelwire.web.desk.pages import actor, back, render

MAX_SEGMENTS = 1000


def _translation_id(request: Request) -> int:
    value = int(request.path_params["translation_id"])
    if not is_row_id(value):
        raise HTTPException(status_code=404)
    return value


async def queue(request: Request) -> Response:
    cursor = request.query_params.get("after", "")[:60] or None
    page = await run_in_threadpool(review_queue, desk_of(request).newsroom, cursor=cursor)
    return render(request, "review_queue.html", page=page, cursor=cursor)


async def _editor_page(
    request: Request,
    translation_id: int,
    status_code: int = 200,
    *,
    typed: tuple[str, list[str]] | None = None,
    stale: post_edit.StaleEditError | None = None,
    error: str | None = None,
) -> Response:
    newsroom = desk_of(request).newsroom
    try:
        editable = await run_in_threadpool(post_edit.editable_translation, newsroom, translation_id)
        history = await run_in_threadpool(post_edit.revisions, newsroom, translation_id)
    except post_edit.TranslationNotFoundError:
        raise HTTPException(status_code=404) from None
    except post_edit.NotEditableError as exc:
        return render(request, "review_edit.html", status_code=409, editable=None, problem=str(exc))
    draft = editable.draft
    if typed is not None:
        title, blocks = typed
    elif draft is not None:
        title, blocks = draft.title, list(draft.blocks_text)
    else:
        title, blocks = editable.title, [s.text for s in editable.segments]
    user = request.state.session.user
    return render(
        request,
        "review_edit.html",
        status_code=status_code,
        editable=editable,
        problem=None,
        history=history,
        title=title,
        blocks=blocks,
        may_edit=user.role.may(Role.EDITOR),
        stale=stale,
        error=error,
        saved=request.query_params.get("saved", ""),
        public_url=url_for_article(editable.target_language, editable.article_id, editable.title),
    )


async def edit(request: Request) -> Response:
    return await _editor_page(request, _translation_id(request))


def _clean(text: str) -> str:
    """A browser's text as babelwire stores it: newlines as \n, no NUL (which PostgreSQL
    refuses in text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _typed(form: dict[str, str], count: int) -> tuple[str, list[str]]:
    title = _clean(form.get("title", ""))
    return title, [_clean(form.get(f"block-{i}", "")) for i in range(count)]


async def _revised(
    request: Request,
    translation_id: int,
    change: Callable[[], post_edit.EditResult],
    typed: tuple[str, list[str]] | None = None,
) -> post_edit.EditResult | Response:
    """Run an edit or a restore; a refusal is the editor page again: 404 for no such
    translation, 409 with the text as it is now for a stale one, else 400 with why
    (the typed text, if any, kept in the form)."""
    try:
        return await run_in_threadpool(change)
    except post_edit.TranslationNotFoundError:
        raise HTTPException(status_code=404) from None
    except post_edit.StaleEditError as exc:
        return await _editor_page(request, translation_id, 409, typed=typed, stale=exc)
    except (InputError, post_edit.NotEditableError) as exc:
        return await _editor_page(request, translation_id, 400, typed=typed, error=str(exc))


async def save(request: Request) -> Response:
    translation_id = _translation_id(request)
    form = {k: v for k, v in (await read_form(request)).items() if isinstance(v, str)}
    raw_count, raw_base = form.get("blocks", ""), form.get("base_revision", "")
    if not (is_ascii_number(raw_count) and is_ascii_number(raw_base)):
        return await _editor_page(request, translation_id, 400, error="form_incomplete")
    count, base = int(raw_count), int(raw_base)
    if count > MAX_SEGMENTS or base >= 2**31:
        return await _editor_page(request, translation_id, 400, error="form_incomplete")
    typed = _typed(form, count)
    publish = form.get("action") == "publish"
    user = request.state.session.user
    newsroom = desk_of(request).newsroom
    result = await _revised(
        request,
        translation_id,
        lambda: post_edit.save_edit(
            newsroom,
            translation_id,
            title=typed[0],
            blocks_text=typed[1],
            base_revision=base,
            editor=user.name,
            display_name=user.display_name or None,
            publish=publish,
        ),
        typed,
    )
    if isinstance(result, Response):
        return result
    verb = "translation.publish" if result.published else "translation.draft"
    target = f"translation {translation_id} (article {result.article_id}, {result.language})"
    await run_in_threadpool(
        lambda: record(newsroom, actor(request), verb, target, revision=result.revision)
    )
    return back(
        request, f"/review/{translation_id}", saved="published" if result.published else "draft"
    )


async def restore(request: Request) -> Response:
    translation_id = _translation_id(request)
    form = await read_form(request)
    number, base = str(form.get("number", "")), str(form.get("base_revision", ""))
    if not (is_ascii_number(number) and is_ascii_number(base)) or len(number + base) > 18:
        return await _editor_page(request, translation_id, 400, error="form_incomplete")
    user = request.state.session.user
    newsroom = desk_of(request).newsroom
    result = await _revised(
        request,
        translation_id,
        lambda: post_edit.restore_revision(
            newsroom,
            translation_id,
            int(number),
            editor=user.name,
            display_name=user.display_name or None,
            base_revision=int(base),
        ),
    )
    if isinstance(result, Response):
        return result
    await run_in_threadpool(
        lambda: record(
            newsroom,
            actor(request),
            "translation.restore",
            f"translation {translation_id}",
            restored=int(number),
            revision=result.revision,
        )
    )
    return back(request, f"/review/{translation_id}", saved="restored")


async def release(request: Request) -> Response:
    """Publish a held translation as the machine wrote it."""
    translation_id = _translation_id(request)
    newsroom = desk_of(request).newsroom
    try:
        editable = await run_in_threadpool(post_edit.editable_translation, newsroom, translation_id)
    except (post_edit.TranslationNotFoundError, post_edit.NotEditableError):
        raise HTTPException(status_code=404) from None
    await run_in_threadpool(
        lambda: release_held(
            newsroom, editable.article_id, editable.target_language, actor=actor(request)
        )
    )
    return back(request, f"/review/{translation_id}", saved="released")
