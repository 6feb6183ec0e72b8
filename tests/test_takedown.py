"""Takedowns through a real pipeline pass: gone from every page, feed, sitemap, search
index and static output, 410 at the old address, and never ingested again."""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.demo.server import DemoServer, load_samples
from babelwire.jobs.audit import audit_entries
from babelwire.jobs.run import run_pass
from babelwire.jobs.takedown import TakedownError, is_tombstoned, take_down
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.publish.static import build_site_report
from babelwire.storage.published import search
from babelwire.storage.tables import ArticleRow, TombstoneRow, TranslationRow
from babelwire.web.app import create_app
from tests.conftest import make_site

runner = CliRunner()


@dataclass
class Removed:
    newsroom: Newsroom
    server: DemoServer
    root: Path
    outdir: Path
    article_id: int
    original_url: str
    paths: dict[str, str]  # edition -> old article path
    word: str  # a word of its English title, for search
    output: str
    rebuilt: Path  # a second build, updated by `babelwire build` after the takedown
    texts: list[str]  # its titles, a word only its text has, its paths: none may be left


def _unique_word(session: Session, article_id: int) -> str:
    """A long word of the article's English text that no other article's text holds."""
    mine = session.scalar(
        select(TranslationRow.blocks).where(
            TranslationRow.article_id == article_id, TranslationRow.language == "en"
        )
    )
    words = sorted(
        {w for block in mine or [] for w in re.findall(r"[A-Za-z]{8,}", block["text"])},
        key=lambda w: (-len(w), w),
    )
    others = " ".join(
        json.dumps([title, blocks], ensure_ascii=False)
        for title, blocks in session.execute(
            select(TranslationRow.title, TranslationRow.blocks).where(
                TranslationRow.article_id != article_id
            )
        )
    ).lower()
    others += " ".join(
        json.dumps([title, blocks], ensure_ascii=False)
        for title, blocks in session.execute(
            select(ArticleRow.title, ArticleRow.blocks).where(ArticleRow.id != article_id)
        )
    ).lower()
    unique = [w for w in words if w.lower() not in others]
    assert unique, words
    return unique[0]


def _forms(text: str) -> set[bytes]:
    """`text` as it may stand in a page, a feed or a search fragment."""
    return {
        form.encode("utf-8")
        for form in (
            text,
            html.escape(text),
            html.escape(text, quote=False),
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
        )
    }


def files_holding(root: Path, texts: list[str]) -> list[tuple[str, str]]:
    """(file, text) for every file under `root` that holds one of `texts`, reading
    gzip-compressed files (Pagefind's index and fragments) decompressed."""
    found = []
    for file in sorted(root.rglob("*")):
        if not file.is_file():
            continue
        data = file.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        lowered = data.lower()
        for text in texts:
            if any(form.lower() in lowered for form in _forms(text)):
                found.append((file.relative_to(root).as_posix(), text))
    return found


def _title_word(title: str) -> str:
    words = sorted(re.findall(r"[A-Za-z]{6,}", title), key=len, reverse=True)
    assert words, title
    return words[0]


@pytest.fixture(scope="module")
def removed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Removed]:
    tmp = tmp_path_factory.mktemp("takedown")
    with DemoServer(load_samples()) as server:
        newsroom = make_site(tmp / "site", server)
        try:
            assert run_pass(newsroom).ok
            outlet = server.outlets["el-faro-de-almira"]
            target = outlet.articles[0]
            with newsroom.sessions() as session:
                row = session.scalar(select(ArticleRow).where(ArticleRow.url.contains(target.slug)))
                assert row is not None
                article_id, original_url = row.id, row.url
            pages = SitePages.for_site(newsroom)
            paths = {code: pages.article_url(code, article_id) for code in ("en", "es")}
            assert all(paths.values())
            with newsroom.sessions() as session:
                title = session.scalar(
                    select(TranslationRow.title).where(
                        TranslationRow.article_id == article_id, TranslationRow.language == "en"
                    )
                )
                titles = [
                    t
                    for t in session.scalars(
                        select(TranslationRow.title).where(TranslationRow.article_id == article_id)
                    )
                ]
                text_word = _unique_word(session, article_id)
            word = _title_word(title or "")
            texts = [*titles, text_word, *(p for p in paths.values() if p)]
            with newsroom.sessions() as session:
                hits = search.search(session, "en", word)
            assert article_id in {t.id for t in hits.teasers}, "searchable before"
            outdir = tmp / "public"
            first = build_site_report(newsroom, outdir)
            assert first.full and (outdir / paths["en"].strip("/") / "index.html").is_file()
            rebuilt = tmp / "rebuilt"
            build_site_report(newsroom, rebuilt)
            # Before: its titles, its word and its paths are in the pages and the index.
            before = files_holding(outdir, texts)
            assert {text for _file, text in before} == set(texts)
            assert any(file.startswith("pagefind/") and text == text_word for file, text in before)
            result = runner.invoke(
                app,
                [
                    "takedown",
                    original_url,
                    "--reason",
                    "Removal requested by the publisher",
                    "--site",
                    str(tmp / "site"),
                    "--build",
                    str(outdir),
                ],
            )
            assert result.exit_code == 0, result.output
            again = runner.invoke(app, ["build", str(rebuilt), "--site", str(tmp / "site")])
            assert again.exit_code == 0 and "incremental build" in again.output, again.output
            yield Removed(
                newsroom,
                server,
                tmp / "site",
                outdir,
                article_id,
                original_url,
                {k: v for k, v in paths.items() if v},
                word,
                result.output,
                rebuilt,
                texts,
            )
        finally:
            newsroom.close()


