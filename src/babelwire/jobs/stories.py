"""Stories in the live pipeline: each published article joins the best open story or starts one.

Articles are compared in one pivot language (`stories.pivot_language`, else the
first edition's): their translation into it, or the original when written in it.
The open stories (those seen within `stories.window_hours`) are cached per
Newsroom in a StoryClusterer, read from the database on first use. Every
assignment happens under a lock shared by all processes and raises one counter
(`stories.seq`, also written on the article as `story_seq`); a process whose
cache is behind the counter reads only the stories and articles changed since
its own number, so no process reloads the whole window per article.

A story is open to an article reported (published by its source) within the
window after the story's newest report; `first_seen` and `last_seen` are when
this site saw its articles, which is what the front page ranks by.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.config import Config
from babelwire.model import Stage
from babelwire.newsroom import Newsroom, StoryDesk
from babelwire.pipeline.dedup.stories import StoryClusterer, StoryInput, strongest_first
from babelwire.storage import Session, stories
from babelwire.storage.locks import serialise
from babelwire.storage.tables import ArticleRow, StoryRow

STORIES_LOCK = "babelwire.stories"
# Texts that count for the term weights (idf) of a process that has just started.
SEED_ARTICLES = 500
# A process this many assignments behind (idle for long) reads the window again
# rather than every change since.
RELOAD_AFTER = 20_000


def pivot_language(config: Config) -> str:
    return config.settings.stories.pivot_language or config.languages[0]


def _new_clusterer(config: Config) -> StoryClusterer:
    return StoryClusterer(
        threshold=config.settings.stories.threshold,
        window=timedelta(hours=float(config.settings.stories.window_hours)),
        keep_closed=False,  # a long-running worker holds the open stories only
    )


def desk_for(newsroom: Newsroom) -> StoryDesk:
    """The Newsroom's story desk, made on first use (stories are read at the first assignment)."""
    if newsroom.caches.story_desk is None:
        config = newsroom.config
        newsroom.caches.story_desk = StoryDesk(
            _new_clusterer(config),
            pivot_language(config),
            timedelta(hours=float(config.settings.stories.window_hours)),
        )
    desk: StoryDesk = newsroom.caches.story_desk
    return desk


def forget_desk(newsroom: Newsroom) -> None:
    """Drop the cache (after a failed transaction): the next assignment reads the stories again."""
    newsroom.caches.story_desk = None


# --- reading the stories back ----------------------------------------------------------


def _load(desk: StoryDesk, session: Session, config: Config, now: datetime) -> None:
    """Read the open stories of the window, and recent texts for the term weights."""
    started = time.perf_counter()
    desk.clusterer = _new_clusterer(config)
    for story in stories.open_stories(session, now - desk.window):
        desk.clusterer.restore(story, ordered=True)
    recent = stories.recent_member_ids(session, SEED_ARTICLES)
    texts = stories.pivot_texts(session, recent, desk.pivot)
    for article_id in reversed(recent):
        title, text, _language = texts[article_id]
        desk.clusterer.observe(title, text)
    desk.load_seconds = time.perf_counter() - started
    desk.loads += 1


def _sync(desk: StoryDesk, session: Session, since: int, now: datetime) -> None:
    """Take in what other processes did since `since`: changed stories and new members."""
    desk.synced = []
    for story in stories.open_stories(session, now - desk.window, changed_after=since):
        desk.clusterer.restore(story, ordered=True)
        desk.synced.append(story.id)
    joined = stories.member_ids_since(session, since)
    texts = stories.pivot_texts(session, joined, desk.pivot)
    for article_id in joined:
        title, text, _language = texts[article_id]
        desk.clusterer.observe(title, text)


def _catch_up(desk: StoryDesk, session: Session, config: Config, now: datetime) -> None:
    current = stories.assignment_counter(session)
    if desk.seq < 0 or current < desk.seq or current - desk.seq > RELOAD_AFTER:
        _load(desk, session, config, now)
    elif current > desk.seq:
        _sync(desk, session, desk.seq, now)
    desk.seq = current


# --- assigning -------------------------------------------------------------------------


def assign_stories(
    newsroom: Newsroom, session: Session, articles: Sequence[ArticleRow]
) -> dict[int, int]:
    """Put each published article without a story into one; returns article -> story.

    Runs inside the caller's transaction (the one that publishes the articles), so
    an article is published with its story or not at all. A copy of another
    article joins its original's story directly.
    """
    if not articles:
        return {}
    desk = desk_for(newsroom)
    try:
        return _assign(newsroom, desk, session, articles)
    except BaseException:
        forget_desk(newsroom)
        raise


