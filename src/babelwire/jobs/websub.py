"""WebSub use cases: subscribing to the hubs sources name, renewing and ending those
subscriptions, answering a hub's intent verification, and taking what it pushes.

A pass notes the hub a feed names (jobs/websub_polls.py); `maintain` then asks the
hubs: a subscription to request, a lease to renew before it ends, a request no hub
verified in time to give up on, a removed source's subscription to end. The hub
verifies each request at the callback (`verify_intent`), and from then on pushes the
feed's new content there, signed with the subscription's secret (`accept_push`). What
it pushes is stored as a poll stores it, and processed at once (`process_pushed`).
Every request to a hub passes the SSRF guard as the source's own fetches do.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.fast_lane import carry_now
from babelwire.jobs.refresh import refresh_source, store_pushed
from babelwire.model import SubscriptionMode, SubscriptionState
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from babelwire.pipeline.fetch.guard import NO_ALLOWANCE, allowance_for, allowed
from babelwire.pipeline.websub.hub import HubAnswer, ask_hub
from babelwire.pipeline.websub.signature import SignatureRefused, check_signature
from babelwire.storage import sources
from babelwire.storage import websub as subscriptions
from babelwire.storage.tables import WebsubSubscriptionRow

__all__ = [
    "ProcessedPush",
    "PushRefused",
    "Pushed",
    "Replays",
    "Verification",
    "accept_push",
    "callback_url",
    "maintain",
    "process_pushed",
    "unsubscribe_removed",
    "verify_intent",
]

log = logging.getLogger("babelwire.websub")

# A hub's challenge is echoed back; a longer one is no challenge.
MAX_CHALLENGE = 1024
# The longest lease taken from a hub (a year); a longer one is read as this.
MAX_LEASE_SECONDS = 366 * 24 * 3600
# A request that failed is asked again after this, doubled per failure, up to a day.
RETRY_FIRST = timedelta(minutes=5)
RETRY_MOST = timedelta(days=1)


class PushRefused(InputError):
    """A callback request that is not taken; `reason` is the label /metrics counts it
    under: unknown, unsigned, bad_signature, replayed, bad_verification, unrequested."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def callback_url(newsroom: Newsroom, key: str) -> str:
    """Where the hub reaches the subscription named `key`."""
    settings = newsroom.config.settings
    base = settings.websub.callback_base_url or settings.site.base_url.rstrip("/") + "/websub/"
    return base.rstrip("/") + "/" + key


# --- asking hubs -----------------------------------------------------------------------


@dataclass(slots=True)
class Maintenance:
    """What one round of `maintain` asked of hubs, and what it gave up on."""

    requested: int = 0
    failed: int = 0
    timed_out: int = 0
    ended: int = 0


def maintain(newsroom: Newsroom, now: datetime | None = None) -> Maintenance:
    """Subscribe, renew, give up on unverified requests and end removed sources'
    subscriptions; a hub that fails is recorded on its subscription, never raised."""
    done = Maintenance()
    settings = newsroom.config.settings.websub
    if not settings.enabled:
        return done
    now = now or utcnow()
    timeout = timedelta(seconds=settings.verify_timeout_seconds)
    with newsroom.sessions() as session:
        for row in subscriptions.unverified_since(session, now - timeout):
            done.timed_out += 1
            _failed(row, now, f"the hub did not verify the {row.requested_mode} request in time")
        session.commit()
        due = [row.id for row in subscriptions.due_subscriptions(session, now)]
    for subscription_id in due:
        answer = _ask(newsroom, subscription_id, SubscriptionMode.SUBSCRIBE)
        done.requested += 1
        done.failed += 0 if answer is None or answer.ok else 1
    done.ended = unsubscribe_removed(newsroom)
    return done


def unsubscribe_removed(newsroom: Newsroom) -> int:
    """Ask the hubs of removed sources to end their subscriptions; how many were asked."""
    with newsroom.sessions() as session:
        orphans = [row.id for row in subscriptions.orphaned_subscriptions(session)]
    for subscription_id in orphans:
        _ask(newsroom, subscription_id, SubscriptionMode.UNSUBSCRIBE)
    return len(orphans)


