"""Every error the API answers is RFC 9457 problem details, in one format: a JSON
object with `type`, `title`, `status` and `detail` (`application/problem+json`).
Nothing a client sends is answered 500; an unexpected failure is logged and answered
500 in the same format, without its insides."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class ApiError(Exception):
    """An answer other than success: its status, what was wrong, and headers or extra
    members of the problem object where the status needs them."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


def problem_body(status: int, detail: str = "", **extra: Any) -> bytes:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(body, ensure_ascii=False).encode()


def problem(
    status: int, detail: str = "", *, headers: Mapping[str, str] | None = None, **extra: Any
) -> Response:
    return Response(
        problem_body(status, detail, **extra),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, without echoing the input back (it may be huge or not JSON)."""
    found = []
    for item in error.errors()[:50]:
        found.append(
            {
                "location": [str(part) for part in item.get("loc", ())],
                "message": str(item.get("msg", ""))[:300],
                "type": str(item.get("type", "")),
            }
        )
    return found


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem(exc.status, exc.detail, headers=exc.headers, **exc.extra)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such resource: see /api/v1/openapi.json for what this API answers"
    return problem(exc.status_code, detail, headers=exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    detail = "; ".join(f"{'.'.join(e['location'])}: {e['message']}" for e in errors[:3])
    return problem(422, detail, errors=errors)


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("API request %s %s failed", request.method, request.url.path)
    return problem(500, "the server failed to answer this request; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _unexpected)
