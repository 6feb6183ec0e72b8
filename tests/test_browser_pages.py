"""Every kind of public page in a real browser, in a left-to-right (English) and a
right-to-left (Arabic) edition, at phone and desktop widths: axe-core finds no serious
violation, nothing moves while the page loads (cumulative layout shift, measured by
the browser), and screenshots are kept in tests/browser/artifacts/.

The article page carries a real picture: a JPEG made with Pillow, served from a
loopback server, fetched and stored by the pictures stage.
"""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from babelwire.jobs.site import create_site
from babelwire.jobs.stages.pictures import fetch_pictures
from babelwire.model import ImageState
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage import images
from babelwire.storage.published import search
from babelwire.storage.tables import SourceRow, TranslationRow
from tests.factory import make_translation
from tests.serving import free_port, serving
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    ARTIFACTS,
    PHONE,
    _axe,
    browser,
)
from tests.test_site import populate_site
from tests.test_site_stories import populate_organised

pytestmark = pytest.mark.slow

DESKTOP = {"width": 1366, "height": 900}
EDITIONS = ("en", "ar")
# Sums the layout shifts no input caused, from the first paint on.
LAYOUT_SHIFT = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


def _photo() -> bytes:
    """A 1200x800 JPEG with something in it: a gradient and a dark band."""
    image = Image.new("RGB", (1200, 800))
    image.putdata([(x * 255 // 1200, y * 255 // 800, 140) for y in range(800) for x in range(1200)])
    image.paste((30, 40, 60), (0, 560, 1200, 680))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class _PictureServer(http.server.BaseHTTPRequestHandler):
    photo = b""

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path == "/photo.jpg":
            body, kind = self.photo, "image/jpeg"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _store_picture(newsroom: Newsroom, article_id: int) -> None:
    """The article's lead picture, through the pictures stage from a loopback server."""
    _PictureServer.photo = _photo()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PictureServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/photo.jpg"
        with newsroom.sessions.begin() as session:
            images.note_lead(session, article_id, url, "The chamber", ImageState.PENDING)
        result = fetch_pictures(newsroom, [article_id])
        assert result.stored == [article_id], result.failed
    finally:
        httpd.shutdown()


def _arabic_edition(newsroom: Newsroom) -> None:
    """An Arabic edition of every English article (titles marked in Arabic)."""
    with newsroom.sessions.begin() as session:
        english = session.query(TranslationRow).filter(TranslationRow.language == "en").all()
        for row in english:
            make_translation(
                session,
                row.article,
                "ar",
                row.status,
                title=f"خبر: {row.title}",
                blocks=[{"kind": b["kind"], "text": "نص عربي. " + b["text"]} for b in row.blocks],
                engine=row.engine,
            )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A served site with an English and an Arabic edition; yields its address and the
    paths of one page of each kind in each edition (keyed "en article", ...)."""
    root = tmp_path_factory.mktemp("browser-pages") / "site"
    port = free_port()
    create_site(
        root, title="Test Wire", base_url=f"http://127.0.0.1:{port}", languages=("en", "ar")
    )
    newsroom = Newsroom.open(root)
    try:
        ids = populate_organised(newsroom, populate_site(newsroom))
        _arabic_edition(newsroom)
        _store_picture(newsroom, ids["full"])
        with newsroom.sessions() as session:
            search.reindex_all(session)
            session.commit()
            source_id = session.query(SourceRow.id).order_by(SourceRow.id).limit(1).scalar()
        pages = SitePages.for_site(newsroom)
        paths: dict[str, str] = {}
        for code in EDITIONS:
            article = pages.article_url(code, ids["full"])
            assert article is not None
            paths |= {
                f"{code} front": f"/{code}/",
                f"{code} section": f"/{code}/section/politics/",
                f"{code} section-page-2": f"/{code}/section/economy/page/2/",
                f"{code} article": article,
                f"{code} original": article + "original/",
                f"{code} story": f"/{code}/story/{ids['story-budget']}/",
                f"{code} tag": f"/{code}/tag/govern/",
                f"{code} source": f"/{code}/source/{source_id}/",
                f"{code} search": f"/{code}/search/?q=budget",
                f"{code} about": f"/{code}/about/",
                f"{code} not-found": f"/{code}/no/such/page/",
            }
    finally:
        newsroom.close()
    with serving(root, port) as base:
        yield base, paths


def _visit(context: Any, address: str, expect_status: int) -> tuple[Any, float]:
    """The page loaded, scrolled to its end and back (lazy pictures load), and the layout
    shift it had meanwhile."""
    page = context.new_page()
    response = page.goto(address, wait_until="load")
    assert response is not None and response.status == expect_status, address
    assert page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "Array.from(document.images).every((img) => img.complete)", timeout=10_000
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(100)
    return page, float(page.evaluate("window.__layoutShift"))


def _thumbnail_at_line_end(page: Any, rtl: bool) -> None:
    """A teaser's thumbnail sits at the end of its lines: right in English, left in Arabic."""
    teaser = page.locator("li.teaser.with-picture").first
    thumb = teaser.locator("a.thumbnail img").bounding_box()
    box = teaser.bounding_box()
    assert thumb is not None and box is not None
    if rtl:
        assert abs(thumb["x"] - box["x"]) <= 1, (thumb, box)
    else:
        assert abs(thumb["x"] + thumb["width"] - box["x"] - box["width"]) <= 1, (thumb, box)


@pytest.mark.parametrize("code", EDITIONS)
def test_every_page_kind_is_accessible_steady_and_directed(
    site: tuple[str, dict[str, str]],
    browser: Any,  # noqa: F811 (the fixture imported above)
    code: str,
) -> None:
    base, paths = site
    shifts: dict[str, float] = {}
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        context.add_init_script(LAYOUT_SHIFT)
        try:
            for key, path in paths.items():
                if not key.startswith(f"{code} "):
                    continue
                name = key.replace(" ", "-")
                status = 404 if key.endswith("not-found") else 200
                page, shift = _visit(context, base + path, status)
                shifts[f"{name} {label}"] = shift
                html = page.locator("html")
                assert html.get_attribute("lang") == code
                assert html.get_attribute("dir") == ("rtl" if code == "ar" else "ltr")
                if key.endswith(" article"):
                    picture = page.locator("main article img").first
                    assert picture.get_attribute("width") and picture.get_attribute("height")
                    assert picture.evaluate("(img) => img.naturalWidth") > 0
                if key.endswith(" front"):
                    _thumbnail_at_line_end(page, rtl=code == "ar")
                if key.endswith(" original"):
                    # The Catalan column reads left to right in either edition.
                    cell = page.locator("td.original-cell").first
                    assert cell.evaluate("(td) => getComputedStyle(td).direction") == "ltr"
                if label == "desktop":
                    _axe(page, f"{key} ({label})")
                page.screenshot(path=str(ARTIFACTS / f"pages-{name}-{label}.png"), full_page=True)
                page.close()
        finally:
            context.close()
    moved = {page: shift for page, shift in shifts.items() if shift >= 0.01}
    assert not moved, f"layout shift while loading: {moved}"
