"""The desk's glossary and gazetteer: every term and entity, and each file's text to edit.

A text is saved only when it passes the checks the pipeline makes when it reads the
file (jobs/glossary.py); otherwise the page comes back with every problem and the
typed text kept. The pipeline reads the new file at its next batch.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from babelwire.jobs import glossary as glossary_jobs
from babelwire.jobs.audit import Actor
from babelwire.jobs.glossary import EditedFile, InvalidEditError, StaleFileError
from babelwire.model import Role
from babelwire.newsroom import Site
from babelwire.web.desk.auth import desk_of, read_form
from babelwire.web.desk.pages import actor, back, language, render
from babelwire.web.desk.wording import words_for

Read = Callable[[Site], EditedFile]
Save = Callable[..., EditedFile]

AREAS: dict[str, tuple[str, Read, Save]] = {
    "glossary": ("glossary_terms.html", glossary_jobs.read_glossary, glossary_jobs.save_glossary),
    "gazetteer": (
        "glossary_entities.html",
        glossary_jobs.read_gazetteer,
        glossary_jobs.save_gazetteer,
    ),
}


async def _page(
    request: Request,
    area: str,
    status_code: int = 200,
    *,
    typed: str | None = None,
    revision: str | None = None,
    problems: list[str] | None = None,
) -> Response:
    template, read, _ = AREAS[area]
    current = await run_in_threadpool(read, desk_of(request).newsroom)
    return render(
        request,
        template,
        status_code=status_code,
        file=current,
        text=current.text if typed is None else typed,
        revision=current.revision if revision is None else revision,
        problems=problems or [],
        may_edit=request.state.session.user.role.may(Role.EDITOR),
        saved=request.query_params.get("saved", "") == "1",
        area=area,
        help_key=f"{area}_help",
    )


async def _save(request: Request, area: str) -> Response:
    _, _, save = AREAS[area]
    form = await read_form(request)
    text = form.get("text", "")
    revision = form.get("revision", "")
    typed = text if isinstance(text, str) else ""
    base = revision if isinstance(revision, str) else ""
    if not isinstance(text, str) or not base:
        incomplete = words_for(language(request))("form_incomplete")
        return await _page(request, area, 400, typed=typed, problems=[incomplete])
    who: Actor = actor(request)
    try:
        await run_in_threadpool(
            lambda: save(desk_of(request).newsroom, typed, revision=base, actor=who)
        )
    except InvalidEditError as exc:
        return await _page(request, area, 400, typed=typed, revision=base, problems=exc.problems)
    except StaleFileError as exc:
        return await _page(request, area, 409, typed=typed, problems=[str(exc)])
    return back(request, f"/{area}", saved="1")


async def glossary_page(request: Request) -> Response:
    return await _page(request, "glossary")


async def glossary_save(request: Request) -> Response:
    return await _save(request, "glossary")


async def gazetteer_page(request: Request) -> Response:
    return await _page(request, "gazetteer")


async def gazetteer_save(request: Request) -> Response:
    return await _save(request, "gazetteer")
