"""Who is calling: a bearer token (`Authorization: Bearer bw_...`) or nobody.

Public reads need no token. An endpoint that needs one declares `Depends(needs(role))`;
a missing token is 401, a wrong or revoked one 401 (whatever the endpoint), a token
whose role is too low 403. Checked on every request, against the database.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from babelwire.jobs.tokens import TokenInfo, token_for
from babelwire.model import Role
from babelwire.newsroom import Newsroom
from babelwire.web.api.problems import ApiError

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="bw_ token from `babelwire token create`",
    description="A token made with `babelwire token create --role ROLE --name NAME`.",
)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="babelwire"'}
_INVALID = {"WWW-Authenticate": 'Bearer realm="babelwire", error="invalid_token"'}


def newsroom_of(request: Request) -> Newsroom:
    newsroom: Newsroom = request.app.state.newsroom
    return newsroom


async def caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> TokenInfo | None:
    """The token the request carries; None without one. A request that sends an
    Authorization header that is not a live token is refused, whatever it asks for.

    Every route depends on this, so it also refuses a parameter holding a NUL
    character, which no text of babelwire holds and PostgreSQL refuses to compare."""
    values = [*request.query_params.values(), *map(str, request.path_params.values())]
    if any("\x00" in value for value in values):
        raise ApiError(422, "a parameter holds a NUL character")
    header = request.headers.get("authorization")
    if header is None:
        return None
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "send a token as `Authorization: Bearer TOKEN`", headers=_INVALID)
    found = await run_in_threadpool(token_for, newsroom_of(request), credentials.credentials)
    if found is None:
        raise ApiError(401, "this token is unknown or has been revoked", headers=_INVALID)
    return found


def needs(role: Role) -> Callable[..., object]:
    """A dependency refusing callers without a token of `role` or above."""

    async def check(token: TokenInfo | None = Depends(caller)) -> TokenInfo:
        if token is None:
            raise ApiError(
                401, f"this needs a token with the {role.value} role", headers=_CHALLENGE
            )
        if not token.role.may(role):
            raise ApiError(
                403, f"this needs the {role.value} role; this token is {token.role.value}"
            )
        return token

    check.api_role = role  # type: ignore[attr-defined]
    return check
