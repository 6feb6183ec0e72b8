"""Queries on WebSub subscriptions (one per source whose feed names a hub) and on the
pings of this site's own hub."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.model import SubscriptionMode, SubscriptionState
from babelwire.storage.tables import WebsubPingRow, WebsubSubscriptionRow

__all__ = [
    "all_subscriptions",
    "due_subscriptions",
    "orphaned_subscriptions",
    "record_ping",
    "subscription_by_key",
    "subscription_for_source",
]

Row = WebsubSubscriptionRow


def subscription_for_source(session: Session, source_id: int) -> Row | None:
    return session.scalar(select(Row).where(Row.source_id == source_id))


def subscription_by_key(session: Session, key: str) -> Row | None:
    return session.scalar(select(Row).where(Row.key == key))


def load_subscription(session: Session, subscription_id: int) -> Row | None:
    return session.get(Row, subscription_id)


def all_subscriptions(session: Session) -> list[Row]:
    return list(session.scalars(select(Row).order_by(Row.id)))


def due_subscriptions(session: Session, now: datetime) -> list[Row]:
    """Subscriptions of a source to ask (or ask again) of its hub by `now`."""
    return list(
        session.scalars(
            select(Row)
            .where(
                Row.source_id.is_not(None),
                Row.state != SubscriptionState.ENDED.value,
                Row.next_attempt_at <= now,
            )
            .order_by(Row.next_attempt_at, Row.id)
        )
    )


def unverified_since(session: Session, before: datetime) -> list[Row]:
    """Requests a hub has not verified since `before`."""
    return list(
        session.scalars(
            select(Row).where(Row.requested_mode != "", Row.requested_at < before).order_by(Row.id)
        )
    )


def orphaned_subscriptions(session: Session) -> list[Row]:
    """Subscriptions whose source was removed and whose hub has not been asked to end them."""
    return list(
        session.scalars(
            select(Row)
            .where(
                Row.source_id.is_(None),
                Row.state != SubscriptionState.ENDED.value,
                Row.requested_mode != SubscriptionMode.UNSUBSCRIBE.value,
            )
            .order_by(Row.id)
        )
    )


def record_ping(
    session: Session, topic: str, hub: str, at: datetime, ok: bool, detail: str
) -> None:
    row = session.scalar(select(WebsubPingRow).where(WebsubPingRow.topic_url == topic))
    if row is None:
        row = WebsubPingRow(topic_url=topic)
        session.add(row)
    row.hub_url, row.pinged_at, row.ok, row.detail = hub, at, ok, detail


def all_pings(session: Session) -> list[WebsubPingRow]:
    return list(session.scalars(select(WebsubPingRow).order_by(WebsubPingRow.topic_url)))