def test_cli_reports_what_was_removed(removed: Removed) -> None:
    assert f"Took down article {removed.article_id}" in removed.output
    for path in removed.paths.values():
        assert path in removed.output
    assert "incremental" not in removed.output or "pages written" in removed.output
    entry = audit_entries(removed.newsroom, action="article.takedown")[0]
    assert entry.actor.startswith("cli:") and entry.via == "cli"
    assert entry.target == str(removed.article_id)
    assert entry.detail["reason"] == "Removal requested by the publisher"


def test_old_addresses_answer_410_in_serve_mode(removed: Removed) -> None:
    with TestClient(create_app(removed.newsroom)) as client:
        for language, path in removed.paths.items():
            for address in (path, path + "original/", f"/{language}/article/{removed.article_id}/"):
                response = client.get(address, follow_redirects=False)
                assert response.status_code == 410, address
                assert "removed" in response.text.lower() or "retirado" in response.text
                assert 'name="robots" content="noindex"' in response.text


def test_gone_from_every_list_feed_sitemap_and_search(removed: Removed) -> None:
    marker = f"/article/{removed.article_id}-"
    with TestClient(create_app(removed.newsroom)) as client:
        lists = ["/", "/sitemap.xml", "/sitemaps/news.xml"]
        for language in ("en", "es"):
            lists += [
                f"/{language}/",
                f"/{language}/feed.xml",
                f"/{language}/atom.xml",
                f"/{language}/feed.json",
                f"/sitemaps/{language}-1.xml",
            ]
            for slug in ("politics", "economy", "science", "culture", "sport", "world"):
                lists += [f"/{language}/section/{slug}/", f"/{language}/section/{slug}/feed.xml"]
        for path in lists:
            response = client.get(path)
            assert response.status_code == 200, path
            assert marker not in response.text, path
        page = client.get(f"/en/search/?q={removed.word}").text
        assert marker not in page
    with removed.newsroom.sessions() as session:
        hits = search.search(session, "en", removed.word)
        assert removed.article_id not in {t.id for t in hits.teasers}
        row = session.get(ArticleRow, removed.article_id)
        assert row is not None and row.stage == "removed"
        assert row.title == "" and row.blocks == [] and not row.translations
        assert is_tombstoned(session, removed.original_url)
        reasons = set(
            session.scalars(
                select(TombstoneRow.reason).where(TombstoneRow.article_id == removed.article_id)
            )
        )
        assert reasons == {"Removal requested by the publisher"}


def test_gone_from_the_static_output(removed: Removed) -> None:
    marker = f"/article/{removed.article_id}-"
    for path in removed.paths.values():
        page = removed.outdir / path.strip("/") / "index.html"
        text = page.read_text(encoding="utf-8")
        assert 'content="noindex"' in text
        assert "<h1>Article removed</h1>" in text or "<h1>Artículo retirado</h1>" in text
        assert (
            not (removed.outdir / path.strip("/") / "original" / "index.html")
            .read_text(encoding="utf-8")
            .count("<table")
        )
    for file in removed.outdir.rglob("*"):
        if file.suffix not in {".html", ".xml", ".json"} or not file.is_file():
            continue
        relative = "/" + file.relative_to(removed.outdir).as_posix()
        if any(relative.startswith(p) for p in removed.paths.values()):
            continue
        assert marker not in file.read_text(encoding="utf-8"), relative
    feed = json.loads((removed.outdir / "en" / "feed.json").read_text(encoding="utf-8"))
    assert all(marker not in item["url"] for item in feed["items"])


def test_no_text_of_it_is_left_in_any_static_file(removed: Removed) -> None:
    """Not its titles, a word only its text had, nor its paths, in any file of either
    build (pages, feeds, sitemaps, Pagefind's compressed index and fragments), after
    `takedown --build` and after a later incremental `babelwire build`."""
    for outdir in (removed.outdir, removed.rebuilt):
        assert (outdir / "pagefind" / "pagefind-entry.json").is_file()
        assert files_holding(outdir, removed.texts) == [], outdir.name
    assert not list(removed.outdir.parent.glob(".*.build-*"))
    assert not list(removed.outdir.glob(".pagefind-*"))


def test_a_takedown_is_never_ingested_again(removed: Removed) -> None:
    newsroom, server = removed.newsroom, removed.server
    with newsroom.sessions() as session:
        before = session.scalar(select(func.count()).select_from(ArticleRow))
    outlet = server.outlets["el-faro-de-almira"]
    target = outlet.articles[0]
    body = list(target.body)
    body[0] = ("p", body[0][1] + " Una corrección posterior.")
    server.update_article(outlet.slug, target.slug, body=tuple(body))  # the source changes it
    report = run_pass(newsroom, force=True)
    assert report.ok
    with newsroom.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRow)) == before
        row = session.get(ArticleRow, removed.article_id)
        assert row is not None and row.stage == "removed" and not row.translations
    with TestClient(create_app(newsroom)) as client:
        assert client.get(removed.paths["en"]).status_code == 410


def test_takedown_needs_a_reason_and_an_article(removed: Removed) -> None:
    with pytest.raises(TakedownError, match="reason"):
        take_down(removed.newsroom, str(removed.article_id), "  ")
    with pytest.raises(TakedownError, match="no article"):
        take_down(removed.newsroom, "https://nowhere.example/x", "spam")
    result = runner.invoke(
        app, ["takedown", "999999", "--reason", "x", "--site", str(removed.root)]
    )
    assert result.exit_code == 2
    assert "no article matches" in result.output
    # By its address on this site: a second takedown of the same article changes nothing.
    again = take_down(removed.newsroom, "http://127.0.0.1:8000" + removed.paths["en"], "again")
    assert again.article_id == removed.article_id
