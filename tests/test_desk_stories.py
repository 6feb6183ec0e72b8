"""The desk's stories and sections on a small site (rows made with tests/factory.py): an
article moved out of its story and into another, two stories merged (the public pages
follow), an article's section set by an editor (applied, kept as a label, logged), the
classifier retrained from the desk, and unknown ids answered 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, audit_entries
from babelwire.jobs.sections import SectionsError, section_label, set_article_section
from babelwire.jobs.stories import repair_stories
from babelwire.jobs.story_edits import list_stories, merge_stories, move_article, story_detail
from babelwire.jobs.takedown import take_down
from babelwire.jobs.users import add_user
from babelwire.model import Role
from babelwire.newsroom import Newsroom
from babelwire.publish.static import build_site_report
from babelwire.storage import stories
from babelwire.storage.tables import ArticleRow, StoryRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_source, make_translation, small_site
from tests.test_desk_access import PASSWORD, _sign_in

ROOT = Actor(name="cli:test", via="cli")
HOSTILE = "Pleno <script>alert(1)</script> & más"
CULTURE = (
    "Un festival de cine y una exposición de pintura llenan el museo",
    "La orquesta estrena una ópera en el teatro con un coro de cien voces",
    "Una novela gana el premio literario y el autor firma libros en la feria",
)
WORLD = (
    "El parlamento vota el presupuesto y el gobierno negocia con la oposición",
    "Las elecciones generales cambian la mayoría en el congreso del país",
    "El ministro de economía anuncia nuevos impuestos y recortes del gasto",
)


@dataclass
class Wire:
    newsroom: Newsroom
    stories: dict[str, int]  # "budget" (3 articles), "strike" (2)
    articles: dict[str, list[int]]  # per story, oldest first


def _story(newsroom: Newsroom, ids: list[int]) -> int:
    """A story of the articles `ids`, the first central (its title the headline)."""
    with newsroom.sessions() as session:
        central = session.get(ArticleRow, ids[0])
        assert central is not None
        row = stories.start_story(session, headline=central.title, language="es", now=utcnow())
        for article_id in ids:
            article = session.get(ArticleRow, article_id)
            assert article is not None
            article.story_id = row.id
        row.central_article_id = ids[0]
        row.terms = {"word": 1.0}
        session.flush()
        repair_stories(session, [row.id])
        session.commit()
        return row.id


@pytest.fixture
def wire(tmp_path: Path, database_url: str) -> Iterator[Wire]:
    newsroom = small_site(tmp_path / "site", database_url=database_url)
    try:
        for role in Role:
            add_user(newsroom, role.value, role.value, actor=ROOT, password=PASSWORD)
        made: dict[str, list[int]] = {}
        with newsroom.sessions.begin() as session:
            sources = [make_source(session, language="es", name=f"Diario {n}") for n in range(3)]
            texts = {"budget": [HOSTILE, *WORLD[:2]], "strike": list(CULTURE[:2])}
            for key, titles in texts.items():
                made[key] = []
                for n, title in enumerate(titles):
                    article = make_article(
                        session,
                        sources[n],
                        title=title,
                        blocks=[{"kind": "p", "text": title}],
                        section="world",
                    )
                    make_translation(session, article, "es", "original")
                    make_translation(session, article, "en", title=f"{title} [en]")
                    made[key].append(article.id)
        ids = {key: _story(newsroom, made[key]) for key in made}
        yield Wire(newsroom, ids, made)
    finally:
        newsroom.close()


def _client(newsroom: Newsroom, who: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
    return client, _sign_in(client, who)


def _story_row(newsroom: Newsroom, story_id: int) -> StoryRow:
    with newsroom.sessions() as session:
        row = session.get(StoryRow, story_id)
        assert row is not None
        session.expunge(row)
        return row


def _story_of(newsroom: Newsroom, article_id: int) -> int | None:
    with newsroom.sessions() as session:
        return stories.story_id_of(session, article_id)


def _public_ids(client: TestClient, story_id: int) -> set[int] | None:
    page = client.get(f"/es/story/{story_id}/")
    if page.status_code == 404:
        return None
    assert page.status_code == 200, page.text
    return {int(x) for x in re.findall(r"/es/article/(\d+)", page.text)}


def test_an_article_moves_out_of_its_story_and_into_another(wire: Wire) -> None:
    newsroom = wire.newsroom
    budget, strike = wire.stories["budget"], wire.stories["strike"]
    central, second, third = wire.articles["budget"]
    client, csrf = _client(newsroom, "editor")
    # Out: the central article leaves; its story gets another central article.
    moved = client.post(
        f"/desk/articles/{central}/story", data={"csrf": csrf, "story": ""}, follow_redirects=False
    )
    assert moved.status_code == 303
    own = _story_of(newsroom, central)
    assert own not in (None, budget)
    assert own is not None
    left = _story_row(newsroom, budget)
    assert left.article_count == 2 and left.central_article_id == second
    assert left.headline == WORLD[0]
    mine = _story_row(newsroom, own)
    assert (mine.article_count, mine.central_article_id, mine.headline) == (1, central, HOSTILE)
    assert _public_ids(client, own) == {central}
    assert central not in (_public_ids(client, budget) or set())
    # Into another story, from the story page's form: back to that story's page.
    into = client.post(
        f"/desk/articles/{third}/story",
        data={"csrf": csrf, "story": str(strike), "back": "story"},
        follow_redirects=False,
    )
    assert into.status_code == 303 and into.headers["location"].endswith(
        f"/stories/{strike}?done=moved"
    )
    assert _story_of(newsroom, third) == strike
    assert _story_row(newsroom, strike).article_count == 3
    assert _story_row(newsroom, budget).article_count == 1
    assert third in (_public_ids(client, strike) or set())
    entries = audit_entries(newsroom, action="story.move")
    assert [(e.actor, e.target, e.detail["to"]) for e in entries] == [
        ("editor", str(third), strike),
        ("editor", str(central), own),
    ]
    # What cannot be done is said on the article's page.
    again = client.post(f"/desk/articles/{third}/story", data={"csrf": csrf, "story": str(strike)})
    assert again.status_code == 400 and "already in story" in again.text
    alone = client.post(f"/desk/articles/{central}/story", data={"csrf": csrf, "story": ""})
    assert alone.status_code == 400 and "alone" in alone.text
    nowhere = client.post(f"/desk/articles/{central}/story", data={"csrf": csrf, "story": "999999"})
    assert nowhere.status_code == 400 and "no story 999999" in nowhere.text
    assert (
        client.post("/desk/articles/999999/story", data={"csrf": csrf, "story": ""}).status_code
        == 404
    )


def test_merging_two_stories_leaves_one_on_the_site(wire: Wire) -> None:
    newsroom = wire.newsroom
    budget, strike = wire.stories["budget"], wire.stories["strike"]
    client, csrf = _client(newsroom, "editor")
    assert _public_ids(client, strike) == set(wire.articles["strike"])
    listed = client.get("/desk/stories")
    assert listed.status_code == 200 and f'href="/desk/stories/{strike}"' in listed.text
    assert HOSTILE not in listed.text and "Pleno &lt;script&gt;" in listed.text
    viewer, _ = _client(newsroom, "viewer")
    seen = viewer.get(f"/desk/stories/{budget}")
    assert seen.status_code == 200 and "/merge" not in seen.text
    merged = client.post(
        f"/desk/stories/{budget}/merge",
        data={"csrf": csrf, "other": str(strike)},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    everything = set(wire.articles["budget"]) | set(wire.articles["strike"])
    assert _public_ids(client, budget) == everything
    assert _public_ids(client, strike) is None  # its page is gone
    into = _story_row(newsroom, budget)
    assert into.article_count == 5 and into.source_count == 3
    gone = _story_row(newsroom, strike)
    assert (gone.article_count, gone.terms, gone.central_article_id) == (0, {}, None)
    # The desk's list shows the one story left; its page lists every article.
    assert [s.id for s in list_stories(newsroom).stories] == [budget]
    page = client.get(f"/desk/stories/{budget}")
    assert page.status_code == 200
    for article_id in everything:
        assert f'href="/desk/articles/{article_id}"' in page.text
    assert HOSTILE not in page.text and "Pleno &lt;script&gt;" in page.text
    entry = audit_entries(newsroom, action="story.merge")[0]
    assert (entry.target, entry.detail["merged"], entry.detail["articles"]) == (
        str(budget),
        strike,
        2,
    )
    # Refusals: itself, a story that does not exist, an unknown story in the path.
    itself = client.post(f"/desk/stories/{budget}/merge", data={"csrf": csrf, "other": str(budget)})
    assert itself.status_code == 400 and "itself" in itself.text
    missing = client.post(f"/desk/stories/{budget}/merge", data={"csrf": csrf, "other": "x"})
    assert missing.status_code == 400
    assert (
        client.post(
            "/desk/stories/999999/merge", data={"csrf": csrf, "other": str(budget)}
        ).status_code
        == 404
    )
    assert client.get("/desk/stories/999999").status_code == 404
    assert client.get("/desk/stories/abc").status_code == 404


def test_use_cases_work_without_an_actor_and_refuse_unknown_stories(wire: Wire) -> None:
    newsroom = wire.newsroom
    budget, strike = wire.stories["budget"], wire.stories["strike"]
    article = wire.articles["strike"][0]
    # The list goes on from the last id it showed.
    first = list_stories(newsroom, limit=1)
    assert [s.id for s in first.stories] == [strike] and first.next_before == strike
    rest = list_stories(newsroom, before_id=first.next_before, limit=1)
    assert [s.id for s in rest.stories] == [budget] and rest.next_before is None
    assert move_article(newsroom, article, budget) == budget
    with pytest.raises(InputError):
        move_article(newsroom, article, 999999)
    assert merge_stories(newsroom, strike, budget) == 4
    detail = story_detail(newsroom, strike)
    assert {a.id for a in detail.articles} == set(wire.articles["budget"]) | set(
        wire.articles["strike"]
    )
    assert audit_entries(newsroom, action="story.") == []


def test_an_editor_sets_an_article_section(wire: Wire) -> None:
    newsroom = wire.newsroom
    article = wire.articles["strike"][0]
    client, csrf = _client(newsroom, "editor")
    page = client.get(f"/desk/articles/{article}")
    assert f'action="/desk/articles/{article}/section"' in page.text
    assert '<option value="culture"' in page.text
    done = client.post(
        f"/desk/articles/{article}/section",
        data={"csrf": csrf, "section": "culture"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with newsroom.sessions() as session:
        row = session.get(ArticleRow, article)
        assert row is not None and row.section == "culture"
        assert row.section_reason == "labelled by an editor"
    assert section_label(newsroom, article) == "culture"
    entry = audit_entries(newsroom, action="article.section")[0]
    assert (entry.actor, entry.target, entry.detail) == (
        "editor",
        str(article),
        {"section": "culture", "before": "world"},
    )
    # The public section page lists it now.
    culture = client.get("/es/section/culture/")
    assert culture.status_code == 200 and f"/es/article/{article}" in culture.text
    refused = client.post(
        f"/desk/articles/{article}/section", data={"csrf": csrf, "section": "<gardening>"}
    )
    assert refused.status_code == 400 and "&lt;gardening&gt;" in refused.text
    assert (
        client.post(
            "/desk/articles/999999/section", data={"csrf": csrf, "section": "culture"}
        ).status_code
        == 404
    )
    # A viewer sees the page without the forms.
    viewer, _ = _client(newsroom, "viewer")
    assert f"/desk/articles/{article}/section" not in viewer.get(f"/desk/articles/{article}").text
    # A taken-down article is filed nowhere new.
    take_down(newsroom, str(article), "Removal requested")
    with pytest.raises(SectionsError, match="taken down"):
        set_article_section(newsroom, article, "world")


def test_the_classifier_is_retrained_from_the_desk(wire: Wire) -> None:
    newsroom = wire.newsroom
    client, csrf = _client(newsroom, "editor")
    first = client.post("/desk/sections/retrain", data={"csrf": csrf})
    assert first.status_code == 400  # no labels yet
    with newsroom.sessions.begin() as session:
        source = make_source(session, language="es")
        labelled = {}
        for texts, section in ((CULTURE, "culture"), (WORLD, "world")):
            for text in texts:
                article = make_article(
                    session, source, title=text, blocks=[{"kind": "p", "text": text}]
                )
                labelled[article.id] = section
    for article_id, section in labelled.items():
        posted = client.post(
            f"/desk/articles/{article_id}/section", data={"csrf": csrf, "section": section}
        )
        assert posted.status_code == 200
    listed = client.get("/desk/sections")
    assert listed.status_code == 200 and "Retrain" in listed.text
    trained = client.post("/desk/sections/retrain", data={"csrf": csrf})
    assert trained.status_code == 200, trained.text
    assert "Trained on 6 examples (6 labelled articles)" in trained.text
    assert (newsroom.config.root / "sections-model.json").exists()
    entry = audit_entries(newsroom, action="sections.train")[0]
    assert entry.actor == "editor" and entry.detail["labels"] == 6
    viewer, _ = _client(newsroom, "viewer")
    assert "/desk/sections/retrain" not in viewer.get("/desk/sections").text


def test_a_static_build_follows_a_merge_and_a_section_change(wire: Wire, tmp_path: Path) -> None:
    newsroom = wire.newsroom
    budget, strike = wire.stories["budget"], wire.stories["strike"]
    out = tmp_path / "public"
    build_site_report(newsroom, out, search_index=False)
    assert (out / "es" / "story" / str(strike) / "index.html").exists()
    merge_stories(newsroom, budget, strike, actor=ROOT)
    report = build_site_report(newsroom, out, search_index=False)
    assert not report.full
    assert not (out / "es" / "story" / str(strike)).exists()
    merged = (out / "es" / "story" / str(budget) / "index.html").read_text(encoding="utf-8")
    for article_id in wire.articles["strike"]:
        assert f"/es/article/{article_id}-" in merged
    # Culture had no article: it now enters every page's menu, so the build is whole.
    article = wire.articles["strike"][0]
    set_article_section(newsroom, article, "culture", actor=ROOT)
    report = build_site_report(newsroom, out, search_index=False)
    assert report.full
    culture = (out / "es" / "section" / "culture" / "index.html").read_text(encoding="utf-8")
    assert f"/es/article/{article}-" in culture
    front = (out / "es" / "index.html").read_text(encoding="utf-8")
    assert "/es/section/culture/" in front
