"""Content distribution is authenticated with `X-Hub-Signature: METHOD=HEX`, an HMAC of
the body under the subscription's secret (WebSub 8). sha1 (what older hubs send),
sha256, sha384 and sha512 are accepted; anything else, or no signature, is refused."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["METHODS", "SignatureRefused", "check_signature", "sign"]

METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


class SignatureRefused(Exception):
    """The push is not signed with the subscription's secret; `reason` names how."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # unsigned, bad_signature (the label /metrics counts under)


def sign(body: bytes, secret: str, method: str = "sha256") -> str:
    """The header value a hub sends for `body` (used by the hub ping tests and by hubs)."""
    digest = hmac.new(secret.encode("utf-8"), body, METHODS[method]).hexdigest()
    return f"{method}={digest}"


def check_signature(header: str | None, body: bytes, secret: str) -> str:
    """The signature's hex digest when `header` signs `body` under `secret`; raises
    SignatureRefused otherwise. Compared in constant time."""
    if not header or not header.strip():
        raise SignatureRefused("unsigned", "no X-Hub-Signature")
    method, _, given = header.strip().partition("=")
    algorithm = METHODS.get(method.strip().lower())
    if algorithm is None:
        raise SignatureRefused("bad_signature", f"unknown signature method {method[:20]!r}")
    expected = hmac.new(secret.encode("utf-8"), body, algorithm).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise SignatureRefused("bad_signature", "the signature does not match the body")
    return expected
