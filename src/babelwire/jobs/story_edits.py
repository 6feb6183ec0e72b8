"""Editors' changes to stories: an article moved out of its story (a story of its own)
or into another one, and two stories merged into one; and the desk's view of them.

Every change holds the stories' lock, raises the counter (so every process's open
stories are read again) and leaves the stories consistent the way the pipeline
does: counts from their members, a central article still shown and its headline
(`stories.repair_stories`). A story emptied by a merge keeps its row with no
members and no terms: no later report joins it, its public page answers 404 and
a static build removes that page (its `updated_at` names it as changed).

A person may write a story's headline for one edition (`set_story_headline`): the
site shows it there instead of the machine's, says a person wrote it, and keeps it
however the story is recomputed (it is stored apart from the story's own headline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, record_in
from babelwire.jobs.stories import STORIES_LOCK, pivot_language, repair_stories
from babelwire.model import Stage
from babelwire.newsroom import Site
from babelwire.pipeline.dedup.stories import Story, strongest_first
from babelwire.publish.paths import url_for_story
from babelwire.storage import Session, articles, stories
from babelwire.storage.locks import serialise
from babelwire.storage.tables import ArticleRow, StoryRow

__all__ = [
    "STORY_ARTICLES",
    "StoryArticle",
    "StoryDetail",
    "StoryLine",
    "StoryNotFoundError",
    "StoryPage",
    "list_stories",
    "merge_stories",
    "move_article",
    "set_story_headline",
    "story_detail",
]

#: The longest headline a person may write.
HEADLINE_LENGTH = 300

#: How many of a story's articles its desk page lists.
STORY_ARTICLES = 500


class StoryNotFoundError(LookupError):
    """No story (or no article) has the id a change names."""


@dataclass(frozen=True, slots=True)
class StoryLine:
    id: int
    headline: str
    article_count: int
    source_count: int
    languages: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class StoryPage:
    stories: tuple[StoryLine, ...]
    next_before: int | None  # the cursor of the next (older) page; None: this is the last


@dataclass(frozen=True, slots=True)
class StoryArticle:
    id: int
    title: str
    language: str | None
    source_name: str
    stage: str
    section: str | None
    central: bool
    copy_of: int | None
    first_published_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoryDetail:
    story: StoryLine
    central_article_id: int | None
    articles: tuple[StoryArticle, ...]
    site_path: str | None  # its page on the site, while it has articles
    # Per edition language: the headline a person wrote there ("" where none).
    edited_headlines: tuple[tuple[str, str], ...] = ()


def _line(row: StoryRow) -> StoryLine:
    return StoryLine(
        id=row.id,
        headline=row.headline or "",
        article_count=row.article_count,
        source_count=row.source_count,
        languages=tuple(row.languages or ()),
        first_seen=row.first_seen,
        last_seen=row.last_seen,
    )


def list_stories(site: Site, *, before_id: int | None = None, limit: int = 50) -> StoryPage:
    """Stories with articles, newest first, `limit` at most, older than `before_id`."""
    limit = max(1, limit)
    with site.sessions() as session:
        rows = stories.story_rows(session, before_id=before_id, limit=limit + 1)
        lines = tuple(_line(r) for r in rows[:limit])
    more = len(rows) > limit
    return StoryPage(lines, lines[-1].id if more and lines else None)


def story_detail(site: Site, story_id: int) -> StoryDetail:
    """A story and its articles; StoryNotFoundError when there is none."""
    with site.sessions() as session:
        row = stories.load_story(session, story_id)
        if row is None:
            raise StoryNotFoundError(f"no story {story_id}")
        members = tuple(
            StoryArticle(
                id=a.id,
                title=a.title,
                language=a.language,
                source_name=name,
                stage=a.stage,
                section=a.section,
                central=a.id == row.central_article_id,
                copy_of=a.duplicate_of,
                first_published_at=a.first_published_at,
            )
            for a, name in stories.story_articles(session, story_id, STORY_ARTICLES)
        )
        languages = site.config.languages
        shown = row.article_count > 0 and languages
        edited = stories.edited_headlines(session, story_id)
        return StoryDetail(
            _line(row),
            row.central_article_id,
            members,
            url_for_story(languages[0], row.id) if shown else None,
            tuple((code, edited[code].headline if code in edited else "") for code in languages),
        )


def set_story_headline(
    site: Site, story_id: int, language: str, headline: str | None, *, actor: Actor
) -> None:
    """A person's headline of the story in edition `language`; None or blank: the
    machine's headline again.

    StoryNotFoundError when there is no such story; InputError for a language that is
    no edition of the site or a headline over HEADLINE_LENGTH characters.
    """
    if language not in site.config.languages:
        raise InputError(f"{language!r} is not an edition of this site.")
    text = " ".join((headline or "").split()) or None
    if text is not None and len(text) > HEADLINE_LENGTH:
        raise InputError(f"A headline has at most {HEADLINE_LENGTH} characters.")
    now = utcnow()
    with site.sessions() as session:
        row = stories.load_story(session, story_id)
        if row is None:
            raise StoryNotFoundError(f"no story {story_id}")
        before = stories.set_edited_headline(session, story_id, language, text, actor.name, now)
        if before == text:
            return
        row.updated_at = now  # a static build rewrites its pages
        record_in(
            session,
            actor,
            "story.headline",
            str(story_id),
            language=language,
            headline=text,
            before=before,
        )
        session.commit()


def _story(session: Session, story_id: int) -> StoryRow:
    row = stories.load_story(session, story_id)
    if row is None:
        raise InputError(f"There is no story {story_id}.")
    return row


def _movable(session: Session, article_id: int) -> ArticleRow:
    article = articles.load_article(session, article_id)
    if article is None:
        raise StoryNotFoundError(f"no article {article_id}")
    if article.stage == Stage.REMOVED:
        raise InputError("A taken-down article is in no story.")
    return article


def move_article(
    site: Site, article_id: int, story_id: int | None, *, actor: Actor | None = None
) -> int:
    """Move the article (with its copies) into the story `story_id`, or with None out of
    its story into a story of its own; returns the story it is in now.

    StoryNotFoundError when no article has that id; InputError when the target story
    does not exist, the article is taken down, already there, or alone in its story.
    """
    with site.sessions() as session:
        serialise(session, STORIES_LOCK)
        article = _movable(session, article_id)
        left = article.story_id
        if story_id is None:
            if left is None:
                raise InputError("The article is in no story.")
            if len(stories.members(session, left)) <= 1:
                raise InputError("The article is already alone in its story.")
            target = _own_story(session, article, pivot_language(site.config))
        else:
            if story_id == left:
                raise InputError(f"The article is already in story {story_id}.")
            target = _story(session, story_id)
            _widen(target, article.published_at, article.first_published_at)
        article.story_id = target.id
        stories.move_copies(session, article.id, left, target.id)
        session.flush()
        repair_stories(session, [target.id, *([left] if left is not None else [])])
        if actor is not None:
            record_in(
                session,
                actor,
                "story.move",
                str(article.id),
                **{"from": left, "to": target.id, "new_story": story_id is None},
            )
        session.commit()
        return int(target.id)


def _own_story(session: Session, article: ArticleRow, pivot: str) -> StoryRow:
    """A new story holding `article` alone (its terms stay empty: no report joins it by
    itself; an editor moves others in)."""
    now = utcnow()
    title, _text, language = stories.pivot_texts(session, [article.id], pivot)[article.id]
    seen = article.first_published_at or now
    row = stories.start_story(session, headline=title, language=language, now=seen)
    row.central_article_id = article.id
    row.first_reported_at = row.last_reported_at = article.published_at or seen
    return row


def _widen(row: StoryRow, reported: datetime | None, seen: datetime | None) -> None:
    if reported is not None:
        row.first_reported_at = min(row.first_reported_at or reported, reported)
        row.last_reported_at = max(row.last_reported_at or reported, reported)
    if seen is not None:
        row.first_seen = min(row.first_seen, seen)
        row.last_seen = max(row.last_seen, seen)


def merge_stories(site: Site, into_id: int, from_id: int, *, actor: Actor | None = None) -> int:
    """Every article of story `from_id` joins story `into_id`, whose terms take in the
    other's; `from_id` is left empty. Returns how many articles moved.

    StoryNotFoundError when `into_id` does not exist; InputError when `from_id` does
    not, or is the same story.
    """
    with site.sessions() as session:
        serialise(session, STORIES_LOCK)
        into = stories.load_story(session, into_id)
        if into is None:
            raise StoryNotFoundError(f"no story {into_id}")
        if from_id == into_id:
            raise InputError("A story cannot be merged into itself.")
        other = _story(session, from_id)
        headline = other.headline
        moved = stories.move_members(session, from_id, into_id)
        merged = Story(into.id, into.first_seen, into.last_seen, centroid=dict(into.terms or {}))
        merged.add(dict(other.terms or {}))
        into.terms = strongest_first(merged.centroid)
        _widen(into, other.first_reported_at, other.first_seen)
        _widen(into, other.last_reported_at, other.last_seen)
        other.terms = {}
        session.flush()
        repair_stories(session, [into_id, from_id])
        if actor is not None:
            record_in(
                session,
                actor,
                "story.merge",
                str(into_id),
                merged=from_id,
                articles=moved,
                headline=headline,
            )
        session.commit()
        return moved
