"""What monitoring asks of a running server: `/healthz` (the process answers) and
`/readyz` (the newsroom can work: database reachable, schema current, an engine into
every edition, the broker reachable when the Celery runner is configured).

Both answer JSON and are never cached; `/readyz` is 503 while any check fails, with
each check's verdict and what is wrong.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from babelwire.extras import MissingExtra, require
from babelwire.jobs.health import Check, check_database, check_engines
from babelwire.newsroom import Newsroom

NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _broker(newsroom: Newsroom) -> Check | None:
    broker = newsroom.config.settings.workers.broker_url
    if not broker:
        return None
    try:
        require("celery", "workers", "checking the broker")
    except MissingExtra as exc:
        return Check(False, str(exc))
    from babelwire.runners.celery.app import queue_depths

    depths = queue_depths(newsroom.config)
    if all(depth is None for depth in depths.values()):
        return Check(False, "the broker is not reachable")
    return Check(True, "reachable")


def readiness(newsroom: Newsroom) -> dict[str, Check]:
    checks = check_database(newsroom)
    checks["engines"] = check_engines(newsroom)
    broker = _broker(newsroom)
    if broker is not None:
        checks["broker"] = broker
    return checks


async def readyz(request: Request) -> JSONResponse:
    newsroom: Newsroom = request.app.state.newsroom
    checks = await run_in_threadpool(readiness, newsroom)
    ready = all(check.ok for check in checks.values())
    body: dict[str, Any] = {
        "status": "ready" if ready else "failing",
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)


def operations_routes() -> list[Route]:
    return [Route("/healthz", healthz), Route("/readyz", readyz)]
