"""Static builds: every internal link resolves, incremental builds write only what
changed, and the article page's additions (original text, related, source pages)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html
from sqlalchemy import update
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.config import Config
from babelwire.jobs.takedown import take_down
from babelwire.newsroom import Newsroom
from babelwire.publish.output_folder import BUILDING_MARKER, STATE_FILE, BuildRefusedError
from babelwire.publish.pages import SitePages
from babelwire.publish.rendering import STATIC_CSP
from babelwire.publish.static import build_site_report, build_steps, run_steps
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow
from tests.test_site import populate_site
from tests.test_takedown import files_holding

BASE = "https://wire.example"


@pytest.fixture
def newsroom(tmp_path: Path) -> Iterator[tuple[Newsroom, dict[str, int]]]:
    config = Config.from_mapping(
        tmp_path / "site",
        {
            "site": {"languages": ["en", "es"], "title": "Test Wire", "base_url": BASE},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    (tmp_path / "site").mkdir()
    room = Newsroom.from_config(config)
    ids = populate_site(room)
    with room.sessions.begin() as session:
        # Written long before any build in these tests, as a site's archive is.
        session.execute(update(TranslationRow).values(updated_at=datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        yield room, ids
    finally:
        room.close()


def _links(page: Path) -> list[str]:
    doc = lxml_html.fromstring(page.read_bytes())
    return [*doc.xpath("//a/@href"), *doc.xpath("//link/@href"), *doc.xpath("//script/@src")]


def _resolve(root: Path, href: str) -> Path:
    path = urlsplit(href).path
    target = root / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def test_every_internal_link_of_a_built_site_resolves(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    out = tmp_path / "public"
    report = build_site_report(room, out)  # with the Pagefind index
    assert report.full and report.search_indexed
    assert (out / "pagefind" / "pagefind-ui.js").is_file()
    pages = list(out.rglob("*.html"))
    assert len(pages) == report.pages
    checked = 0
    for page in pages:
        # Hostile text from sources and engines is inert on every page of the build.
        doc = lxml_html.fromstring(page.read_bytes())
        assert not doc.xpath("//*[@onerror] | //img | //iframe"), page
        # A file cannot send a header: the page carries its policy, first in <head>.
        policy = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert policy == [STATIC_CSP], page
        assert doc.xpath("//head/*[2]/@http-equiv") == ["Content-Security-Policy"], page
        assert not doc.xpath(
            "//a[contains(translate(@href, 'JAVSCRIPT', 'javscript'), 'javascript:')]"
        )
        scripts = doc.xpath("//script[not(@type='application/ld+json')]/@src")
        assert set(scripts) <= {"/pagefind/pagefind-ui.js", "/search.js"}, page
        assert len(doc.xpath("//script")) == len(scripts) + len(
            doc.xpath("//script[@type='application/ld+json']")
        )
        for href in _links(page):
            if href.startswith(BASE):
                href = href.removeprefix(BASE) or "/"
            if not href.startswith("/") or href.startswith("//"):
                continue  # links to sources, mailto:, #top
            assert _resolve(out, href).is_file(), (page.relative_to(out).as_posix(), href)
            checked += 1
    assert checked > 1000
    # The static search page uses Pagefind; serve mode's form posts nowhere else.
    search_page = (out / "en" / "search" / "index.html").read_text(encoding="utf-8")
    assert "/pagefind/pagefind-ui.js" in search_page and 'data-language="en"' in search_page


def test_original_text_view_related_and_source_pages(
    newsroom: tuple[Newsroom, dict[str, int]],
) -> None:
    room, ids = newsroom
    pages = SitePages.for_site(room)
    article = pages.article("en", ids["full"])
    assert article is not None
    doc = lxml_html.fromstring(article)
    original_href = doc.xpath("//p[@class='original-view']/a/@href")
    path = pages.article_url("en", ids["full"])
    assert original_href == [f"{path}original/"]
    view = pages.original("en", ids["full"])
    assert view is not None
    side = lxml_html.fromstring(view)
    rows = side.xpath("//table[@class='side-by-side']//tr[@class='pair']")
    # The title, then each block: original beside translation.
    assert len(rows) == 1 + 6
    first = [" ".join(td.text_content().split()) for td in rows[0].xpath("./td")]
    assert first == ["El Govern aprova el pressupost", "The government approves the budget"]
    assert rows[0].xpath("./td[1]/@lang") == ["ca"]
    assert side.xpath("//meta[@name='robots']/@content") == ["noindex, follow"]
    assert side.xpath("//link[@rel='canonical']/@href") == [BASE + path]
    # An article in its original language has no side-by-side view.
    assert pages.original("es", ids["original"]) is None
    # Related: never the articles that only share its section (the two published just
    # before it in the economy section share no story and no tags with it).
    assert pages.article_url("en", ids["hostile"]) and pages.article_url("en", ids["traversal"])
    assert doc.xpath("//aside[@class='related']") == []
    # The source page lists what was taken from the source, paginated.
    source_href = doc.xpath("//span[@class='source']/a[not(starts-with(@href, 'http'))]/@href")
    assert source_href == ["/en/source/1/"]
    source = lxml_html.fromstring(pages.source("en", 1) or "")
    assert "Diari Example" in source.xpath("//h1/text()")[0]
    assert source.xpath("//a[@rel='next']/@href") == ["/en/source/1/page/2/"]
    assert pages.source("en", 1, 4) is None and pages.source("en", 99) is None


def _publish(
    room: Newsroom,
    n: int,
    title: str,
    section: str = "economy",
    published_at: datetime | None = None,
) -> int:
    now = datetime.now(UTC)
    with room.sessions.begin() as session:
        source = session.query(SourceRow).one()
        article = ArticleRow(
            source_id=source.id,
            url=f"https://diari.example/new-{n}",
            canonical_url=f"https://diari.example/new-{n}",
            title=f"Nou {n}",
            blocks=[{"kind": "p", "text": "Text."}],
            stage="published",
            first_published_at=now,
            published_at=published_at or now + timedelta(days=400 + n),  # newest of all
            language="ca",
            version=1,
            attempts=0,
            extractor="trafilatura",
            image="",
            author="",
            from_feed=False,
            section=section,
        )
        session.add(article)
        session.flush()
        session.add(
            TranslationRow(
                article_id=article.id,
                language="en",
                status="translated",
                title=title,
                blocks=[{"kind": "p", "text": "Text."}],
                engine="apertium",
                engine_version="3.8.3",
                model_version="",
                unknown_words=0,
                flags=[],
                article_version=1,
            )
        )
        return int(article.id)


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_incremental_build_writes_only_what_changed(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, ids = newsroom
    pages = SitePages.for_site(room)
    out = tmp_path / "public"
    full = build_site_report(room, out, search_index=False)
    assert full.full
    untouched = {
        "politics article": out / pages.article_url("en", ids["full"]).strip("/") / "index.html",
        "politics section": out / "en" / "section" / "politics" / "index.html",
        "economy archive": out / "en" / "section" / "economy" / "archive" / "1" / "index.html",
        # The reader's page 2 shows archive page 1: it changes only with it.
        "economy page 2": out / "en" / "section" / "economy" / "page" / "2" / "index.html",
        "source archive": out / "en" / "source" / "1" / "archive" / "1" / "index.html",
        "about": out / "en" / "about" / "index.html",
        "spanish front": out / "es" / "index.html",
    }
    before = {name: _stamp(path) for name, path in untouched.items()}

    nothing = build_site_report(room, out, search_index=False)
    assert not nothing.full and nothing.pages == 0 and nothing.files == 0

    new_id = _publish(room, 1, "A brand new economy story")
    report = build_site_report(room, out, search_index=False)
    assert not report.full and report.articles_changed == 1
    # The new article, its original view, the English front, home, 3 economy pages
    # (now 46 articles), the source's 3 pages: far fewer than a full build.
    assert 0 < report.pages < full.pages / 3
    new_path = pages.article_url("en", new_id)
    assert new_path is not None
    assert (out / new_path.strip("/") / "index.html").is_file()
    economy = (out / "en" / "section" / "economy" / "index.html").read_text(encoding="utf-8")
    assert "A brand new economy story" in economy
    assert "A brand new economy story" in (out / "en" / "feed.xml").read_text(encoding="utf-8")
    assert new_path in (out / "sitemaps" / "en-1.xml").read_text(encoding="utf-8")
    # 46 articles: still one archive page of the 20 oldest, untouched.
    assert not (out / "en" / "section" / "economy" / "archive" / "2").exists()
    assert not (out / "en" / "section" / "economy" / "page" / "3").exists()
    for name, path in untouched.items():
        assert _stamp(path) == before[name], f"{name} was rewritten"

    # A new title moves the article to a new slug; the old folder goes.
    with room.sessions.begin() as session:
        row = session.get(ArticleRow, new_id)
        assert row is not None
        row.updated_at = datetime.now(UTC)
        row.translations[0].title = "Renamed economy story"
        row.translations[0].updated_at = datetime.now(UTC)
    build_site_report(room, out, search_index=False)
    renamed = pages.article_url("en", new_id)
    assert renamed is not None and renamed != new_path
    assert (out / renamed.strip("/") / "index.html").is_file()
    assert not (out / new_path.strip("/")).exists()

    # --full rebuilds everything and swaps the folder in.
    rebuilt = build_site_report(room, out, full=True, search_index=False)
    assert rebuilt.full and rebuilt.pages >= full.pages
    assert _stamp(untouched["about"]) != before["about"]


def _list_pages(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("en/section", "en/source")
        for p in (root / folder).rglob("index.html")
    }


def test_incremental_lists_match_a_full_build_across_page_boundaries(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    out = tmp_path / "public"
    build_site_report(room, out, search_index=False)
    economy = out / "en" / "section" / "economy"
    archive = economy / "archive" / "1" / "index.html"

    def articles_on(page: Path) -> list[str]:
        return [
            str(h) for h in lxml_html.fromstring(page.read_bytes()).xpath("//main//li//a/@href")
        ]

    oldest = articles_on(archive)
    assert len(oldest) == 20
    # 45 economy articles become 62: a second archive page appears (20 a page).
    for n in range(17):
        _publish(room, n, f"Economy arrival {n}")
        if n % 4 == 0:
            build_site_report(room, out, search_index=False)
    build_site_report(room, out, search_index=False)
    assert (economy / "archive" / "2" / "index.html").is_file()
    # Its articles stay; only its link to newer articles changed.
    assert articles_on(archive) == oldest
    # Readers count from the newest: page 3 is now the oldest, page 2 the second archive page.
    assert articles_on(economy / "page" / "3" / "index.html") == oldest
    second = economy / "archive" / "2" / "index.html"
    assert articles_on(economy / "page" / "2" / "index.html") == articles_on(second)
    reader_second = economy / "page" / "2" / "index.html"
    before = _stamp(second), _stamp(reader_second)
    with room.sessions.begin() as session:
        # Out of reach of the next build's safety margin: only the next article is new.
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.published_at.is_not(None))  # lists sort by it
            .values(first_published_at=hour_ago)
        )
        session.execute(update(TranslationRow).values(updated_at=hour_ago))
    _publish(room, 50, "One more economy arrival")
    build_site_report(room, out, search_index=False)
    assert (_stamp(second), _stamp(reader_second)) == before, (
        "a new article leaves the full archive pages and the reader pages showing them alone"
    )
    full = tmp_path / "full"
    build_site_report(room, full, full=True, search_index=False)
    assert _list_pages(out) == _list_pages(full)

    # An article the source dates long ago falls on the oldest page: it is rewritten.
    _publish(room, 99, "Economy from the archive", published_at=datetime(2020, 1, 1, tzinfo=UTC))
    build_site_report(room, out, search_index=False)
    assert "Economy from the archive" in archive.read_text(encoding="utf-8")
    build_site_report(room, full, full=True, search_index=False)
    assert _list_pages(out) == _list_pages(full)


def test_a_build_of_new_entries_writes_what_readers_reach_first(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    """Their pages, the front page and their section's first page and feeds; the
    source's list and the sitemaps wait for the complete build that follows."""
    room, _ids = newsroom
    out = tmp_path / "public"
    build_site_report(room, out, search_index=False)
    new_id = _publish(room, 3, "Breaking economy story")
    report = build_site_report(room, out, search_index=False, articles=[new_id])
    assert not report.full and report.articles_changed == 1
    path = SitePages.for_site(room).article_url("en", new_id)
    assert path is not None and (out / path.strip("/") / "index.html").is_file()

    def text(*parts: str) -> str:
        return out.joinpath(*parts).read_text(encoding="utf-8")

    for shown in (
        ("en", "index.html"),
        ("en", "feed.xml"),
        ("en", "section", "economy", "index.html"),
        ("en", "section", "economy", "feed.xml"),
    ):
        assert "Breaking economy story" in text(*shown), shown
    with room.sessions() as session:
        source_id = session.get(ArticleRow, new_id).source_id  # type: ignore[union-attr]
    assert "Breaking economy story" not in text("en", "source", str(source_id), "index.html")
    assert path not in text("sitemaps", "en-1.xml")
    assert set(report.phases) >= {"articles", "lists"}

    later = build_site_report(room, out, search_index=False)
    assert later.articles_changed >= 1
    assert "Breaking economy story" in text("en", "source", str(source_id), "index.html")
    assert path in text("sitemaps", "en-1.xml")


