"""The API app: FastAPI, mounted at /api/v1 of the served site, with its OpenAPI
document (made from the code) at /api/v1/openapi.json and a reference page at
/api/v1/docs rendered from that document on the server (no script, no CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.middleware.cors import CORSMiddleware

from babelwire.newsroom import Newsroom
from babelwire.web.api import export, problems, reads, review, writes
from babelwire.web.api.edge import EdgeSettings
from babelwire.web.api.problems import MEDIA_TYPE
from babelwire.web.api.reference import render_reference

PREFIX = "/api/v1"

DESCRIPTION = """\
The articles, translations and stories of this site, as JSON.

Every article carries its provenance: the language it was written in, whether its
text is a machine translation and by which engine and model, whether a person
revised it, and the link to its original. Reads are public; writes need a bearer
token made with "babelwire token create --role ROLE --name NAME", sent as
"Authorization: Bearer TOKEN". Errors are RFC 9457 problem details. Answers carry
an ETag: send it back as If-None-Match and an unchanged answer is 304.
"""


PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
# What any operation may answer besides its own: the edge's refusals (web/api/edge.py).
ANY_OPERATION = {
    "429": "Too many requests: wait for Retry-After seconds.",
    "503": "The request took longer than the server allows.",
}


def problems_documented(document: dict[str, Any]) -> dict[str, Any]:
    """The document FastAPI made, with every error answer declared as what it is:
    `application/problem+json` (a Problem), the edge's refusals on every operation."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            answers = operation.setdefault("responses", {})
            for status, text in ANY_OPERATION.items():
                answers.setdefault(status, {"description": text})
            if "requestBody" in operation:
                answers.setdefault("413", {"description": "The body is too large."})
            for status, answer in answers.items():
                if status[0] in "45":
                    answer["content"] = {MEDIA_TYPE: PROBLEM}
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def edge_settings(newsroom: Newsroom) -> EdgeSettings:
    api = newsroom.config.settings.api
    return EdgeSettings(
        prefix=PREFIX,
        cache_seconds=api.cache_seconds,
        address_per_minute=api.address_requests_per_minute,
        token_per_minute=api.token_requests_per_minute,
        max_body_bytes=api.max_body_bytes,
        timeout_seconds=api.timeout_seconds,
    )


def create_api_app(newsroom: Newsroom) -> FastAPI:
    """The API of `newsroom`, to be mounted at PREFIX (with ApiEdge around the site)."""
    api = FastAPI(
        title=f"{newsroom.config.settings.site.title} API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redirect_slashes=False,
    )
    api.state.newsroom = newsroom
    problems.install(api)
    api.include_router(reads.router)
    api.include_router(writes.router)
    api.include_router(review.router)
    api.include_router(export.router)
    origins = newsroom.config.settings.api.cors_origins
    if origins:
        # Reads only, and never with a token: a page elsewhere cannot act for anyone.
        api.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "HEAD"],
            allow_headers=["If-None-Match"],
            expose_headers=["ETag"],
            allow_credentials=False,
            max_age=600,
        )

    original = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = problems_documented(original())
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]

    @api.get("/docs", include_in_schema=False)
    async def reference(request: Request) -> HTMLResponse:
        document: dict[str, Any] = api.openapi()
        return HTMLResponse(render_reference(document, PREFIX))

    return api
