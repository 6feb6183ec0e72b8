"""Copies and stories through the real pipeline (loopback outlets, real Apertium, real
databases): an edited wire copy is kept back and linked to its original's story unless
its source is preferred; reports of one event in Catalan, Spanish and English form one
story and other reports about the same places do not; stories survive a restart and
two newsrooms publishing at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.demo.server import DemoServer, SampleOutlet, load_samples
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.run import run_pass
from babelwire.jobs.sources import list_sources, remove_source
from babelwire.jobs.stages.extract import extract_articles
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import translate_articles
from babelwire.jobs.stories import desk_for
from babelwire.jobs.takedown import take_down
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleRow, StoryRow
from tests.conftest import make_site

# Whole pipelines over the sample outlets, several per test: five seconds and more each.
pytestmark = pytest.mark.slow

runner = CliRunner()

BRIDGE = (
    "diari-de-portvell/obertura-pont-salines",
    "el-faro-de-almira/inauguracion-puente-salinas",
)
SEAGRASS = (
    "diari-de-portvell/posidonia-badia-portvell",
    "harbour-courier/seagrass-recovery-portvell-bay",
)
# The same club, town or coach in different events: never one story.
SAME_PLACE = (
    (
        "diari-de-portvell/ce-portvell-lider-lliga",
        "harbour-courier/ce-portvell-coach-top-of-league",
    ),
    (
        "deportes-del-valle/molina-pide-calma-empate-robledo",
        "el-faro-de-almira/atletico-villalmira-gana-castrejon",
    ),
)


OWN_REPORT = (
    "The night ferry between the harbour and the outer islands will sail again from "
    "Friday, the operator said, after a two-month pause for repairs to its engines. "
    "Tickets go on sale on Monday at the quay office and online; fares stay at last "
    "year's prices, and residents of the islands keep their discount. The crossing "
    "takes about four hours, and the ship will call at the small port of Sal Vella on "
    "Saturdays only."
)


def _key(url: str) -> str:
    outlet, page = url.rsplit("/", 2)[-2:]
    return f"{outlet}/{page.removesuffix('.html')}"


def _articles(newsroom: Newsroom) -> dict[str, ArticleRow]:
    with newsroom.sessions() as session:
        return {_key(a.url): a for a in session.scalars(select(ArticleRow))}


def _story(newsroom: Newsroom, story_id: int | None) -> StoryRow:
    with newsroom.sessions() as session:
        row = session.get(StoryRow, story_id)
        assert row is not None
        return row


def _with_mirror(copy_of: tuple[str, str]) -> tuple[list[SampleOutlet], SampleOutlet]:
    """The sample outlets and a mirror carrying an edited copy of one article:
    a new headline, a byline first and the last paragraph trimmed."""
    outlets = load_samples()
    outlet = next(o for o in outlets if o.slug == copy_of[0])
    original = next(a for a in outlet.articles if a.slug == copy_of[1])
    mirror = SampleOutlet(
        slug="wire-mirror",
        name="Wire Mirror",
        language=outlet.language,
        format="rss",
        section=None,
        description="Republishes agency copy.",
    )
    mirror.articles.append(
        replace(
            original,
            slug="seagrass-comeback",
            title="Seagrass makes a comeback in the bay, researchers say",
            body=(("p", "By Wire Mirror staff, with agencies"), *original.body[:-1]),
        )
    )
    outlets.append(mirror)
    return outlets, mirror


def test_an_edited_wire_copy_is_kept_back_until_its_source_is_preferred(
    tmp_path: Path, database_url: str
) -> None:
    outlets, _mirror = _with_mirror(("harbour-courier", "seagrass-recovery-portvell-bay"))
    with DemoServer(outlets) as server, make_site(tmp_path / "site", server, database_url) as room:
        report = run_pass(room)
        assert report.ok and report.duplicates == 1
        articles = _articles(room)
        copy, original = articles["wire-mirror/seagrass-comeback"], articles[SEAGRASS[1]]
        assert copy.stage == Stage.DUPLICATE.value
        assert copy.duplicate_of == original.id and copy.first_published_at is None
        assert copy.translations == []  # never sent to an engine
        assert copy.minhash and original.minhash
        # linked to the story of its original (and of the Catalan report of the event)
        assert copy.story_id == original.story_id == articles[SEAGRASS[0]].story_id
        story = _story(room, original.story_id)
        assert (story.article_count, story.source_count) == (2, 3)
        assert sorted(story.languages) == ["ca", "en"]
        # a second pass changes nothing
        assert run_pass(room, force=True).duplicates == 0
        assert _articles(room)["wire-mirror/seagrass-comeback"].stage == Stage.DUPLICATE.value

        mirror_id = next(s.id for s in list_sources(room) if s.name == "Wire Mirror")
        site = ["--site", str(tmp_path / "site")]
        result = runner.invoke(app, ["source", "prefer", str(mirror_id), *site])
        assert result.exit_code == 0, result.output
        assert "preferred" in result.output
        listed = runner.invoke(app, ["source", "list", *site], terminal_width=300)
        assert "(preferred)" in listed.output
        assert run_pass(room).ok
        copy = _articles(room)["wire-mirror/seagrass-comeback"]
        assert copy.stage == Stage.PUBLISHED.value and copy.first_published_at is not None
        assert {t.language for t in copy.translations} == {"en", "es"}
        assert copy.duplicate_of == original.id and copy.story_id == original.story_id
        assert _story(room, copy.story_id).article_count == 3
        result = runner.invoke(app, ["source", "prefer", "999", *site])
        assert result.exit_code == 2 and "no source" in result.output


def test_a_later_copy_joins_the_story_at_extract_and_a_copy_of_a_copy_names_the_original(
    tmp_path: Path, database_url: str
) -> None:
    outlets, mirror = _with_mirror(("harbour-courier", "seagrass-recovery-portvell-bay"))
    (first_copy,) = mirror.articles
    mirror.articles.clear()
    with DemoServer(outlets) as server, make_site(tmp_path / "site", server, database_url) as room:
        assert run_pass(room).duplicates == 0
        original = _articles(room)[SEAGRASS[1]]
        before = _story(room, original.story_id)
        assert before.source_count == 2
        again = replace(
            first_copy,
            slug="seagrass-comeback-again",
            body=(*first_copy.body, ("p", "(With agencies.)")),
        )
        mirror.articles.extend([first_copy, again])
        server.update_article(mirror.slug, first_copy.slug)  # the feed shows them from now on
        assert run_pass(room, force=True).duplicates == 2
        articles = _articles(room)
        for key in ("wire-mirror/seagrass-comeback", "wire-mirror/seagrass-comeback-again"):
            copy = articles[key]
            assert copy.stage == Stage.DUPLICATE.value and copy.translations == []
            assert copy.duplicate_of == original.id  # not the first copy
            assert copy.story_id == original.story_id  # joined when extracted
        after = _story(room, original.story_id)
        assert (after.article_count, after.source_count) == (2, 3)
        assert after.updated_at > before.updated_at  # a static build rewrites its page
        # the mirror rewrites its copy into a report of its own: it leaves the story
        server.update_article(
            mirror.slug,
            first_copy.slug,
            title="Night ferry to the islands returns for the winter season",
            body=(("p", OWN_REPORT),),
        )
        assert run_pass(room, force=True).ok
        rewritten = _articles(room)["wire-mirror/seagrass-comeback"]
        assert rewritten.duplicate_of is None and rewritten.stage == Stage.PUBLISHED.value
        assert rewritten.story_id not in (None, original.story_id)
        assert _story(room, original.story_id).source_count == 3  # the other copy stays


def test_a_preferred_source_publishes_its_copies_from_the_start(tmp_path: Path) -> None:
    outlets, mirror = _with_mirror(("harbour-courier", "seagrass-recovery-portvell-bay"))
    with DemoServer(outlets) as server:
        site = tmp_path / "site"
        with make_site(site, server):
            pass
        result = runner.invoke(
            app,
            ["source", "add", server.feed_url(mirror.slug), "--preferred", "--site", str(site)],
        )
        assert result.exit_code == 0, result.output
        assert "preferred" in result.output
        result = runner.invoke(app, ["run", "--once", "--site", str(site)], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "Copies of other articles found: 1" in result.output
        with Newsroom.open(site) as room:
            copy = _articles(room)["wire-mirror/seagrass-comeback"]
            assert copy.stage == Stage.PUBLISHED.value and copy.duplicate_of is not None


def test_removing_the_source_of_an_original_releases_its_copy(
    tmp_path: Path, database_url: str
) -> None:
    outlets, _mirror = _with_mirror(("harbour-courier", "seagrass-recovery-portvell-bay"))
    with DemoServer(outlets) as server, make_site(tmp_path / "site", server, database_url) as room:
        assert run_pass(room).duplicates == 1
        articles = _articles(room)
        story_id = articles[SEAGRASS[1]].story_id
        assert _story(room, story_id).central_article_id == articles[SEAGRASS[0]].id
        courier = next(s for s in list_sources(room) if s.name == "The Harbour Courier")
        remove_source(room, courier.id)
        copy = _articles(room)["wire-mirror/seagrass-comeback"]
        assert (copy.stage, copy.duplicate_of) == (Stage.EXTRACTED.value, None)
        story = _story(room, story_id)
        assert (story.article_count, story.source_count) == (1, 2)  # the Catalan report left
        assert run_pass(room).ok
        copy = _articles(room)["wire-mirror/seagrass-comeback"]
        assert copy.stage == Stage.PUBLISHED.value and copy.story_id == story_id
        assert _story(room, story_id).article_count == 2


@pytest.fixture
def published(tmp_path: Path, database_url: str, demo_server: DemoServer) -> Iterator[Newsroom]:
    """A site after one pass over the sample outlets."""
    with make_site(tmp_path / "site", demo_server, database_url) as room:
        assert run_pass(room).ok
        yield room


def test_one_event_in_three_languages_is_one_story_and_other_reports_are_not(
    published: Newsroom,
) -> None:
    articles = _articles(published)
    assert all(a.story_id is not None for a in articles.values())
    for pair in (BRIDGE, SEAGRASS):
        assert len({articles[key].story_id for key in pair}) == 1, pair
    for pair in SAME_PLACE:
        assert len({articles[key].story_id for key in pair}) == 2, pair
    grouped: dict[int | None, set[str]] = {}
    for key, article in articles.items():
        grouped.setdefault(article.story_id, set()).add(key)
    merged = {frozenset(g) for g in grouped.values() if len(g) > 1}
    assert merged == {frozenset(BRIDGE), frozenset(SEAGRASS)}
    bridge = _story(published, articles[BRIDGE[0]].story_id)
    assert sorted(bridge.languages) == ["ca", "es"]
    assert (bridge.article_count, bridge.source_count) == (2, 2)
    assert bridge.central_article_id in {articles[k].id for k in BRIDGE}
    assert "bridge" in bridge.headline.lower() and bridge.headline_language == "en"
    assert bridge.terms and bridge.first_seen <= bridge.last_seen
    assert bridge.first_reported_at and bridge.first_reported_at.day == 18
    # the front page leads with the two stories of two sources
    front = SitePages.for_site(published).front("en")
    assert front is not None and bridge.headline in front


def test_a_restarted_newsroom_continues_the_same_stories(tmp_path: Path, database_url: str) -> None:
    outlets = load_samples()
    faro = next(o for o in outlets if o.slug == "el-faro-de-almira")
    late = next(a for a in faro.articles if a.slug == "inauguracion-puente-salinas")
    faro.articles.remove(late)
    with DemoServer(outlets) as server:
        with make_site(tmp_path / "site", server, database_url) as room:
            assert run_pass(room).ok
            before = _articles(room)[BRIDGE[0]]
            stories = _count_stories(room)
        faro.articles.append(late)
        server.update_article(faro.slug, late.slug)  # the feed shows it from now on
        with Newsroom.open(tmp_path / "site") as again:
            assert run_pass(again, force=True).ok
            desk = desk_for(again)
            assert desk.loads == 1 and desk.seq > 0
            arrived = _articles(again)[BRIDGE[1]]
            assert arrived.story_id == before.story_id
            assert _count_stories(again) == stories
            assert _story(again, before.story_id).article_count == 2


def _count_stories(room: Newsroom) -> int:
    with room.sessions() as session:
        return len(session.scalars(select(StoryRow.id)).all())


def test_two_newsrooms_publishing_at_once_make_one_story(
    tmp_path: Path, database_url: str, demo_server: DemoServer
) -> None:
    site = tmp_path / "site"
    with make_site(site, demo_server, database_url) as first, Newsroom.open(site) as second:
        refresh_sources(first, [s.id for s in list_sources(first)])
        ids = {key: a.id for key, a in _articles(first).items()}
        everything = sorted(ids.values())
        extract_articles(first, everything)
        translate_articles(first, everything)
        pairs = (BRIDGE, SEAGRASS)
        rest = [i for k, i in ids.items() if k not in {*BRIDGE, *SEAGRASS}]
        # each newsroom caches the stories, then one falls behind the other
        publish_articles(first, rest[: len(rest) // 2])
        publish_articles(second, rest[len(rest) // 2 :])
        publish_articles(first, [ids[BRIDGE[0]]])
        publish_articles(second, [ids[BRIDGE[1]]])
        assert desk_for(second).synced  # it read back the story the first one made
        # and truly at once: both wait at a barrier, then publish one report each
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def publish(room: Newsroom, article_id: int) -> None:
            try:
                barrier.wait()
                publish_articles(room, [article_id])
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=publish, args=(room, ids[key]))
            for room, key in ((first, SEAGRASS[0]), (second, SEAGRASS[1]))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        articles = _articles(first)
        for pair in pairs:
            assert len({articles[key].story_id for key in pair}) == 1, pair
        with first.sessions() as session:
            seqs = sorted(s for s in session.scalars(select(ArticleRow.story_seq)) if s)
        assert seqs == list(range(1, len(ids) + 1))  # one counter, no number twice


def test_taking_down_the_central_article_leaves_its_story_consistent(
    published: Newsroom,
) -> None:
    articles = _articles(published)
    story = _story(published, articles[BRIDGE[0]].story_id)
    central = story.central_article_id
    other = next(articles[k].id for k in BRIDGE if articles[k].id != central)
    take_down(published, str(central), "rights holder asked")
    after = _story(published, story.id)
    assert after.central_article_id == other
    assert (after.article_count, after.source_count) == (1, 1)
    assert after.headline and after.seq > story.seq
    with published.sessions() as session:
        removed = session.get(ArticleRow, central)
        assert removed is not None and removed.minhash is None
    assert run_pass(published, force=True).ok  # and the pipeline goes on
