"""What a poll does for WebSub: note the hub a feed names (a subscription to ask for),
and poll a source whose hub pushes only now and then, as a safety net.

A hub counts as pushing while its subscription is verified, its lease runs, it has
pushed or verified within `websub.quiet_minutes`, and no safety-net poll has found
entries it did not push since its last push. Otherwise its source is polled as any
other: a hub that goes quiet costs freshness for one safety-net interval at most.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from babelwire.config import WebsubSettings
from babelwire.model import SubscriptionState
from babelwire.pipeline.fetch.guard import origin_of
from babelwire.pipeline.websub.discovery import Announcement
from babelwire.storage import Session
from babelwire.storage import websub as subscriptions
from babelwire.storage.columns import fits
from babelwire.storage.tables import SourceRow, WebsubSubscriptionRow

__all__ = ["after_poll", "new_key", "note_announcement", "pushing"]


def new_key() -> tuple[str, str]:
    """A callback key and a secret for a new subscription (or a new hub)."""
    return secrets.token_urlsafe(24), secrets.token_urlsafe(32)


def pushing(row: WebsubSubscriptionRow, settings: WebsubSettings, now: datetime) -> bool:
    """Whether the hub of `row` is taken to push its source's entries now."""
    if row.state != SubscriptionState.ACTIVE or row.lease_expires_at is None:
        return False
    if row.lease_expires_at <= now:
        return False
    heard = [t for t in (row.last_push_at, row.verified_at) if t is not None]
    if not heard or max(heard) < now - timedelta(minutes=settings.quiet_minutes):
        return False
    return row.missed_at is None or (
        row.last_push_at is not None and row.last_push_at > row.missed_at
    )


def note_announcement(
    session: Session, source: SourceRow, announcement: Announcement | None, now: datetime
) -> None:
    """Remember the hub the source's feed names: a subscription to ask for, or the
    subscription asked again of another hub when the feed names a new one."""
    if announcement is None:
        return
    if not fits(announcement.hub, WebsubSubscriptionRow.hub_url) or not fits(
        announcement.topic, WebsubSubscriptionRow.topic_url
    ):
        return
    row = subscriptions.subscription_for_source(session, source.id)
    private_ok = source.allow_private and _same_origin(source.url, announcement.hub)
    if row is None:
        key, secret = new_key()
        row = WebsubSubscriptionRow(
            key=key,
            secret=secret,
            source_id=source.id,
            private_ok=private_ok,
            hub_url=announcement.hub,
            topic_url=announcement.topic,
            state=SubscriptionState.WANTED.value,
            requested_mode="",
            next_attempt_at=now,
            pushes=0,
            refused=0,
            failures=0,
        )
        session.add(row)
        return
    if row.hub_url != announcement.hub or row.topic_url != announcement.topic:
        # Another hub: what the old one pushes under the old key is refused from now.
        row.key, row.secret = new_key()
        row.hub_url, row.topic_url = announcement.hub, announcement.topic
        row.private_ok = private_ok
        row.state, row.requested_mode = SubscriptionState.WANTED.value, ""
        row.next_attempt_at, row.failures = now, 0
        row.lease_expires_at = row.verified_at = row.missed_at = None
    elif row.state == SubscriptionState.ENDED:
        row.state, row.requested_mode, row.next_attempt_at = SubscriptionState.WANTED.value, "", now


def _same_origin(url: str, other: str) -> bool:
    try:
        return origin_of(url) == origin_of(other)
    except (ValueError, UnicodeError):
        return False


def after_poll(
    session: Session, settings: WebsubSettings, source: SourceRow, new_entries: int, now: datetime
) -> None:
    """After a successful poll: entries found that the hub had not pushed make it quiet;
    a source whose hub pushes is polled next after `websub.safety_net_minutes`."""
    row = subscriptions.subscription_for_source(session, source.id)
    if row is None or not pushing(row, settings, now):
        return
    if new_entries > 0:
        row.missed_at = now
        row.last_error = (
            f"a safety-net poll found {new_entries} entries the hub had not pushed; "
            "polled as usual until it pushes again"
        )
        return
    safety = now + timedelta(minutes=settings.safety_net_minutes)
    if source.next_fetch_at is None or source.next_fetch_at < safety:
        source.next_fetch_at = safety
    source.poll_reason = (
        f"pushed by its WebSub hub; polled every {settings.safety_net_minutes} minutes "
        "as a safety net"
    )