def _ask(newsroom: Newsroom, subscription_id: int, mode: SubscriptionMode) -> HubAnswer | None:
    """Send one request to a hub. The request is committed as asked before it leaves,
    as a hub may verify it before it answers."""
    settings = newsroom.config.settings.websub
    now = utcnow()
    with newsroom.sessions() as session:
        row = subscriptions.load_subscription(session, subscription_id)
        if row is None:
            return None
        allowance = allowance_for(row.hub_url) if row.private_ok else NO_ALLOWANCE
        form = {
            "hub.mode": mode.value,
            "hub.topic": row.topic_url,
            "hub.callback": callback_url(newsroom, row.key),
        }
        if mode == SubscriptionMode.SUBSCRIBE:
            form["hub.secret"] = row.secret
            form["hub.lease_seconds"] = str(settings.lease_seconds)
        row.requested_mode, row.requested_at, row.next_attempt_at = mode.value, now, None
        hub = row.hub_url
        session.commit()
    with allowed(allowance):
        answer = ask_hub(newsroom.fetcher, hub, form)
    if answer.ok:
        return answer
    log.warning("websub: %s request for %s refused: %s", mode.value, hub, answer.detail)
    with newsroom.sessions() as session:
        row = subscriptions.load_subscription(session, subscription_id)
        if row is not None and row.requested_at == now and row.requested_mode == mode.value:
            _failed(row, utcnow(), answer.detail)
            if mode == SubscriptionMode.UNSUBSCRIBE and row.source_id is None:
                row.state = SubscriptionState.ENDED.value  # the lease will lapse anyway
        session.commit()
    return answer


def _failed(row: WebsubSubscriptionRow, now: datetime, why: str) -> None:
    """A request the hub refused or never verified: asked again later, backing off."""
    row.requested_mode = ""
    row.failures += 1
    row.last_error = why[:2000]
    if row.state != SubscriptionState.ACTIVE or (
        row.lease_expires_at is not None and row.lease_expires_at <= now
    ):
        row.state = SubscriptionState.FAILED.value
    wait = min(RETRY_FIRST * 2 ** min(row.failures - 1, 16), RETRY_MOST)
    row.next_attempt_at = now + wait


# --- the callback ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer to a hub's GET: the challenge echoed (200), or nothing (404)."""

    status: int
    body: str = ""