def test_a_complete_build_paused_between_its_steps_ends_as_one_build(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    """Paused after every page or list, with a build of a new entry between two of its
    steps, a complete build still writes every list as a full build would."""
    room, _ids = newsroom
    out = tmp_path / "public"
    build_site_report(room, out, search_index=False)
    for n in range(6):
        _publish(room, n, f"Backlog arrival {n}")
    steps = build_steps(SitePages.for_site(room, static=True), out, search_index=False)
    assert run_steps(steps, pause=lambda: True) is None  # paused after its first step
    new_id = _publish(room, 40, "Fresh between two steps")
    build_site_report(room, out, search_index=False, articles=[new_id])
    slices, report = 1, None
    while report is None:
        report = run_steps(steps, pause=lambda: True)
        slices += 1
    assert slices > 10 and not report.full
    assert report.articles_changed == 6  # what changed before it began
    assert report.seconds > 0 and set(report.phases) >= {"articles", "lists", "sitemaps"}
    # The entry written between its steps is in the next complete build.
    assert build_site_report(room, out, search_index=False).articles_changed >= 1
    full = tmp_path / "full"
    build_site_report(room, full, full=True, search_index=False)
    assert _list_pages(out) == _list_pages(full)


def test_an_article_that_moves_section_leaves_the_old_lists(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    out = tmp_path / "public"
    moved = _publish(room, 7, "A story filed under economy at first")
    build_site_report(room, out, search_index=False)
    economy = out / "en" / "section" / "economy" / "index.html"
    politics = out / "en" / "section" / "politics" / "index.html"
    assert "A story filed under economy at first" in economy.read_text(encoding="utf-8")

    with room.sessions.begin() as session:
        row = session.get(ArticleRow, moved)
        assert row is not None
        row.section = "politics"
        row.updated_at = datetime.now(UTC)
    report = build_site_report(room, out, search_index=False)
    assert not report.full
    assert "A story filed under economy at first" not in economy.read_text(encoding="utf-8")
    assert "A story filed under economy at first" in politics.read_text(encoding="utf-8")
    full = tmp_path / "full"
    build_site_report(room, full, full=True, search_index=False)
    assert _list_pages(out) == _list_pages(full)


def test_changed_settings_force_a_full_build(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    out = tmp_path / "public"
    build_site_report(room, out, search_index=False)
    other = Config.from_mapping(
        room.config.root,
        {
            "site": {"languages": ["en", "es"], "title": "Renamed Wire", "base_url": BASE},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    renamed = Newsroom.from_config(other)
    try:
        report = build_site_report(renamed, out, search_index=False)
    finally:
        renamed.close()
    assert report.full
    assert "Renamed Wire" in (out / "en" / "about" / "index.html").read_text(encoding="utf-8")


def test_a_build_writes_only_a_folder_it_owns(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    site = room.config.root
    database = site / "t.sqlite3"
    assert database.is_file()
    # Never the site folder, nor a folder above it: a build replaces the whole folder.
    for refused in (site, tmp_path, site / ".." / "site"):
        with pytest.raises(BuildRefusedError, match="site folder"):
            build_site_report(room, refused, search_index=False, force=True)
    assert database.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["site"]

    # A folder of someone's files is kept, unless the build is forced.
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine")
    with pytest.raises(BuildRefusedError, match="not a babelwire build"):
        build_site_report(room, notes, search_index=False)
    assert (notes / "todo.txt").read_text() == "mine"
    assert build_site_report(room, notes, search_index=False, force=True).full
    assert not (notes / "todo.txt").exists() and (notes / STATE_FILE).is_file()
    # Now it is a build: the next one needs no --force.
    assert not build_site_report(room, notes, search_index=False).full

    # A folder inside the site is fine; a file, or another site's folder, is not.
    inside = build_site_report(room, site / "public", search_index=False)
    assert inside.full and (site / "public" / "en" / "index.html").is_file()
    (tmp_path / "file.html").write_text("x")
    with pytest.raises(BuildRefusedError, match="not a folder"):
        build_site_report(room, tmp_path / "file.html", search_index=False, force=True)
    other = tmp_path / "other-site"
    other.mkdir()
    (other / "babelwire.toml").write_text("")
    with pytest.raises(BuildRefusedError, match="site folder"):
        build_site_report(room, other, search_index=False, force=True)
    assert (other / "babelwire.toml").exists()


def test_build_command_refuses_with_one_line_and_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "site"
    made = runner.invoke(app, ["init", str(site), "--languages", "en"])
    assert made.exit_code == 0, made.output
    config = (site / "babelwire.toml").read_bytes()
    for outdir in (site, tmp_path):
        result = runner.invoke(app, ["build", str(outdir), "--site", str(site), "--no-search"])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: ") and "site folder" in result.output
    assert (site / "babelwire.toml").read_bytes() == config
    assert (site / "babelwire.sqlite3").is_file()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "keep.md").write_text("notes")
    result = runner.invoke(app, ["build", str(notes), "--site", str(site), "--no-search"])
    assert result.exit_code == 2 and "--force" in result.output
    assert (notes / "keep.md").is_file()
    forced = runner.invoke(
        app, ["build", str(notes), "--site", str(site), "--no-search", "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert not (notes / "keep.md").exists() and (notes / "index.html").is_file()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def _leftover(parent: Path, name: str, pid: int | None) -> Path:
    folder = parent / name
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "index.html").write_text("half a site")
    if pid is not None:
        mark = {"pid": pid, "host": socket.gethostname()}
        (folder / BUILDING_MARKER).write_text(json.dumps(mark))
    past = time.time() - 3600
    os.utime(folder, (past, past))
    return folder


def test_a_build_removes_what_killed_builds_left(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, _ids = newsroom
    out = tmp_path / "public"
    killed = _leftover(tmp_path, ".public.build-k1ll3d00", _dead_pid())
    running = _leftover(tmp_path, ".public.build-running", os.getppid())
    unmarked = _leftover(tmp_path, ".public.build-unmarkd", None)
    other = _leftover(tmp_path, ".elsewhere.build-k1ll3d00", _dead_pid())
    aside = tmp_path / ".public.old-abcdefgh"
    (aside / "site").mkdir(parents=True)
    (aside / "site" / STATE_FILE).write_text("{}")
    past = time.time() - 3600
    os.utime(aside, (past, past))
    report = build_site_report(room, out, search_index=False)
    assert report.full
    assert not killed.exists() and not aside.exists()
    # Another build still running, a folder babelwire did not mark, another output's.
    assert running.exists() and unmarked.exists() and other.exists()
    assert not list(tmp_path.glob(".public.build-k*"))
    # Killed between the two renames of a swap: the old site is put back, then updated.
    aside.mkdir()
    os.rename(out, aside / "site")
    os.utime(aside, (past, past))
    assert not build_site_report(room, out, search_index=False).full
    assert not aside.exists() and (out / "en" / "index.html").is_file()
    # A half-made search index inside the build goes with the next build.
    stale = out / ".pagefind-x1y2z3"
    stale.mkdir()
    (stale / "fragment").write_text("old words")
    os.utime(stale, (past, past))
    build_site_report(room, out, search_index=False)
    assert not stale.exists()


def test_a_killed_build_leaves_nothing_the_next_one_keeps(tmp_path: Path) -> None:
    """`babelwire build` killed (SIGKILL) while it writes: its temporary folder beside
    OUT is removed by the next build."""
    site = tmp_path / "site"
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(site), "--languages", "en,es"]).exit_code == 0
    room = Newsroom.open(site)
    try:
        populate_site(room)
    finally:
        room.close()
    out = tmp_path / "public"
    command = [sys.executable, "-m", "babelwire.cli.main", "build", str(out), "--site", str(site)]
    killed = False
    for _attempt in range(5):
        process = subprocess.Popen([*command, "--full", "--no-search"])
        while process.poll() is None:
            if any((p / BUILDING_MARKER).is_file() for p in tmp_path.glob(".public.build-*")):
                process.kill()
                killed = process.wait() != 0
                break
            time.sleep(0.005)
        process.wait()
        if killed:
            break
    assert killed, "every build finished before it could be killed"
    assert list(tmp_path.glob(".public.build-*"))
    done = runner.invoke(app, ["build", str(out), "--site", str(site), "--no-search"])
    assert done.exit_code == 0, done.output
    assert not list(tmp_path.glob(".public.build-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]


def test_a_build_without_search_after_a_takedown_drops_the_old_index(
    newsroom: tuple[Newsroom, dict[str, int]], tmp_path: Path
) -> None:
    room, ids = newsroom
    out = tmp_path / "public"
    build_site_report(room, out)
    index = out / "pagefind"
    assert index.is_dir()
    build_site_report(room, out, search_index=False)  # nothing taken down: kept
    assert index.is_dir()
    take_down(room, str(ids["full"]), "Removal requested")
    report = build_site_report(room, out, search_index=False)
    assert not report.full and report.taken_down == 1
    assert not index.exists() and any("search index removed" in n for n in report.notes)
    assert files_holding(out, ["The government approves the budget", "budget was approved"]) == []
