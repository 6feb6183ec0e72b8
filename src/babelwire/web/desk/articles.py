"""The desk's articles: the list with its filters, one article with its translations
beside the original, takedowns and their undoing.

An id in a path that names nothing (or is no id) answers 404; a takedown without a
reason shows the article again with the message (400).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from babelwire.errors import InputError
from babelwire.jobs.desk_articles import (
    PAGE_SIZE,
    ArticleFilters,
    ArticleNotFoundError,
    article_detail,
    find_articles,
    parse_filters,
    row_id,
    source_choices,
)
from babelwire.jobs.sections import section_label
from babelwire.jobs.takedown import (
    TakedownError,
    TakedownNotFoundError,
    list_takedowns,
    take_down,
    undo_takedown,
)
from babelwire.model import Stage
from babelwire.web.desk.auth import desk_of, read_form
from babelwire.web.desk.pages import actor, back, language, render

#: The fields of the list's filter form, as the query string carries them.
FILTER_FIELDS = ("q", "stage", "source", "language", "section", "story", "dates", "from", "to")
TAKEDOWNS_PAGE = 50
MAX_REASON = 2000


def not_found(request: Request) -> Response:
    return render(request, "message.html", status_code=404, message_key="not_found")


async def articles(request: Request) -> Response:
    newsroom = desk_of(request).newsroom
    params = request.query_params
    form = {name: params.get(name, "")[:200] for name in FILTER_FIELDS}
    form["held"] = "1" if params.get("held") == "1" else ""
    error = None
    try:
        filters = parse_filters(form)
    except InputError as exc:
        filters, error = ArticleFilters(), str(exc)
    before = row_id(params.get("before"))
    page = None
    if error is None:
        page = await run_in_threadpool(
            lambda: find_articles(newsroom, filters, before_id=before, limit=PAGE_SIZE)
        )
    sources = await run_in_threadpool(source_choices, newsroom)
    older = None
    if page is not None and page.next_before is not None:
        kept = {name: value for name, value in form.items() if value}
        older = urlencode({**kept, "before": str(page.next_before)})
    return render(
        request,
        "articles_list.html",
        status_code=400 if error else 200,
        error=error,
        form=form,
        page=page,
        older=older,
        stages=[s.value for s in Stage],
        sources=sources,
        sections=[s.slug for s in newsroom.config.sections],
    )


async def article_page(
    request: Request, article_id: int, *, status_code: int = 200, error: str | None = None
) -> Response:
    newsroom = desk_of(request).newsroom
    try:
        detail = await run_in_threadpool(article_detail, newsroom, article_id)
    except ArticleNotFoundError:
        return not_found(request)
    label = await run_in_threadpool(section_label, newsroom, article_id)
    return render(
        request,
        "articles_article.html",
        status_code=status_code,
        a=detail,
        error=error,
        done=request.query_params.get("done", ""),
        edition=newsroom.config.languages[0] if newsroom.config.languages else "",
        section_choices=[(s.slug, s.name(language(request))) for s in newsroom.config.sections],
        label=label,
    )


async def article(request: Request) -> Response:
    article_id = row_id(request.path_params["article_id"])
    if article_id is None:
        return not_found(request)
    return await article_page(request, article_id)


async def article_takedown(request: Request) -> Response:
    article_id = row_id(request.path_params["article_id"])
    if article_id is None:
        return not_found(request)
    form = await read_form(request)
    reason = str(form.get("reason", ""))[:MAX_REASON]
    newsroom = desk_of(request).newsroom
    try:
        await run_in_threadpool(
            lambda: take_down(newsroom, str(article_id), reason, actor=actor(request))
        )
    except TakedownNotFoundError:
        return not_found(request)
    except TakedownError as exc:
        return await article_page(request, article_id, status_code=400, error=str(exc))
    return back(request, f"/articles/{article_id}", done="takedown")


async def takedowns(request: Request) -> Response:
    before = row_id(request.query_params.get("before"))
    page = await run_in_threadpool(
        lambda: list_takedowns(desk_of(request).newsroom, before_id=before, limit=TAKEDOWNS_PAGE)
    )
    return render(
        request, "articles_takedowns.html", page=page, done=request.query_params.get("done", "")
    )


async def takedown_undo(request: Request) -> Response:
    tombstone_id = row_id(request.path_params["tombstone_id"])
    if tombstone_id is None:
        return not_found(request)
    newsroom = desk_of(request).newsroom
    try:
        undone = await run_in_threadpool(
            lambda: undo_takedown(newsroom, tombstone_id, actor=actor(request))
        )
    except TakedownNotFoundError:
        return not_found(request)
    if undone.article_id is not None:
        return back(request, f"/articles/{undone.article_id}", done="undone")
    return back(request, "/takedowns", done="undone")
