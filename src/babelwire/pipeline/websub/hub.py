"""Requests to a WebSub hub: subscribe, unsubscribe, and a publisher's ping.

Each is a form POST through the same SSRF guard as every fetch (fetch/guard.py): a
hub on a loopback or private address is refused unless the caller's allowance (the
source's own host and port, added with `--allow-private`) or the site's
`fetch.allow_private_networks` covers it. Redirects are not followed (a hub that
moved says so in the feed), the answer's body is read only up to a few kilobytes,
and every wait is bounded by the fetcher's timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from babelwire.failure import describe_error
from babelwire.pipeline.fetch.guard import BlockedAddress, GuardedTransport
from babelwire.pipeline.fetch.http import Fetcher

__all__ = ["HubAnswer", "ask_hub"]

# What of a hub's answer is kept: enough for its error message.
ANSWER_BYTES = 4096


@dataclass(frozen=True, slots=True)
class HubAnswer:
    """What the hub said: `ok` for a 2xx (202 Accepted, or 204 once it has verified)."""

    ok: bool
    status: int | None  # None: no answer (refused, timed out)
    detail: str  # the reason when not ok, for the operator


def ask_hub(fetcher: Fetcher, hub: str, form: dict[str, str]) -> HubAnswer:
    """POST `form` to `hub` with the fetcher's identity, guard and timeouts."""
    timeout = httpx.Timeout(
        fetcher.read_timeout, connect=fetcher.connect_timeout, pool=fetcher.connect_timeout
    )
    try:
        with (
            httpx.Client(
                headers={"User-Agent": fetcher.headers["User-Agent"]},
                transport=GuardedTransport(fetcher.guard),
                trust_env=False,
                follow_redirects=False,
                timeout=timeout,
            ) as client,
            client.stream("POST", hub, data=form) as response,
        ):
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= ANSWER_BYTES:
                    break
    except httpx.HTTPError as exc:
        cause = exc.__cause__
        if isinstance(cause, BlockedAddress):
            return HubAnswer(False, None, str(cause))
        return HubAnswer(False, None, f"hub {hub}: {describe_error(exc)}")
    except (httpx.InvalidURL, ValueError) as exc:
        return HubAnswer(False, None, f"hub {hub}: {describe_error(exc)}")
    if 200 <= response.status_code < 300:
        return HubAnswer(True, response.status_code, "")
    said = " ".join(body[:ANSWER_BYTES].decode("utf-8", "replace").split())[:300]
    detail = f"hub {hub} answered HTTP {response.status_code}" + (f": {said}" if said else "")
    return HubAnswer(False, response.status_code, detail)
