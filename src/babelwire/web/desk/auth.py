"""Who is asking: the session cookie, the role a route needs, and the CSRF token of a form.

The cookie holds a random token, signed with the site's desk key (itsdangerous); the
database holds the token's hash and the session's CSRF token. A form carries that
token in a hidden `csrf` field; the sign-in form, which has no session yet, carries
one bound to a cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Message

from babelwire.jobs.users import DeskSession, desk_secret, session_for
from babelwire.model import Role
from babelwire.newsroom import Newsroom

Endpoint = Callable[[Request], Awaitable[Response]]

SESSION_COOKIE = "babelwire_desk"
LOGIN_COOKIE = "babelwire_desk_login"
# A form of the desk is small: a long text (an article's translation) at most.
MAX_FORM_FIELDS = 2000
MAX_FORM_PART_BYTES = 1024 * 1024
# A route that takes a file (an OPML upload) takes one, of this size at most; its whole
# request may be a little larger (the form's other fields and the multipart framing).
MAX_UPLOAD_BYTES = 1024 * 1024
_UPLOAD_FRAMING_BYTES = 64 * 1024


class UploadTooLarge(Exception):
    """A request's body is over what a route that takes a file accepts."""


@dataclass(frozen=True, slots=True)
class Desk:
    """What every desk endpoint reads from the app's state."""

    newsroom: Newsroom
    base: str  # the desk's path, e.g. /desk
    secure: bool  # cookies only over https (the site's base URL is https)
    memo: dict[str, Any] = field(default_factory=dict)  # figures kept a few seconds

    @property
    def signer(self) -> URLSafeSerializer:
        """What signs the desk's cookies, with the site's key, read from the database on
        first use (not when the app is made: a server starts whatever its database)."""
        signer = self.memo.get("signer")
        if signer is None:
            signer = URLSafeSerializer(desk_secret(self.newsroom), salt="babelwire-desk")
            self.memo["signer"] = signer
        return signer


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def read_token(request: Request, cookie: str, salt: str) -> str | None:
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        value = desk_of(request).signer.loads(raw, salt=salt)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def set_cookie(
    request: Request,
    response: Response,
    cookie: str,
    value: str | None,
    salt: str,
    max_age: int | None = None,
) -> None:
    desk = desk_of(request)
    if value is None:
        response.delete_cookie(
            cookie, path=desk.base, secure=desk.secure, httponly=True, samesite="strict"
        )
        return
    response.set_cookie(
        cookie,
        desk.signer.dumps(value, salt=salt),
        max_age=max_age,
        path=desk.base,
        secure=desk.secure,
        httponly=True,
        samesite="strict",
    )


def current_session(request: Request) -> DeskSession | None:
    """The live session of this request's cookie, or None (no cookie, bad or ended)."""
    token = read_token(request, SESSION_COOKIE, "session")
    if token is None:
        return None
    return session_for(desk_of(request).newsroom, token)


def login_token(request: Request) -> str:
    """The sign-in form's CSRF token: the one its cookie holds, else a new one."""
    return read_token(request, LOGIN_COOKIE, "login") or secrets.token_urlsafe(24)


def same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


async def read_form(request: Request) -> FormData:
    """The form of a request, read once (the guard reads it first, for its CSRF token).

    Only a route that takes a file (`guard(..., upload=True)`) has read a file part;
    on any other route a form with a file is refused."""
    return await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES
    )


def limit_body(request: Request, limit: int) -> Request:
    """`request`, whose body raises UploadTooLarge once more than `limit` bytes arrive
    (whether or not it said its length)."""
    receive = request.receive
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise UploadTooLarge(f"more than {limit} bytes")
        return message

    return Request(request.scope, counting)


async def read_upload(request: Request) -> tuple[Request, FormData]:
    """The form of a route that takes one file of MAX_UPLOAD_BYTES at most, with the
    request to pass on (its body read through the limit). UploadTooLarge: over it."""
    limit = MAX_UPLOAD_BYTES + _UPLOAD_FRAMING_BYTES
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise UploadTooLarge(f"{length} bytes")
    limited = limit_body(request, limit)
    form = await limited.form(
        max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES
    )
    return limited, form


def guard(
    role: Role,
    endpoint: Endpoint,
    refuse: Callable[[Request, int, str], Response],
    *,
    upload: bool = False,
) -> Endpoint:
    """`endpoint` for people of `role` or above, signed in; a form also needs its CSRF
    token. Someone not signed in is sent to sign in (GET) or refused (anything else).
    An `upload` route's form may hold one file (read_upload), others none."""

    async def guarded(request: Request) -> Response:
        found = await run_in_threadpool(current_session, request)
        request.state.session = found
        if found is None:
            if request.method in ("GET", "HEAD"):
                base = desk_of(request).base
                target = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                    safe="/",  # its own ?, & and = encoded: all of it is one parameter
                )
                return RedirectResponse(f"{base}/login?next={target}", status_code=303)
            return refuse(request, 401, "sign_in")
        if not found.user.role.may(role):
            return refuse(request, 403, "forbidden")
        if request.method == "POST":
            if upload:
                try:
                    request, form = await read_upload(request)
                except UploadTooLarge:
                    return refuse(request, 413, "upload_too_large")
            else:
                form = await read_form(request)
            if not same(form.get("csrf"), found.csrf):
                return refuse(request, 403, "form_expired")
        return await endpoint(request)

    guarded.desk_role = role  # type: ignore[attr-defined]
    return guarded


def public(endpoint: Endpoint) -> Endpoint:
    """An endpoint anyone may reach (the sign-in page, the style sheet)."""

    async def open_to_all(request: Request) -> Response:
        request.state.session = await run_in_threadpool(current_session, request)
        return await endpoint(request)

    open_to_all.desk_role = None  # type: ignore[attr-defined]
    return open_to_all


def safe_next(base: str, value: Any) -> str:
    """Where to go after signing in: a path of the desk, never another site."""
    if (
        isinstance(value, str)
        and value.startswith(base + "/")
        and "//" not in value
        and "\\" not in value
        and value.isprintable()
    ):
        return value
    return base + "/"