def verify_intent(
    newsroom: Newsroom,
    key: str,
    *,
    mode: str,
    topic: str,
    challenge: str,
    lease_seconds: str = "",
    reason: str = "",
) -> Verification:
    """Confirm (or refuse) a request the hub says it received for subscription `key`.

    Only a request babelwire made and has not yet seen verified is confirmed, for its
    topic and mode: a hub verifying again and again, or for another topic, is refused
    (PushRefused). `denied` records the hub's refusal of a subscription.
    """
    now = utcnow()
    with newsroom.sessions() as session:
        row = subscriptions.subscription_by_key(session, key)
        if row is None:
            raise PushRefused("unknown", "no such subscription")
        if topic != row.topic_url:
            raise PushRefused("bad_verification", "not the topic of this subscription")
        if mode == "denied":
            if row.state != SubscriptionState.ENDED:
                _failed(row, now, f"the hub denied the subscription: {reason[:300]}")
                row.state = SubscriptionState.FAILED.value
                session.commit()
            return Verification(200)
        if mode not in (SubscriptionMode.SUBSCRIBE, SubscriptionMode.UNSUBSCRIBE):
            raise PushRefused("bad_verification", f"unknown hub.mode {mode[:40]!r}")
        if row.requested_mode != mode:
            raise PushRefused("unrequested", f"no {mode} request is waiting for verification")
        if not challenge or len(challenge) > MAX_CHALLENGE:
            raise PushRefused("bad_verification", "no usable hub.challenge")
        row.requested_mode = ""
        row.failures = 0
        row.last_error = None
        if mode == SubscriptionMode.UNSUBSCRIBE:
            row.state = SubscriptionState.ENDED.value
            row.next_attempt_at = row.lease_expires_at = None
        else:
            settings = newsroom.config.settings.websub
            granted = _lease(lease_seconds, settings.lease_seconds)
            row.state = SubscriptionState.ACTIVE.value
            row.verified_at = now
            row.missed_at = None
            row.lease_expires_at = now + timedelta(seconds=granted)
            renew = min(settings.renew_before_seconds, granted // 2)
            row.next_attempt_at = row.lease_expires_at - timedelta(seconds=renew)
        session.commit()
    return Verification(200, challenge)


def _lease(given: str, asked: int) -> int:
    text = given.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return asked
    return max(1, min(int(text), MAX_LEASE_SECONDS))


class Replays:
    """The signatures of recent pushes, per subscription: the same signed body sent
    again is a replay (or a hub's retry) and is not processed again. Bounded, per
    process; storing entries skips an unchanged entry in any case."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, subscription_id: int, digest: str) -> bool:
        with self._lock:
            key = (subscription_id, digest)
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True


@dataclass(frozen=True, slots=True)
class Pushed:
    """A push taken: its source, the articles its entries made new or changed, and
    whether the feed must be fetched (the hub sent a ping, not the content)."""

    source_id: int
    hub_url: str
    article_ids: tuple[int, ...] = ()
    fetch_feed: bool = False


def subscription_hub(newsroom: Newsroom, key: str) -> str | None:
    """The hub of the subscription named `key` (for rate limiting), None if unknown."""
    with newsroom.sessions() as session:
        row = subscriptions.subscription_by_key(session, key)
        return None if row is None else row.hub_url


def accept_push(
    newsroom: Newsroom,
    key: str,
    body: bytes,
    *,
    content_type: str,
    signature: str | None,
    replays: Replays,
) -> Pushed:
    """Take what the hub pushed for subscription `key` if it is signed with its secret.

    Raises PushRefused for an unknown or ended subscription, a missing or wrong
    signature and a replay; the refusal is counted on the subscription. A body that is
    a feed is stored as a poll would store it; anything else is taken as a ping.
    """
    now = utcnow()
    with newsroom.sessions() as session:
        row = subscriptions.subscription_by_key(session, key)
        if row is None or row.source_id is None or row.state != SubscriptionState.ACTIVE:
            raise PushRefused("unknown", "no active subscription of that name")
        try:
            digest = check_signature(signature, body, row.secret)
        except SignatureRefused as exc:
            row.refused += 1
            row.last_error = f"a push was refused: {exc}"
            session.commit()
            raise PushRefused(exc.reason, str(exc)) from exc
        if not replays.first_time(row.id, digest):
            row.refused += 1
            session.commit()
            raise PushRefused("replayed", "this signed body was taken already")
        row.pushes += 1
        row.last_push_at = now
        source_id, hub, topic = row.source_id, row.hub_url, row.topic_url
        source = sources.load_source(session, source_id)
        paused = source is None or not source.enabled
        session.commit()
    if paused:
        return Pushed(source_id, hub)
    try:
        feed = parse_feed(body, topic, content_type) if body.strip() else None
    except NotAFeed:
        feed = None
    if feed is None or not feed.entries:
        return Pushed(source_id, hub, fetch_feed=True)
    report = store_pushed(newsroom, source_id, feed)
    return Pushed(source_id, hub, tuple(report.article_ids))


# --- processing ------------------------------------------------------------------------


@dataclass(slots=True)
class ProcessedPush:
    """What processing a push did: articles taken through the stages, by stage."""

    source_id: int
    article_ids: list[int] = field(default_factory=list)
    done: dict[str, int] = field(default_factory=dict)
    live: list[int] = field(default_factory=list)
    error: str | None = None


def process_pushed(
    newsroom: Newsroom, source_id: int, article_ids: Sequence[int] = (), *, fetch_feed: bool = False
) -> ProcessedPush:
    """Take a push's articles through extraction, translation and publication now, in
    this process; with `fetch_feed` (the hub sent a ping) the feed is polled first.

    Each article goes through the fast lane (`jobs.fast_lane.carry_now`): the stages skip
    an article no longer waiting for them, and claim what they work on, so a pass or a
    worker on the same articles at the same time does nothing twice.
    """
    result = ProcessedPush(source_id, list(dict.fromkeys(article_ids)))
    if fetch_feed:
        report = refresh_source(newsroom, source_id)
        result.error = report.error
        result.article_ids += [i for i in report.article_ids if i not in result.article_ids]
    if not result.article_ids:
        return result
    # The fast lane: each article alone through every stage, claimed at each.
    carried = carry_now(newsroom, source_id, result.article_ids)
    for stage, outcome in carried.results.items():
        result.done[str(stage)] = len(outcome.done) + len(outcome.unchanged)
    result.live = list(carried.live)
    return result
