"""The desk in a real browser: an editor signs in to a real `babelwire serve`, opens what
the quality gate held (real Apertium, es -> en), revises it and publishes; the public
page, its feed and its search result change and say a person revised the text, and the
next article with the same sentence gets the person's text from translation memory.

Screenshots of every desk page at phone and desktop widths go to tests/browser/artifacts/,
and axe-core checks each page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from babelwire.demo.server import DemoServer, SampleArticle, SampleOutlet
from babelwire.jobs.audit import command_actor
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.jobs.users import add_user
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, TranslationRow
from tests.serving import free_port, serving
from tests.test_browser import _axe, _shoot, browser, page

pytestmark = pytest.mark.slow
__all__ = ["browser", "page"]  # the fixtures of tests/test_browser.py, shared

PASSWORD = "a long desk password"
# Made-up words Apertium cannot know: the gate (strict here) holds what has them.
SHARED = "La comisión aprobó el plan quelvo de franzosa tremilda zortina grapelix vorbunda."
REVISED = "The commission approved the new plan for the coastal district."
STRICT = {
    "BABELWIRE_TRANSLATION_QUALITY_THRESHOLD": "0.99",
    "BABELWIRE_TRANSLATION_ON_LOW_QUALITY": "hold",
}


def _article(slug: str, title: str, body: list[str], day: int) -> SampleArticle:
    return SampleArticle(
        slug=slug,
        title=title,
        author="Redacción",
        published=datetime(2026, 12, day, 9, 0, tzinfo=UTC),
        topic="politics",
        summary=body[0],
        body=tuple(("p", text) for text in body),
    )


# Ordinary paragraphs around the shared one, so that the pages read as articles (with
# made-up words enough to keep the share of unknown words above the gate's limit).
COMMON = [
    "Los vecinos siguieron el debate durante tres horas en la sala del pleno.",
    "El grupo municipal pidió que el plan se publique antes del verano en la web.",
]
FIRST = _article(
    "plan",
    "El pleno vota el plan del distrito",
    [SHARED, "El alcalde habló del barrio quelvo y del puerto franzoso tremildo.", *COMMON],
    1,
)
SECOND = _article(
    "plan-2",
    "La oposición recurre el plan",
    [SHARED, "La oposición pidió más tiempo zortino para el texto grapelix vorbundo.", *COMMON],
    2,
)


def _outlet(*articles: SampleArticle) -> SampleOutlet:
    return SampleOutlet(
        slug="cronica",
        name="Crónica Local",
        language="es",
        format="rss",
        section=None,
        description="Noticias",
        articles=list(articles),
    )


def _run_once(root: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "babelwire.cli.main",
            "run",
            "--once",
            "--force",
            "--site",
            str(root),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **STRICT},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _translation(root: Path, title: str) -> TranslationRow:
    with Newsroom.open(root) as newsroom, newsroom.sessions() as session:
        found = session.scalar(
            select(TranslationRow)
            .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
            .where(ArticleRow.title == title, TranslationRow.language == "en")
        )
        assert found is not None, title
        return found


def test_an_editor_revises_a_held_translation_and_the_site_says_so(
    tmp_path: Path, page: Any
) -> None:
    root, port = tmp_path / "site", free_port()
    create_site(root, title="Desk Wire", base_url=f"http://127.0.0.1:{port}")
    demo_port = free_port()
    with Newsroom.open(root) as newsroom:
        add_user(newsroom, "maria", "editor", actor=command_actor(), password=PASSWORD)
    with serving(root, port) as base, DemoServer([_outlet(FIRST)], port=demo_port) as demo:
        page.goto(f"{base}/desk/")
        page.get_by_label("Name").fill("maria")
        page.get_by_label("Password").fill(PASSWORD)
        _shoot(page, "desk-login")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        # The source is added in the desk, after its preview.
        page.goto(f"{base}/desk/sources/new")
        page.get_by_label("URL").fill(demo.feed_url("cronica"))
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("main").inner_text()
        assert "Crónica Local" in preview and FIRST.title in preview
        _axe(page, "source preview")
        _shoot(page, "desk-source-preview")
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_role("heading", name="Crónica Local").wait_for()
        # A pass, as `babelwire run` does it beside the server.
        _run_once(root)
        first = _translation(root, FIRST.title)
        assert first.status == "held", (first.quality, first.checks.get("unknown_share"))
        page.goto(f"{base}/desk/")
        _axe(page, "dashboard")
        _shoot(page, "desk-dashboard")
        page.get_by_role("navigation", name="Desk").get_by_role("link", name="Review").click()
        _axe(page, "review queue")
        _shoot(page, "desk-review-queue")
        page.locator("table a").first.click()
        page.get_by_role("button", name="Publish", exact=True).wait_for()
        _axe(page, "post-editing")
        _shoot(page, "desk-post-edit")
        page.get_by_label("Translation of segment 1").fill(REVISED)
        page.get_by_role("button", name="Publish", exact=True).click()
        page.get_by_role("status").wait_for()
        assert "Published" in page.get_by_role("status").inner_text()

        # The public page shows the person's text and says a person revised it.
        page.locator("dd a[href^='/en/article/']").click()
        article_text = page.locator("main").inner_text()
        assert REVISED in article_text
        assert "revised" in article_text.lower()
        _shoot(page, "desk-revised-article")
        feed = httpx.get(f"{base}/en/feed.xml").text
        assert REVISED in feed or "the new plan for the coastal district" in feed
        found = httpx.get(f"{base}/en/search/", params={"q": "coastal district"}).text
        assert "coastal district" in found.lower()

    # The next article with the same sentence gets the person's text.
    with DemoServer([_outlet(FIRST, SECOND)], port=demo_port):
        _run_once(root)
    second = _translation(root, SECOND.title)
    assert second.blocks[0]["text"] == REVISED


def test_every_desk_page_at_phone_and_desktop_widths(tmp_path: Path, page: Any) -> None:
    """An admin visits every page of the desk: each passes axe-core and is photographed."""
    root, port = tmp_path / "site", free_port()
    create_site(root, title="Desk Wire", base_url=f"http://127.0.0.1:{port}")
    with Newsroom.open(root) as newsroom:
        add_user(newsroom, "admin", "admin", actor=command_actor(), password=PASSWORD)
    with DemoServer([_outlet(FIRST, SECOND)]) as demo:
        with Newsroom.open(root) as newsroom:
            add_source(newsroom, demo.feed_url("cronica"), language="es", allow_private=True)
        _run_once(root)
    with serving(root, port) as base:
        page.goto(f"{base}/desk/login")
        page.get_by_label("Name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        tour = {
            "sources": "/desk/sources",
            "source-new": "/desk/sources/new",
            "source-import": "/desk/sources/import",
            "articles": "/desk/articles",
            "takedowns": "/desk/takedowns",
            "glossary": "/desk/glossary",
            "gazetteer": "/desk/gazetteer",
            "stories": "/desk/stories",
            "sections": "/desk/sections",
            "users": "/desk/users",
            "audit": "/desk/audit",
            "account": "/desk/account",
        }
        for name, path in tour.items():
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            _axe(page, name)
            _shoot(page, f"desk-{name}")
        # One source's page and one article's, reached by their links.
        page.goto(base + "/desk/sources")
        page.locator("table a[href^='/desk/sources/']").first.click()
        _axe(page, "source page")
        _shoot(page, "desk-source")
        page.goto(base + "/desk/articles")
        page.locator("table a[href^='/desk/articles/']").first.click()
        page.get_by_role("heading", level=1).wait_for()
        _axe(page, "article page")
        _shoot(page, "desk-article")
        # The interface in Catalan.
        page.goto(base + "/desk/language/ca")
        assert "Tauler" in page.get_by_role("heading", level=1).inner_text()
