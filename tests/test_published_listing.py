"""ArticleList: the one list query of the public site, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from babelwire.newsroom import Newsroom
from babelwire.storage.published.listing import (
    ArticleList,
    InvalidCursorError,
    encode_cursor,
)
from babelwire.storage.published.views import Teaser
from babelwire.storage.tables import ArticleTagRow, StoryRow, TagRow
from tests.factory import make_article, make_source, make_translation, small_site

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Published:
    newsroom: Newsroom
    politics: list[int]  # newest first
    economy: list[int]  # newest first
    source_a: int
    source_b: int
    tag: int
    story: int
    tagged: list[int]
    in_story: list[int]


@pytest.fixture
def published(tmp_path: Path, database_url: str) -> Iterator[Published]:
    """Ten articles shown in edition en (five of them published at one moment) and
    three that are not: unpublished, skipped, and without an English translation."""
    with small_site(tmp_path / "site", database_url=database_url) as newsroom:
        with newsroom.sessions.begin() as session:
            a, b = make_source(session, language="es"), make_source(session, language="es")
            tag = TagRow(slug="ana-lopez", name="Ana López", kind="person")
            story = StoryRow()
            session.add_all([tag, story])
            session.flush()

            def article(source: int, section: str, at: datetime, **extra: object) -> int:
                row = make_article(session, source, section=section, first_published_at=at, **extra)
                make_translation(session, row, "en")
                return int(row.id)

            # Five at one moment: the tie is broken by id, newest (highest) first.
            tied = [article(a.id, "politics", T0) for _ in range(5)]
            later = article(a.id, "politics", T0 + timedelta(hours=1))
            # Shown at the time its source published it, not when this site did.
            early = article(
                a.id,
                "politics",
                T0 + timedelta(hours=2),
                published_at=T0 - timedelta(hours=1),
            )
            economy = [
                article(b.id, "economy", T0 + timedelta(minutes=n), story_id=story.id)
                for n in (10, 20, 30)
            ]
            session.add_all(
                ArticleTagRow(article_id=article_id, tag_id=tag.id)
                for article_id in (tied[0], economy[1])
            )
            unpublished = make_article(session, a, section="politics", stage="extracted")
            make_translation(session, unpublished, "en")
            skipped = make_article(session, a, section="politics", first_published_at=T0)
            make_translation(session, skipped, "en", "skipped")
            make_article(session, a, section="politics", first_published_at=T0)
            found = Published(
                newsroom=newsroom,
                politics=[later, *reversed(tied), early],
                economy=list(reversed(economy)),
                source_a=a.id,
                source_b=b.id,
                tag=tag.id,
                story=story.id,
                tagged=[economy[1], tied[0]],
                in_story=list(reversed(economy)),
            )
        yield found


def _ids(teasers: Sequence[Teaser]) -> list[int]:
    return [t.id for t in teasers]


def _everything(site: Published) -> list[int]:
    """Every article of edition en, newest first."""
    economy, politics = site.economy, site.politics
    # economy: T0+30m, +20m, +10m; politics: T0+1h, the five at T0, the one shown at T0-1h.
    return [politics[0], *economy, *politics[1:]]


def test_the_filters_narrow_the_edition(published: Published) -> None:
    site = published
    edition = ArticleList("en")
    with site.newsroom.sessions() as session:
        assert _ids(edition.teasers(session)) == _everything(site)
        assert edition.count(session) == 10
        assert _ids(edition.in_section("politics").teasers(session)) == site.politics
        assert edition.in_section("politics").count(session) == 7
        assert _ids(edition.from_source(site.source_b).teasers(session)) == site.economy
        assert _ids(edition.with_tag(site.tag).teasers(session)) == site.tagged
        assert _ids(edition.in_story(site.story).teasers(session)) == site.in_story
        both = edition.in_section("economy").with_tag(site.tag)
        assert _ids(both.teasers(session)) == [site.tagged[0]]
        assert both.count(session) == 1
        # A filter makes a new list: the edition is still all of it.
        assert edition.count(session) == 10
        # The Spanish edition shows none of them (no Spanish translations were made).
        assert ArticleList("es").count(session) == 0
        assert ArticleList("en").in_section("sport").teasers(session) == ()


def test_pages_are_numbered_from_the_oldest_end(published: Published) -> None:
    politics = ArticleList("en").in_section("politics")
    ids = published.politics
    with published.newsroom.sessions() as session:
        newest = politics.page(session, 0, 3, slug="politics", name="Politics")
        assert newest is not None
        assert (newest.total, newest.archive_pages, newest.slug, newest.name) == (
            7,
            1,
            "politics",
            "Politics",
        )
        assert _ids(newest.teasers) == ids[:4]
        oldest = politics.page(session, 1, 3)
        assert oldest is not None and _ids(oldest.teasers) == ids[4:]
        assert politics.page(session, 2, 3) is None


@pytest.mark.parametrize("limit", [1, 2, 4, 20])
def test_the_cursor_walks_every_article_once(published: Published, limit: int) -> None:
    edition = ArticleList("en")
    seen: list[int] = []
    cursor: str | None = None
    with published.newsroom.sessions() as session:
        for _ in range(20):
            found = edition.after(session, cursor, limit)
            assert len(found.teasers) <= limit
            seen += _ids(found.teasers)
            cursor = found.next_cursor
            if cursor is None:
                break
    assert seen == _everything(published)


def test_the_cursor_holds_its_place_when_articles_arrive(published: Published) -> None:
    politics = ArticleList("en").in_section("politics")
    with published.newsroom.sessions() as session:
        first = politics.after(session, None, 3)
    assert first.next_cursor is not None
    with published.newsroom.sessions.begin() as session:
        # One newer than everything, one tied with the five: neither is after the cursor.
        for at in (T0 + timedelta(hours=5), T0):
            row = make_article(
                session, published.source_a, section="politics", first_published_at=at
            )
            make_translation(session, row, "en")
    with published.newsroom.sessions() as session:
        rest = politics.after(session, first.next_cursor, 10)
    assert _ids(first.teasers) + _ids(rest.teasers) == published.politics
    assert rest.next_cursor is None


def _cursors() -> list[str]:
    good = encode_cursor(T0, 5)
    return [
        "",
        "not a cursor",
        "%%%",
        good[:-3],
        good + "x",
        encode_cursor(T0, 0),
        encode_cursor(T0, 2**40),
        encode_cursor(T0.replace(tzinfo=None), 5),
        "WzEsMl0",  # [1,2]
        "eyJhIjoxfQ",  # {"a":1}
        "WyIyMDI2LTAzLTAxIiwidHJ1ZSJd",  # ["2026-03-01","true"]
    ]


@pytest.mark.parametrize("cursor", _cursors())
def test_a_cursor_not_given_out_is_refused(published: Published, cursor: str) -> None:
    with (
        published.newsroom.sessions() as session,
        pytest.raises(InvalidCursorError, match="cursor"),
    ):
        ArticleList("en").after(session, cursor, 5)
    assert issubclass(InvalidCursorError, ValueError)


def test_a_page_holds_at_least_one_article(published: Published) -> None:
    with published.newsroom.sessions() as session, pytest.raises(ValueError):
        ArticleList("en").after(session, None, 0)


def test_feed_items_and_positions(published: Published) -> None:
    site = published
    edition = ArticleList("en")
    with site.newsroom.sessions() as session:
        items = edition.in_section("economy").feed_items(session, 2)
        assert [item.id for item in items] == site.economy[:2]
        assert all(item.summary.startswith("Text of article") for item in items)
        bare = edition.feed_items(session, None, with_summary=False)
        assert [item.id for item in bare] == _everything(site)
        assert {item.summary for item in bare} == {""}
        recent = edition.first_published_since(T0 + timedelta(minutes=15)).feed_items(session)
        assert [item.id for item in recent] == [
            site.politics[0],
            *site.economy[:2],
            site.politics[-1],
        ]
        politics = edition.in_section("politics")
        assert [politics.position(session, i) for i in site.politics] == list(range(7))
        assert politics.position(session, site.economy[0]) == -1
        assert edition.highest_id(session) == max(_everything(site))
        assert edition.source_ids(session) == tuple(sorted((site.source_a, site.source_b)))