def _assign(
    newsroom: Newsroom, desk: StoryDesk, session: Session, articles: Sequence[ArticleRow]
) -> dict[int, int]:
    serialise(session, STORIES_LOCK)
    now = utcnow()
    _catch_up(desk, session, newsroom.config, now)
    pending = sorted(
        (a for a in articles if a.story_id is None and a.stage == Stage.PUBLISHED.value),
        key=lambda a: (a.duplicate_of is not None, a.id),  # originals before their copies
    )
    touched = {a.story_id for a in articles if a.story_id is not None}
    texts = stories.pivot_texts(session, [a.id for a in pending], desk.pivot)
    # The whole batch counts for the term weights before any of it is placed: a
    # young site's first articles are then weighed against more than themselves.
    for article in pending:
        title, text, _language = texts[article.id]
        desk.clusterer.observe(title, text)
    seq = desk.seq
    placed: dict[int, int] = {}
    for article in pending:
        seq += 1
        title, text, language = texts[article.id]
        reported = min(article.published_at or now, now)
        row = _story_of_original(session, article)
        if row is not None:
            row.first_reported_at = min(row.first_reported_at or reported, reported)
            row.last_reported_at = max(row.last_reported_at or reported, reported)
            known = desk.clusterer.stories.get(row.id)
            if known is not None:
                known.first_seen = min(known.first_seen, reported)
                known.last_seen = max(known.last_seen, reported)
        else:
            item = StoryInput(article.id, title, text, reported)
            row = _place(desk, session, item, article.id, language, now)
        row.last_seen = max(row.last_seen, now)
        row.seq = seq
        row.updated_at = now
        article.story_id = row.id
        article.story_seq = seq
        # Its copies (stored, not published) belong to the same story.
        stories.copies_join(session, article.id, row.id)
        touched.add(row.id)
        placed[article.id] = row.id
    session.flush()
    for story_id in touched:
        if story_id is not None:
            recount(session, story_id)
    desk.seq = seq
    return placed


def _story_of_original(session: Session, article: ArticleRow) -> StoryRow | None:
    if article.duplicate_of is None:
        return None
    story_id = stories.story_id_of(session, article.duplicate_of)
    return stories.load_story(session, story_id) if story_id is not None else None


def _place(
    desk: StoryDesk,
    session: Session,
    item: StoryInput,
    article_id: int,
    language: str,
    now: datetime,
) -> StoryRow:
    clusterer = desk.clusterer
    decision = clusterer.decide(item, observe=False)
    row = stories.load_story(session, decision.story_id) if decision.story_id is not None else None
    if row is None:
        row = stories.start_story(session, headline=item.title, language=language, now=now)
        decision = replace(decision, story_id=None, similarity=1.0)
        assignment = clusterer.place(item, decision, new_id=row.id)
    else:
        assignment = clusterer.place(item, decision)
    story = clusterer.stories[assignment.story_id]
    row.terms = strongest_first(story.centroid)
    row.first_reported_at = story.first_seen
    row.last_reported_at = story.last_seen
    if story.central == article_id:
        row.central_article_id = article_id
        row.central_score = story.central_score
        row.headline = item.title
        row.headline_language = language
    return row


def recount(session: Session, story_id: int) -> None:
    """A story's articles, sources and languages, from its members now."""
    row = stories.load_story(session, story_id)
    if row is None:
        return
    members = stories.members(session, story_id)
    languages = Counter(language for _s, language, _p in members if language)
    row.article_count = sum(1 for *_rest, published in members if published)
    row.source_count = len({source for source, _l, _p in members})
    row.languages = sorted(languages, key=lambda code: (-languages[code], code))
    row.updated_at = utcnow()  # a static build rewrites the story's pages


def attach_copy(session: Session, article: ArticleRow) -> int | None:
    """A copy (not published) joins its original's story, if the original has one yet."""
    if article.duplicate_of is None:
        return None
    story_id = stories.story_id_of(session, article.duplicate_of)
    if story_id is None or article.story_id == story_id:
        return story_id
    serialise(session, STORIES_LOCK)
    left = article.story_id
    article.story_id = story_id
    session.flush()
    recount(session, story_id)
    if left is not None:
        repair_stories(session, [left])
    return int(story_id)


def leave_story(session: Session, article: ArticleRow) -> None:
    """An unpublished article that is no longer a copy leaves the story it joined as one
    (it finds its own story when it is published)."""
    left = article.story_id
    if left is None or article.first_published_at is not None:
        return
    article.story_id = None
    article.story_seq = None
    session.flush()
    repair_stories(session, [left])


def after_takedown(session: Session, article: ArticleRow) -> None:
    """Keep the story of a removed article consistent: counts, and another central article.

    The removed article's words stay in the story's centroid (a centroid keeps
    only its strongest terms, so they cannot be taken out exactly).
    """
    session.flush()  # the article's new stage counts
    if article.story_id is not None:
        repair_stories(session, [article.story_id])


def repair_stories(session: Session, story_ids: Iterable[int]) -> None:
    """After members left (a takedown, a removed source): counts again, and a central
    article still shown (the earliest remaining report), with its headline."""
    ids = sorted(set(story_ids))
    if not ids:
        return
    serialise(session, STORIES_LOCK)
    seq = stories.assignment_counter(session)
    for row in stories.stories_by_id(session, ids):
        if not stories.still_shown(session, row.id, row.central_article_id):
            successor = stories.earliest_shown(session, row.id)
            row.central_article_id = successor
            row.central_score = 0.0
            row.headline = ""
            if successor is not None:
                title, _text, language = stories.pivot_texts(
                    session, [successor], row.headline_language or ""
                )[successor]
                row.headline, row.headline_language = title, language
        seq += 1
        row.seq = seq  # other processes read the story back
        row.updated_at = utcnow()
        recount(session, row.id)
