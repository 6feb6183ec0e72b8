"""A person's headline of a story per edition: set from the desk, shown on that
edition's story page (with a note that a person wrote it) and nowhere else, kept when
the story is recomputed, cleared back to the machine's, and logged; and a person's name
of a section per edition, shown in that edition's menus and kept when the configured
sections are synced again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from babelwire.errors import InputError
from babelwire.jobs.audit import audit_entries
from babelwire.jobs.sections import SectionsError, set_section_name
from babelwire.jobs.stories import repair_stories
from babelwire.jobs.story_edits import StoryNotFoundError, merge_stories, set_story_headline
from babelwire.newsroom import Newsroom
from babelwire.publish.static import build_site_report
from tests.test_desk_stories import HOSTILE, ROOT, WORLD, Wire, _client, wire

__all__ = ["wire"]

PERSON = "Presupuesto <b>aprobado</b> & firmado"


def _h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found is not None
    return found.group(1)


def test_an_editor_writes_a_story_headline_for_one_edition(wire: Wire) -> None:
    newsroom = wire.newsroom
    budget = wire.stories["budget"]
    client, csrf = _client(newsroom, "editor")
    machine_es = _h1(client.get(f"/es/story/{budget}/").text)
    machine_en = _h1(client.get(f"/en/story/{budget}/").text)
    assert machine_es == "Pleno &lt;script&gt;alert(1)&lt;/script&gt; &amp; más"
    page = client.get(f"/desk/stories/{budget}")
    assert page.status_code == 200 and 'name="headline"' in page.text
    saved = client.post(
        f"/desk/stories/{budget}/headline",
        data={"csrf": csrf, "language": "es", "headline": f"  {PERSON} "},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=headline")
    es = client.get(f"/es/story/{budget}/").text
    assert _h1(es) == "Presupuesto &lt;b&gt;aprobado&lt;/b&gt; &amp; firmado"
    assert "Este titular lo ha escrito una persona." in es
    en = client.get(f"/en/story/{budget}/").text
    assert _h1(en) == machine_en and "written by a person" not in en
    # The desk shows it in the form, escaped.
    desk = client.get(f"/desk/stories/{budget}").text
    assert PERSON not in desk and 'value="Presupuesto &lt;b&gt;aprobado&lt;/b&gt;' in desk
    # Recomputing the story keeps it.
    with newsroom.sessions() as session:
        repair_stories(session, [budget])
        session.commit()
    assert _h1(client.get(f"/es/story/{budget}/").text).startswith("Presupuesto")
    # Cleared: the machine's again.
    cleared = client.post(
        f"/desk/stories/{budget}/headline",
        data={"csrf": csrf, "language": "es", "headline": PERSON, "clear": "1"},
        follow_redirects=False,
    )
    assert cleared.status_code == 303
    es = client.get(f"/es/story/{budget}/").text
    assert _h1(es) == machine_es and "escrito una persona" not in es
    entries = audit_entries(newsroom, action="story.headline")
    assert [(e.actor, e.target, e.detail["language"], e.detail["headline"]) for e in entries] == [
        ("editor", str(budget), "es", None),
        ("editor", str(budget), "es", PERSON),
    ]


def test_headline_refusals(wire: Wire) -> None:
    newsroom = wire.newsroom
    budget = wire.stories["budget"]
    client, csrf = _client(newsroom, "editor")
    for data in ({"language": "xx", "headline": "x"}, {"language": "es", "headline": "x" * 301}):
        refused = client.post(f"/desk/stories/{budget}/headline", data={"csrf": csrf, **data})
        assert refused.status_code == 400 and 'role="alert"' in refused.text
    missing = client.post(
        "/desk/stories/999999/headline", data={"csrf": csrf, "language": "es", "headline": "x"}
    )
    assert missing.status_code == 404
    viewer, _ = _client(newsroom, "viewer")
    page = viewer.get(f"/desk/stories/{budget}").text
    assert 'name="headline"' not in page
    with pytest.raises(StoryNotFoundError):
        set_story_headline(newsroom, 999999, "es", "x", actor=ROOT)
    with pytest.raises(InputError):
        set_story_headline(newsroom, budget, "fr", "x", actor=ROOT)
    # Saving the same headline twice logs it once; clearing a missing one logs nothing.
    set_story_headline(newsroom, budget, "en", WORLD[0], actor=ROOT)
    set_story_headline(newsroom, budget, "en", WORLD[0], actor=ROOT)
    set_story_headline(newsroom, budget, "es", None, actor=ROOT)
    assert len(audit_entries(newsroom, action="story.headline")) == 1
    assert HOSTILE not in viewer.get(f"/desk/stories/{budget}").text


NAME = "Gente <i>del</i> mundo & más"


def _menu(page: str) -> str:
    found = re.search(r'<nav class="sections".*?</nav>', page, re.S)
    assert found is not None
    return found.group(0)


def test_an_editor_names_a_section_for_one_edition(wire: Wire, tmp_path: Path) -> None:
    newsroom = wire.newsroom
    client, csrf = _client(newsroom, "editor")
    assert ">Mundo</a>" in _menu(client.get("/es/").text)
    page = client.get("/desk/sections")
    assert page.status_code == 200 and 'id="name-world-es"' in page.text
    saved = client.post(
        "/desk/sections/name",
        data={"csrf": csrf, "section": "world", "language": "es", "name": NAME},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=name")
    escaped = "Gente &lt;i&gt;del&lt;/i&gt; mundo &amp; más"
    es = client.get("/es/").text
    assert f">{escaped}</a>" in _menu(es) and ">Mundo</a>" not in _menu(es)
    assert NAME not in es
    section = client.get("/es/section/world/").text
    assert f">{escaped}</a>" in _menu(section)
    assert ">World</a>" in _menu(client.get("/en/").text)
    desk = client.get("/desk/sections").text
    assert NAME not in desk and f'value="{escaped}"' in desk
    # Opening the site again syncs the configured sections: the name stays.
    again = Newsroom.open(tmp_path / "site")
    try:
        reopened, _ = _client(again, "viewer")
        assert f">{escaped}</a>" in _menu(reopened.get("/es/").text)
    finally:
        again.close()
    cleared = client.post(
        "/desk/sections/name",
        data={"csrf": csrf, "section": "world", "language": "es", "name": "", "clear": "1"},
        follow_redirects=False,
    )
    assert cleared.status_code == 303
    assert ">Mundo</a>" in _menu(client.get("/es/").text)
    entries = audit_entries(newsroom, action="section.name")
    assert [(e.actor, e.target, e.detail["language"], e.detail["name"]) for e in entries] == [
        ("editor", "world", "es", None),
        ("editor", "world", "es", NAME),
    ]


def test_section_name_refusals(wire: Wire) -> None:
    newsroom = wire.newsroom
    client, csrf = _client(newsroom, "editor")
    for data in (
        {"section": "nowhere", "language": "es", "name": "x"},
        {"section": "world", "language": "xx", "name": "x"},
        {"section": "world", "language": "es", "name": "x" * 101},
    ):
        refused = client.post("/desk/sections/name", data={"csrf": csrf, **data})
        assert refused.status_code == 400 and 'role="alert"' in refused.text
    viewer, _ = _client(newsroom, "viewer")
    assert 'name="name"' not in viewer.get("/desk/sections").text
    with pytest.raises(SectionsError):
        set_section_name(newsroom, "world", "fr", "x", actor=ROOT)
    assert audit_entries(newsroom, action="section.name") == []


def test_a_static_build_follows_a_headline_and_a_section_name(wire: Wire, tmp_path: Path) -> None:
    newsroom = wire.newsroom
    budget, strike = wire.stories["budget"], wire.stories["strike"]
    out = tmp_path / "public"
    build_site_report(newsroom, out, search_index=False)
    set_story_headline(newsroom, budget, "es", "Titular de una persona", actor=ROOT)
    merge_stories(newsroom, budget, strike, actor=ROOT)  # recomputed: the headline stays
    report = build_site_report(newsroom, out, search_index=False)
    assert not report.full
    page = (out / "es" / "story" / str(budget) / "index.html").read_text(encoding="utf-8")
    assert "<h1>Titular de una persona</h1>" in page
    assert "Titular de una persona" not in (
        out / "en" / "story" / str(budget) / "index.html"
    ).read_text(encoding="utf-8")
    set_section_name(newsroom, "world", "en", "Abroad", actor=ROOT)
    assert build_site_report(newsroom, out, search_index=False).full  # every menu changes
    front = (out / "en" / "index.html").read_text(encoding="utf-8")
    assert ">Abroad</a>" in _menu(front)
