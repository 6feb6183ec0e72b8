"""The audit log: who changed what, when, in the desk or with a command.

A use case that changes the newsroom on a person's behalf takes an `Actor` and writes
its entry with `record_in` in the same transaction as the change, so the log holds
exactly the changes that were made.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babelwire.clock import utcnow
from babelwire.newsroom import Site
from babelwire.storage import Session, audit

__all__ = ["Actor", "AuditEntry", "audit_entries", "command_actor", "record", "record_in"]

# An entry's detail stays small: a long before/after is cut, with "…" at its end.
_MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a desk user's name, or `cli:LOGIN` for a command."""

    name: str
    via: str  # "desk", "cli" or "api"


def command_actor() -> Actor:
    """The person running a `babelwire` command: their login name on this machine."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        login = "unknown"
    return Actor(name=f"cli:{login}", via="cli")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    via: str
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)


def _small(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_VALUE:
        return value[: _MAX_VALUE - 1] + "…"
    if isinstance(value, dict):
        return {str(k): _small(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_small(v) for v in value[:50]]
    return value


def record_in(session: Session, actor: Actor, action: str, target: str, **detail: Any) -> None:
    """Log `action` on `target` by `actor` in the caller's transaction."""
    audit.add_entry(
        session,
        at=utcnow(),
        actor=actor.name,
        via=actor.via,
        action=action,
        target=target,
        detail=_small(detail),
    )


def record(site: Site, actor: Actor, action: str, target: str, **detail: Any) -> None:
    """Log a change made by a use case that keeps no transaction of its own to share."""
    with site.sessions.begin() as session:
        record_in(session, actor, action, target, **detail)


def audit_entries(
    site: Site,
    *,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """The log newest first, filtered by actor and by action (a prefix: `source.`)."""
    with site.sessions() as session:
        rows = audit.entries(session, actor=actor, action=action, before_id=before_id, limit=limit)
        return [
            AuditEntry(
                id=row.id,
                at=row.at,
                actor=row.actor,
                via=row.via,
                action=row.action,
                target=row.target,
                detail=dict(row.detail or {}),
            )
            for row in rows
        ]
