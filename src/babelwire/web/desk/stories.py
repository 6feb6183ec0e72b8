"""The desk's stories and sections: the list of stories, one story with its articles,
merging and moving articles between stories, an article's section, and the sections
with a button to retrain the classifier.

An id in a path that names nothing answers 404; a form naming a story that does not
exist (or a change that cannot be made) shows the page again with the message (400).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from babelwire.errors import InputError
from babelwire.jobs import sections as section_jobs
from babelwire.jobs.desk_articles import row_id
from babelwire.jobs.story_edits import (
    StoryNotFoundError,
    list_stories,
    merge_stories,
    move_article,
    set_story_headline,
    story_detail,
)
from babelwire.web.desk.articles import article_page, not_found
from babelwire.web.desk.auth import desk_of, read_form
from babelwire.web.desk.pages import actor, back, language, render

STORIES_PAGE = 50


async def stories(request: Request) -> Response:
    before = row_id(request.query_params.get("before"))
    page = await run_in_threadpool(
        lambda: list_stories(desk_of(request).newsroom, before_id=before, limit=STORIES_PAGE)
    )
    return render(request, "stories_list.html", page=page)


async def _story_page(
    request: Request, story_id: int, *, status_code: int = 200, error: str | None = None
) -> Response:
    try:
        detail = await run_in_threadpool(story_detail, desk_of(request).newsroom, story_id)
    except StoryNotFoundError:
        return not_found(request)
    return render(
        request,
        "stories_story.html",
        status_code=status_code,
        s=detail,
        error=error,
        done=request.query_params.get("done", ""),
    )


async def story(request: Request) -> Response:
    story_id = row_id(request.path_params["story_id"])
    if story_id is None:
        return not_found(request)
    return await _story_page(request, story_id)


def _form_id(value: object) -> int | None:
    return row_id(str(value or "").strip())


async def _story_change(
    request: Request, story_id: int, change: Callable[[], object], done: str
) -> Response:
    """Run a change to story `story_id`, then show its page saying `done`; an unknown
    story is a 404, a change that cannot be made shows the page again with why (400)."""
    try:
        await run_in_threadpool(change)
    except StoryNotFoundError:
        return not_found(request)
    except InputError as exc:
        return await _story_page(request, story_id, status_code=400, error=str(exc))
    return back(request, f"/stories/{story_id}", done=done)


async def story_merge(request: Request) -> Response:
    story_id = row_id(request.path_params["story_id"])
    if story_id is None:
        return not_found(request)
    form = await read_form(request)
    other = _form_id(form.get("other"))
    newsroom = desk_of(request).newsroom

    def merge() -> None:
        if other is None:
            raise InputError("Give the number of the story to merge into this one.")
        merge_stories(newsroom, story_id, other, actor=actor(request))

    return await _story_change(request, story_id, merge, "merged")


async def story_headline(request: Request) -> Response:
    """A person's headline of the story in one edition, or (cleared) the machine's again."""
    story_id = row_id(request.path_params["story_id"])
    if story_id is None:
        return not_found(request)
    form = await read_form(request)
    edition = str(form.get("language", ""))[:16]
    text = None if form.get("clear") else str(form.get("headline", ""))
    newsroom = desk_of(request).newsroom
    return await _story_change(
        request,
        story_id,
        lambda: set_story_headline(newsroom, story_id, edition, text, actor=actor(request)),
        "headline",
    )


async def article_story(request: Request) -> Response:
    """Move an article into the story the form names, or out of its story (no story)."""
    article_id = row_id(request.path_params["article_id"])
    if article_id is None:
        return not_found(request)
    form = await read_form(request)
    raw = str(form.get("story", "")).strip()
    target = _form_id(raw)
    newsroom = desk_of(request).newsroom
    try:
        if raw and target is None:
            raise InputError("A story is named by its number.")
        now_in = await run_in_threadpool(
            lambda: move_article(newsroom, article_id, target, actor=actor(request))
        )
    except StoryNotFoundError:
        return not_found(request)
    except InputError as exc:
        return await article_page(request, article_id, status_code=400, error=str(exc))
    if form.get("back") == "story":
        return back(request, f"/stories/{now_in}", done="moved")
    return back(request, f"/articles/{article_id}", done="moved")


async def article_section(request: Request) -> Response:
    article_id = row_id(request.path_params["article_id"])
    if article_id is None:
        return not_found(request)
    form = await read_form(request)
    section = str(form.get("section", ""))[:100]
    newsroom = desk_of(request).newsroom
    try:
        await run_in_threadpool(
            lambda: section_jobs.set_article_section(
                newsroom, article_id, section, actor=actor(request)
            )
        )
    except section_jobs.ArticleNotFoundError:
        return not_found(request)
    except section_jobs.SectionsError as exc:
        return await article_page(request, article_id, status_code=400, error=str(exc))
    return back(request, f"/articles/{article_id}", done="section")


async def _sections_page(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    report: section_jobs.TrainReport | None = None,
) -> Response:
    newsroom = desk_of(request).newsroom
    lines = await run_in_threadpool(section_jobs.section_lines, newsroom, language(request))
    return render(
        request,
        "stories_sections.html",
        status_code=status_code,
        lines=lines,
        error=error,
        report=report,
        default=newsroom.config.settings.sections.default,
        done=request.query_params.get("done", ""),
    )


async def sections(request: Request) -> Response:
    return await _sections_page(request)


async def sections_retrain(request: Request) -> Response:
    """Train the classifier from every label, in a worker thread; the page shows how it went."""
    newsroom = desk_of(request).newsroom
    try:
        report = await run_in_threadpool(
            lambda: section_jobs.train_sections(newsroom, actor=actor(request))
        )
    except section_jobs.SectionsError as exc:
        return await _sections_page(request, status_code=400, error=str(exc))
    return await _sections_page(request, report=report)


async def section_name(request: Request) -> Response:
    """A person's name of a section in one edition, or (cleared) the configured one again."""
    form = await read_form(request)
    slug = str(form.get("section", ""))[:100]
    edition = str(form.get("language", ""))[:16]
    text = None if form.get("clear") else str(form.get("name", ""))
    newsroom = desk_of(request).newsroom
    try:
        await run_in_threadpool(
            lambda: section_jobs.set_section_name(
                newsroom, slug, edition, text, actor=actor(request)
            )
        )
    except section_jobs.SectionsError as exc:
        return await _sections_page(request, status_code=400, error=str(exc))
    return back(request, "/sections", done="name")
