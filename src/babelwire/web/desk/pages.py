"""The desk's pages: sign-in, the dashboard, people and the audit log (sources: sources.py).

Each endpoint reads what it shows through a use case (jobs/) in a worker thread,
and renders a template of templates/desk/. Roles and CSRF are checked before an
endpoint runs (`auth.guard`); a use case's InputError is shown on the page.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from babelwire.errors import InputError
from babelwire.jobs import audit as audit_jobs
from babelwire.jobs import status as status_jobs
from babelwire.jobs import users as user_jobs
from babelwire.jobs.audit import Actor
from babelwire.model import STEPS, Role, is_ascii_number
from babelwire.web.desk.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Desk,
    desk_of,
    login_token,
    read_form,
    safe_next,
    same,
    set_cookie,
)
from babelwire.web.desk.wording import LANGUAGES, choose_language, words_for

LANGUAGE_COOKIE = "desk_lang"
DESK_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
AUDIT_PAGE = 50


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("babelwire.web", "templates/desk"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["moment"] = _moment
    return env


def _moment(value: datetime | None, never: str = "-") -> str:
    return never if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def language(request: Request) -> str:
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language", "")
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    desk = desk_of(request)
    lang = language(request)
    session = getattr(request.state, "session", None)
    body = (
        _environment()
        .get_template(template)
        .render(
            t=words_for(lang),
            lang=lang,
            languages=LANGUAGES,
            base=desk.base,
            site_title=desk.newsroom.config.title,
            session=session,
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            Role=Role,
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(body, status_code=status_code, headers=DESK_HEADERS)


def refuse(request: Request, status_code: int, key: str) -> Response:
    """A refusal page: not signed in (401), a role too low or a stale form (403)."""
    return render(request, "message.html", status_code=status_code, message_key=key)


def actor(request: Request) -> Actor:
    return Actor(name=request.state.session.user.name, via="desk")


def back(request: Request, path: str, **query: str) -> RedirectResponse:
    """After a change, show the page again (POST, then redirect, then GET)."""
    from urllib.parse import urlencode

    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"{desk_of(request).base}{path}{suffix}", status_code=303)


# Sign-in and out ----------------------------------------------------------------------


async def login(request: Request) -> Response:
    desk = desk_of(request)
    if request.method == "GET":
        if request.state.session is not None:
            return RedirectResponse(safe_next(desk.base, request.query_params.get("next")), 303)
        return _login_page(request, error=None, name="")
    form = await read_form(request)
    name = str(form.get("name", ""))[:200]
    expected = login_token(request)
    if not same(form.get("csrf"), expected) or request.cookies.get(LOGIN_COOKIE) is None:
        return _login_page(
            request,
            error=words_for(language(request))("form_expired"),
            name=name,
            status_code=403,
            next_page=form.get("next"),
        )
    address = request.client.host if request.client else ""
    try:
        signed_in = await run_in_threadpool(
            user_jobs.log_in, desk.newsroom, name, str(form.get("password", "")), address=address
        )
    except user_jobs.LoginRefusedError as exc:
        t = words_for(language(request))
        if exc.throttled is None:
            error = t("login_wrong")
        else:
            error = t(f"login_throttled_{exc.throttled}", minutes=exc.minutes)
        return _login_page(
            request, error=error, name=name, status_code=401, next_page=form.get("next")
        )
    response = RedirectResponse(safe_next(desk.base, form.get("next")), status_code=303)
    hours = desk.newsroom.config.settings.desk.session_hours
    set_cookie(request, response, SESSION_COOKIE, signed_in.token, "session", hours * 3600)
    set_cookie(request, response, LOGIN_COOKIE, None, "login")
    return response


def _login_page(
    request: Request,
    *,
    error: str | None,
    name: str,
    status_code: int = 200,
    next_page: object = None,
) -> Response:
    token = login_token(request)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        error=error,
        name=name,
        login_csrf=token,
        next=safe_next(desk_of(request).base, next_page or request.query_params.get("next")),
    )
    set_cookie(request, response, LOGIN_COOKIE, token, "login", 3600)
    return response


async def logout(request: Request) -> Response:
    session = request.state.session
    await run_in_threadpool(user_jobs.log_out, desk_of(request).newsroom, session.token_hash)
    response = back(request, "/login")
    set_cookie(request, response, SESSION_COOKIE, None, "session")
    return response


async def choose_interface_language(request: Request) -> Response:
    code = request.path_params["code"]
    response = back(request, "/")
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=365 * 86400,
            path=desk_of(request).base,
            samesite="lax",
            httponly=True,
        )
    return response


async def style(request: Request) -> Response:
    from importlib.resources import files

    css = files("babelwire.web").joinpath("static/desk.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


# The dashboard ----------------------------------------------------------------------


# The dashboard's figures count the whole archive (articles per stage) and ask the
# broker: taken at most this often per server process, however often it is reloaded.
DASHBOARD_SECONDS = 5.0


def _dashboard_figures(desk: Desk) -> tuple[Any, dict[str, int | None]]:
    now = time.monotonic()
    cached = desk.memo.get("dashboard")
    if cached is not None and now - cached[0] < DASHBOARD_SECONDS:
        return cached[1], cached[2]
    newsroom = desk.newsroom
    figures = status_jobs.work_status(newsroom)
    depths: dict[str, int | None] = {}
    if newsroom.config.settings.workers.broker_url:
        from babelwire.runners.celery.app import queue_depths

        depths = queue_depths(newsroom.config)
    desk.memo["dashboard"] = (now, figures, depths)
    return figures, depths


async def dashboard(request: Request) -> Response:
    newsroom = desk_of(request).newsroom
    figures, depths = await run_in_threadpool(_dashboard_figures, desk_of(request))
    broker = newsroom.config.settings.workers.broker_url
    return render(
        request,
        "dashboard.html",
        figures=figures,
        steps=STEPS,
        depths=depths,
        broker=bool(broker),
        reachable=any(d is not None for d in depths.values()),
    )


# People -----------------------------------------------------------------------------


async def users(request: Request) -> Response:
    return await _users_page(request)


async def _users_page(
    request: Request,
    status_code: int = 200,
    *,
    error: str | None = None,
    made: str | None = None,
    made_password: str | None = None,
) -> Response:
    """The people page; after a change, with its error or the password made (shown once)."""
    people = await run_in_threadpool(user_jobs.list_users, desk_of(request).newsroom)
    return render(
        request,
        "users.html",
        status_code=status_code,
        people=people,
        roles=list(Role),
        error=error,
        made=made,
        made_password=made_password,
    )


async def _people_change(request: Request, change: Any) -> Response:
    """Run a change to people; its InputError re-shows the page with the message."""
    try:
        result = await run_in_threadpool(change)
    except InputError as exc:
        return await _users_page(request, 400, error=str(exc))
    if isinstance(result, tuple) and result[1]:
        return await _users_page(request, made=result[0], made_password=result[1])
    return back(request, "/users")


async def users_add(request: Request) -> Response:
    form = await read_form(request)
    newsroom = desk_of(request).newsroom
    password = str(form.get("password", "")) or None

    def change() -> tuple[str, str | None]:
        user, made = user_jobs.add_user(
            newsroom,
            str(form.get("name", "")),
            str(form.get("role", "")),
            actor=actor(request),
            password=password,
            display_name=str(form.get("display_name", "")),
        )
        return user.name, made

    return await _people_change(request, change)


async def users_role(request: Request) -> Response:
    form = await read_form(request)
    newsroom = desk_of(request).newsroom
    name = request.path_params["name"]
    return await _people_change(
        request,
        lambda: user_jobs.change_role(
            newsroom, name, str(form.get("role", "")), actor=actor(request)
        ),
    )


async def users_password(request: Request) -> Response:
    form = await read_form(request)
    newsroom = desk_of(request).newsroom
    name = request.path_params["name"]
    password = str(form.get("password", "")) or None
    session = request.state.session
    keep = session.token_hash if session.user.name == name else None

    def change() -> tuple[str, str | None]:
        made = user_jobs.change_password(
            newsroom, name, password, actor=actor(request), keep_session=keep
        )
        return name, made

    return await _people_change(request, change)


async def users_remove(request: Request) -> Response:
    newsroom = desk_of(request).newsroom
    name = request.path_params["name"]
    return await _people_change(
        request, lambda: user_jobs.remove_user(newsroom, name, actor=actor(request))
    )


async def account(request: Request) -> Response:
    """Your own password: every other session of yours ends when it changes."""
    if request.method == "GET":
        return render(request, "account.html", error=None, saved=False)
    form = await read_form(request)
    session = request.state.session
    password = str(form.get("password", ""))
    try:
        await run_in_threadpool(
            lambda: user_jobs.change_password(
                desk_of(request).newsroom,
                session.user.name,
                password,
                actor=actor(request),
                keep_session=session.token_hash,
            )
        )
    except InputError as exc:
        return render(request, "account.html", status_code=400, error=str(exc), saved=False)
    return render(request, "account.html", error=None, saved=True)


# The audit log ----------------------------------------------------------------------


async def audit(request: Request) -> Response:
    params = request.query_params
    before = params.get("before", "")
    before_id = int(before) if is_ascii_number(before) and len(before) < 12 else None
    who = params.get("actor", "").strip()[:100] or None
    what = params.get("action", "").strip()[:64] or None
    entries = await run_in_threadpool(
        lambda: audit_jobs.audit_entries(
            desk_of(request).newsroom,
            actor=who,
            action=what,
            before_id=before_id,
            limit=AUDIT_PAGE + 1,
        )
    )
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    return render(
        request, "audit.html", entries=entries, more=more, actor=who or "", action=what or ""
    )
