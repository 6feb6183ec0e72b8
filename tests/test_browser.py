"""The public site in a real browser: Debian's Chromium driven by Playwright, against a
real `babelwire serve` process, with axe-core checking accessibility on each page.

Screenshots at phone and desktop widths are kept in tests/browser/artifacts/.
Set-up (`make setup`) installs Chromium (apt) and axe-core (npm, tests/browser/).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.publish.static import build_site_report
from babelwire.storage.published import search
from tests.serving import free_port, serving
from tests.test_site import populate_site
from tests.test_site_stories import populate_organised

# A real Chromium against a real server: tens of seconds.
pytestmark = pytest.mark.slow

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_DIR = Path(__file__).parent / "browser"
AXE = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = BROWSER_DIR / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "site"
    port = free_port()
    create_site(root, title="Test Wire", base_url=f"http://127.0.0.1:{port}")
    (root / "port").write_text(str(port))
    newsroom = Newsroom.open(root)
    try:
        populate_organised(newsroom, populate_site(newsroom))
        with newsroom.sessions() as session:
            search.reindex_all(session)
            session.commit()
    finally:
        newsroom.close()
    return root


@pytest.fixture(scope="module")
def server(site_root: Path) -> Iterator[str]:
    """A real `babelwire serve` on loopback, with two server processes as a site
    would run on a machine with two cores."""
    port = int((site_root / "port").read_text())
    with serving(site_root, port, "--workers", "2") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package")
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make setup` runs npm install in tests/browser")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The site's CSP forbids scripts; bypass_csp lets the test inject axe-core only.
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _axe(page: Any, label: str) -> None:
    """Fail on any serious or critical accessibility violation of the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v.get("impact") in BLOCKING
    ]
    assert not blocking, f"{label}: " + "; ".join(blocking)


def _shoot(page: Any, name: str) -> None:
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
    page.set_viewport_size(DESKTOP)


def test_reader_flow_front_section_article_top_edition(server: str, page: Any) -> None:
    page.goto(server + "/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    _axe(page, "front")
    _shoot(page, "front")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Politics").click()
    page.wait_for_url("**/en/section/politics/")
    assert page.locator("h1").inner_text() == "Politics"
    _axe(page, "section")

    page.get_by_role("link", name="The government approves the budget").first.click()
    page.wait_for_url("**/en/article/*-the-government-approves-the-budget/")
    assert page.locator("h1").inner_text() == "The government approves the budget"
    assert "Translated automatically from Catalan" in page.locator(".notice").inner_text()
    _axe(page, "article")
    _shoot(page, "article")

    # Back to top works without JavaScript: a plain link to #top.
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("window.scrollY") > 0
    page.get_by_role("link", name="Back to top").click()
    page.wait_for_function("window.scrollY === 0")
    assert page.url.endswith("#top")
    page.set_viewport_size(DESKTOP)

    # Switch edition from the article: the same article in Spanish.
    page.get_by_role("navigation", name="Editions").locator("a[hreflang='es']").click()
    page.wait_for_url("**/es/")
    page.go_back()
    page.locator(".other-editions a[hreflang='es']").click()
    page.wait_for_url("**/es/article/*-el-gobierno-aprueba-el-presupuesto/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".notice").inner_text().startswith("Traducido automáticamente")
    _axe(page, "spanish article")


def test_follow_a_story_and_a_tag_from_an_article(server: str, page: Any) -> None:
    page.goto(server + "/en/section/politics/")
    page.get_by_role("link", name="The government approves the budget").first.click()
    page.wait_for_url("**/en/article/*-the-government-approves-the-budget/")

    page.get_by_role("link", name="This story: 3 sources").click()
    page.wait_for_url("**/en/story/*/")
    assert page.locator("h1").inner_text() == "Parliament passes the spending plan"
    reports = page.locator("ul.story-members > li")
    assert reports.count() == 3
    assert "not republished here" in reports.filter(has_text="Copy Wire").inner_text()
    _axe(page, "story")
    _shoot(page, "story")

    page.go_back()
    page.get_by_role("navigation", name="Topics").get_by_role(
        "link", name="Catalan government"
    ).click()
    page.wait_for_url("**/en/tag/govern/")
    assert page.locator("h1").inner_text() == "Catalan government"
    assert page.locator("main li.teaser").count() == 3
    _axe(page, "tag")
    _shoot(page, "tag")

    # The front page leads with the biggest story.
    page.goto(server + "/en/")
    top = page.get_by_role("region", name="Top stories")
    top.get_by_role("link").first.click()
    page.wait_for_url("**/en/story/*/")
    assert page.locator("h1").inner_text() == "Parliament passes the spending plan"


def test_search_and_original_text_view(server: str, page: Any) -> None:
    page.goto(server + "/en/")
    page.get_by_role("searchbox").fill("budget")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/en/search/?q=budget")
    results = page.locator("main li.teaser a")
    assert results.all_inner_texts() == ["The government approves the budget"]
    _axe(page, "search")
    _shoot(page, "search")

    results.first.click()
    page.get_by_role("link", name="Original text beside the translation").click()
    page.wait_for_url("**/original/")
    rows = page.locator("table.side-by-side tr.pair")
    assert rows.count() == 7
    first = rows.first.locator("td")
    assert first.nth(0).inner_text() == "El Govern aprova el pressupost"
    assert first.nth(0).get_attribute("lang") == "ca"
    assert first.nth(1).inner_text() == "The government approves the budget"
    _axe(page, "original text")
    _shoot(page, "original")


def test_dark_theme_and_hostile_article_stay_accessible_and_inert(
    server: str, browser: Any
) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, color_scheme="dark")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(server + "/en/section/politics/")
        _axe(page, "dark section")
        page.screenshot(path=str(ARTIFACTS / "section-dark-phone.png"), full_page=True)
        page.locator("main li.teaser a", has_text="Hostile").click()
        page.wait_for_load_state()
        assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
        assert page.locator("main script, main img").count() == 0
        assert dialogs == []
    finally:
        context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_static_build_searches_with_pagefind(site_root: Path, browser: Any, tmp_path: Path) -> None:
    newsroom = Newsroom.open(site_root)
    try:
        build_site_report(newsroom, tmp_path / "public")
    finally:
        newsroom.close()
    handler = functools.partial(_Quiet, directory=str(tmp_path / "public"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{httpd.server_address[1]}/en/search/"
    try:
        # Under the page's own Content-Security-Policy (its meta tag): Pagefind's scripts,
        # WebAssembly and index load, and nothing is refused.
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        refused: list[str] = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.on("pageerror", lambda error: refused.append(str(error)))
        try:
            page.goto(address)
            assert page.locator("meta[http-equiv='Content-Security-Policy']").count() == 1
            page.locator("#pagefind input").fill("budget")
            result = page.locator(".pagefind-ui__result-link").first
            result.wait_for(timeout=15_000)
            assert "government approves the budget" in result.inner_text().lower()
            assert refused == []
        finally:
            context.close()
        # axe-core is injected as an inline script, which the policy forbids.
        context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        page = context.new_page()
        try:
            page.goto(address)
            page.locator("#pagefind input").fill("budget")
            page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15_000)
            _axe(page, "static search")
            page.screenshot(path=str(ARTIFACTS / "static-search-desktop.png"), full_page=True)
        finally:
            context.close()
    finally:
        httpd.shutdown()
