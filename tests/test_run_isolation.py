"""One hostile source or article never stops a pass, loses another source's work, or
kills `babelwire run`: each fails alone, with its error recorded where the operator looks."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.dead_letters import list_dead_letters
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.run import RunReport, run_pass
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.jobs.stages.result import MAX_ATTEMPTS
from babelwire.jobs.stages.steps import pending_article_ids, run_stage_isolated
from babelwire.model import Stage, Step
from babelwire.newsroom import Newsroom
from babelwire.publish.paths import url_for_article
from babelwire.runners.local import run_forever
from babelwire.storage.database import is_database_failure, normalise_url, scratch_schema
from babelwire.storage.tables import ArticleRow, EntryRow, SourceRow, TranslationRow
from tests.conftest import PG_URL
from tests.hostile_server import HostileServer

runner = CliRunner()
STORY = "<p>" + "The council approved the new budget for the harbour after a long debate. " * 8
PAGE = (
    "<!doctype html><html><head><title>Budget</title></head><body><article>"
    f"<h1>Harbour budget approved</h1>{STORY}</p><p>{STORY}</p></article></body></html>"
)
GOOD_ITEM = "<item><title>Harbour budget approved</title><link>{}</link></item>"

HOSTILE_FEEDS = {
    "char-ref-out-of-range": (b"<>&#x110000;", "feed"),
    "char-ref-overflow": (b"<>&#9999999999;", "feed"),
    "stray-closing-tag": (b"</width>", "feed"),
    "unclosed-tags": (b"<item<textInput<description>", "feed"),
    "bad-encoding-declaration": (b'<?encoding="\xbf"?>', "feed"),
    "json-feed-huge-id": (
        b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1'
        + b"9" * 5000
        + b', "url": "http://a.invalid/x", "title": "X"}]}',
        "feed",
    ),
    "sitemap-bad-tag-name": (b"<:ss/>", "sitemap"),
}
REDIRECTS = [
    "data:text/html,<p>x</p>",
    "javascript:alert(1)",
    "mailto:desk@news.example",
    "http:foo",
    "http://xn--/",
    "http://127.0.0.1:99999/",
]


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>http://example.invalid/</link>{''.join(items)}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture
def newsroom(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    create_site(tmp_path / "site", languages=["en", "es"], database_url=database_url)
    with Newsroom.open(tmp_path / "site") as room:
        yield room


def _serve(server: HostileServer, path: str, body: bytes, content_type: str) -> str:
    server.routes[path] = lambda h: h.send(200, body, {"Content-Type": content_type})
    return server.url(path)


def _good_source(server: HostileServer, newsroom: Newsroom) -> int:
    server.routes["/good/story"] = lambda h: h.send(
        200, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"}
    )
    feed = rss(GOOD_ITEM.format(server.url("/good/story")))
    url = _serve(server, "/good.xml", feed, "application/rss+xml")
    return add_source(newsroom, url, language="en", allow_private=True, kind="feed").id


def _stages(newsroom: Newsroom, source_id: int) -> list[str]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(select(ArticleRow.stage).where(ArticleRow.source_id == source_id))
        )


def _source(newsroom: Newsroom, source_id: int) -> SourceRow:
    with newsroom.sessions() as session:
        row = session.get(SourceRow, source_id)
        assert row is not None
        session.expunge(row)
        return row


@pytest.mark.parametrize("name", list(HOSTILE_FEEDS))
def test_a_hostile_source_fails_alone_and_the_good_one_is_kept(
    server: HostileServer, newsroom: Newsroom, name: str
) -> None:
    body, kind = HOSTILE_FEEDS[name]
    good = _good_source(server, newsroom)
    url = _serve(server, f"/hostile-{name}", body, "application/xml")
    hostile = add_source(newsroom, url, language="en", allow_private=True, kind=kind).id

    report = run_pass(newsroom, force=True)

    by_id = {s.source_id: s for s in report.sources}
    assert by_id[good].error is None and by_id[good].new == 1
    assert _stages(newsroom, good) == ["published"]
    assert _source(newsroom, good).last_status == "ok"
    error = by_id[hostile].error
    if name == "json-feed-huge-id":  # a long id is still an id: the feed is read
        assert error is None and _stages(newsroom, hostile)
        return
    assert error, "the hostile source's failure is recorded"
    assert "Traceback" not in error
    row = _source(newsroom, hostile)
    assert row.last_status == "error" and row.last_error == error
    assert not report.ok  # a failure recorded in this pass


def test_run_once_keeps_the_good_source_and_records_the_hostile_one(
    server: HostileServer, newsroom: Newsroom
) -> None:
    good = _good_source(server, newsroom)
    url = _serve(server, "/hostile.xml", b"<>&#x110000;", "application/rss+xml")
    hostile = add_source(newsroom, url, allow_private=True, kind="feed").id
    result = runner.invoke(app, ["run", "--once", "--site", str(newsroom.config.root)])
    assert result.exit_code == 1, result.output  # the hostile source failed in this pass
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _stages(newsroom, good) == ["published"]
    assert _source(newsroom, good).last_status == "ok"
    assert "too broken to read" in (_source(newsroom, hostile).last_error or "")


def test_articles_redirecting_anywhere_fail_for_good_and_the_rest_is_published(
    server: HostileServer, newsroom: Newsroom
) -> None:
    items = []
    for i, location in enumerate(REDIRECTS):
        server.routes[f"/bad/{i}"] = lambda h, loc=location: h.send(302, b"", {"Location": loc})
        items.append(f"<item><link>{server.url(f'/bad/{i}')}</link></item>")  # no headline
    server.routes["/good/story"] = lambda h: h.send(
        200, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"}
    )
    items.append(GOOD_ITEM.format(server.url("/good/story")))
    url = _serve(server, "/mixed.xml", rss(*items), "application/rss+xml")
    add_source(newsroom, url, language="en", allow_private=True, kind="feed")

    reports = [run_pass(newsroom, force=True) for _ in range(MAX_ATTEMPTS)]

    with newsroom.sessions() as session:
        rows = {r.url: r for r in session.scalars(select(ArticleRow))}
        good = rows[server.url("/good/story")]
        assert good.stage == "published"
        for i in range(len(REDIRECTS)):
            bad = rows[server.url(f"/bad/{i}")]
            assert bad.stage == "failed", (REDIRECTS[i], bad.stage, bad.error)
            assert "unusable URL" in (bad.error or "") or "invalid URL" in (bad.error or "")
    assert all(len(r.article_errors) == len(REDIRECTS) for r in reports)
    letters = list_dead_letters(newsroom)
    assert sorted(x.items[0] for x in letters) == sorted(
        rows[server.url(f"/bad/{i}")].id for i in range(len(REDIRECTS))
    )
    assert {x.stage for x in letters} == {"extract"} and all(
        x.tries == MAX_ATTEMPTS for x in letters
    )
    assert run_pass(newsroom).article_errors == {}  # quarantined: not tried again


def test_quarantined_article_is_listed_shown_in_status_and_retried(
    server: HostileServer, newsroom: Newsroom
) -> None:
    server.routes["/flaky"] = lambda h: h.send(302, b"", {"Location": "data:,x"})
    url = _serve(
        server, "/f.xml", rss(f"<item><link>{server.url('/flaky')}</link></item>"), "text/xml"
    )
    add_source(newsroom, url, language="en", allow_private=True, kind="feed")
    for _ in range(MAX_ATTEMPTS):
        run_pass(newsroom, force=True)
    site = str(newsroom.config.root)
    listing = runner.invoke(app, ["dead-letters", "list", "--site", site])
    assert listing.exit_code == 0 and "extract" in listing.output, listing.output
    status = runner.invoke(app, ["status", "--site", site])
    assert "Dead letters: 1 (1 quarantined articles" in status.output, status.output

    server.routes["/flaky"] = lambda h: h.send(
        200, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"}
    )
    retried = runner.invoke(app, ["dead-letters", "retry", "--all", "--site", site])
    assert retried.exit_code == 0, retried.output
    with newsroom.sessions() as session:
        article = session.scalar(select(ArticleRow))
        assert article is not None and (article.stage, article.attempts) == ("discovered", 0)
    assert list_dead_letters(newsroom) == []
    assert run_pass(newsroom).ok
    with newsroom.sessions() as session:
        assert session.scalar(select(ArticleRow.stage)) == "published"


def test_a_title_only_entry_whose_page_is_gone_is_published_as_a_brief(
    server: HostileServer, newsroom: Newsroom
) -> None:
    # Not about the quality gate: the brief is to be shown, whatever its headline's score.
    settings = newsroom.config.settings
    lenient = dataclasses.replace(settings.translation, quality_threshold=0.0)
    newsroom.config = dataclasses.replace(
        newsroom.config, settings=dataclasses.replace(settings, translation=lenient)
    )
    gone = server.url("/gone")  # 404: the hostile server knows no such page
    url = _serve(
        server,
        "/brief.xml",
        rss(f"<item><title>The harbour reopens today</title><link>{gone}</link></item>"),
        "application/rss+xml",
    )
    add_source(newsroom, url, language="en", allow_private=True, kind="feed")
    first, second = run_pass(newsroom, force=True), run_pass(newsroom, force=True)
    assert first.ok and second.ok  # run --once exits 0 each time
    with newsroom.sessions() as session:
        article = session.scalar(select(ArticleRow))
        assert article is not None
        assert (article.stage, article.extractor, article.blocks) == ("published", "brief", [])
        spanish = session.scalar(
            select(TranslationRow).where(
                TranslationRow.article_id == article.id, TranslationRow.language == "es"
            )
        )
        assert spanish is not None and spanish.status == "translated"
        assert spanish.title and spanish.title != article.title  # the headline is translated
        path = url_for_article("es", article.id, spanish.title)
    from babelwire.web.app import create_app

    with TestClient(create_app(newsroom)) as client:
        page = client.get(path)
    assert page.status_code == 200
    assert "Breve" in page.text and f'href="{gone}"' in page.text
    assert "Apertium" in page.text  # the machine-translation notice still says how
    out = newsroom.config.root.parent / "public"
    built = runner.invoke(app, ["build", str(out), "--site", str(newsroom.config.root)])
    assert built.exit_code == 0, built.output
    static = (out / path.strip("/") / "index.html").read_text()  # the static site too
    assert "Breve" in static and f'href="{gone}"' in static
    assert spanish.title in (out / "es" / "feed.xml").read_text()  # and in the edition's feed


def test_run_forever_survives_a_pass_that_raises(server: HostileServer, newsroom: Newsroom) -> None:
    _good_source(server, newsroom)
    stop = threading.Event()
    failures: list[int] = []
    reports: list[RunReport] = []

    def restore(count: int, wait: float) -> None:
        failures.append(count)
        with newsroom.db.begin() as connection:  # the database is back
            connection.execute(text("ALTER TABLE sources_away RENAME TO sources"))

    def done(report: RunReport) -> None:
        reports.append(report)
        stop.set()

    with newsroom.db.begin() as connection:  # the database loses a table: every pass raises
        connection.execute(text("ALTER TABLE sources RENAME TO sources_away"))
    worker = threading.Thread(
        target=run_forever,
        args=(newsroom,),
        kwargs={"stop": stop, "on_report": done, "on_failure": restore},
    )
    worker.start()
    worker.join(120)
    stop.set()
    assert not worker.is_alive()
    assert failures == [1]
    assert len(reports) == 1 and reports[0].ok


def test_fields_longer_than_their_columns_do_not_fail_the_source(
    server: HostileServer, newsroom: Newsroom
) -> None:
    # PostgreSQL refuses a value longer than its column; SQLite stores it: both must agree.
    long_link = server.url("/long/" + "a" * 3000)
    items = [
        "<item><title>Long guid</title><link>http://a.invalid/one</link>"
        f"<guid>{'g' * 3000}</guid><author>{'Writer ' * 80}</author></item>",
        f"<item><title>Long link</title><link>{long_link}</link></item>",
        "<item><title>Plain</title><link>http://a.invalid/two</link></item>",
    ]
    body = rss(*items)
    server.routes["/long.xml"] = lambda h: h.send(
        200, body, {"Content-Type": "application/rss+xml", "ETag": '"' + "e" * 2000 + '"'}
    )
    source = add_source(
        newsroom, server.url("/long.xml"), language="en", allow_private=True, kind="feed"
    )
    report = refresh_sources(newsroom, [source.id])[0]
    assert report.error is None
    assert report.new == 2 and report.skipped == 1  # the 3000-character link is no address
    with newsroom.sessions() as session:
        titles = sorted(session.scalars(select(EntryRow.title)))
        guid = session.scalar(select(EntryRow.guid).where(EntryRow.title == "Long guid"))
        author = session.scalar(select(ArticleRow.author).where(ArticleRow.title == "Long guid"))
    assert titles == ["Long guid", "Plain"]
    assert guid is not None and len(guid) <= 2048
    assert author is not None and author.startswith("Writer") and len(author) <= 300
    assert _source(newsroom, source.id).etag is None  # too long to send back: not kept


def test_a_stage_that_raises_fails_each_article_alone_and_the_pass_goes_on(
    server: HostileServer, newsroom: Newsroom
) -> None:
    good = _good_source(server, newsroom)
    with newsroom.db.begin() as connection:  # translate can only raise now
        connection.execute(text("ALTER TABLE translation_memory RENAME TO memory_away"))
    report = run_pass(newsroom, force=True)
    with newsroom.db.begin() as connection:
        connection.execute(text("ALTER TABLE memory_away RENAME TO translation_memory"))
    (error,) = report.article_errors.values()
    assert error.startswith(("OperationalError: ", "ProgrammingError: ")), error
    assert not report.ok
    with newsroom.sessions() as session:
        article = session.scalar(select(ArticleRow))
        assert article is not None
        assert (article.stage, article.attempts, article.error) == ("extracted", 1, error)
    assert run_pass(newsroom).ok  # the next pass takes it from where it stopped
    assert _stages(newsroom, good) == ["published"]


def test_a_title_only_entry_whose_page_keeps_failing_becomes_a_brief_on_its_last_try(
    server: HostileServer, newsroom: Newsroom
) -> None:
    server.routes["/down"] = lambda h: h.send(503, b"busy")
    url = _serve(
        server,
        "/down.xml",
        rss(f"<item><title>Storm closes the port</title><link>{server.url('/down')}</link></item>"),
        "application/rss+xml",
    )
    add_source(newsroom, url, language="en", allow_private=True, kind="feed")
    reports = [run_pass(newsroom, force=True) for _ in range(MAX_ATTEMPTS + 1)]
    # Failures of the tries that may still succeed count in their pass; then it is done.
    assert [r.ok for r in reports] == [False] * (MAX_ATTEMPTS - 1) + [True, True]
    with newsroom.sessions() as session:
        article = session.scalar(select(ArticleRow))
        assert article is not None and (article.stage, article.extractor) == ("published", "brief")
        assert "HTTP 503" in (article.error or "")  # why it is only a brief
    assert list_dead_letters(newsroom) == []


@contextmanager
def _connection_ended_before(newsroom: Newsroom, statement: str) -> Iterator[list[str]]:
    """End the site's own PostgreSQL connection, from another one, just before it
    runs the first statement that starts with `statement`: a real outage, at a
    known point. Yields the statements it ended connections before."""
    admin = create_engine(normalise_url(PG_URL))
    ended: list[str] = []

    def end_it(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        if not ended and sql.lstrip().upper().startswith(statement):
            ended.append(sql)
            with admin.begin() as other:
                other.execute(
                    text("SELECT pg_terminate_backend(:pid)"),
                    {"pid": cursor.connection.info.backend_pid},
                )

    event.listen(newsroom.db, "before_cursor_execute", end_it)
    try:
        yield ended
    finally:
        event.remove(newsroom.db, "before_cursor_execute", end_it)
        admin.dispose()


def test_a_database_failure_is_recognised_and_a_refused_row_is_not(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(IntegrityError) as refused, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert not is_database_failure(refused.value)
    read_only = create_engine(f"sqlite:///file:{tmp_path / 'db.sqlite3'}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as failed, read_only.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
    assert is_database_failure(failed.value)
    with pytest.raises(OperationalError) as mistaken, engine.begin() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_database_failure(mistaken.value)  # a bug to record, not an outage
    assert not is_database_failure(ValueError("a hostile page"))
    engine.dispose()
    read_only.dispose()


@pytest.mark.postgresql
def test_a_connection_ended_while_storing_a_feed_is_not_the_sources_failure(
    server: HostileServer, tmp_path: Path
) -> None:
    if not PG_URL:
        pytest.skip("BABELWIRE_TEST_DATABASE_URL is not set")
    with scratch_schema(PG_URL) as url:
        create_site(tmp_path / "site", languages=["en", "es"], database_url=url)
        with Newsroom.open(tmp_path / "site") as newsroom:
            good = _good_source(server, newsroom)
            with (
                _connection_ended_before(newsroom, "INSERT INTO ENTRIES") as ended,
                pytest.raises(OperationalError),
            ):
                refresh_sources(newsroom, [good])
            assert ended
            source = _source(newsroom, good)
            # Not counted against the source, and it is still due: the next pass stores it.
            assert source.consecutive_failures == 0 and source.last_status != "error"
            assert refresh_sources(newsroom, [good])[0].new == 1
            with _connection_ended_before(newsroom, "UPDATE ARTICLES") as ended:
                with pytest.raises(OperationalError):
                    run_stage_isolated(newsroom, Step.EXTRACT, pending(newsroom))
                assert ended
            with newsroom.sessions() as session:
                attempts = list(session.scalars(select(ArticleRow.attempts)))
            assert attempts == [0]  # no attempt counted for an outage
            run_stage_isolated(newsroom, Step.EXTRACT, pending(newsroom))
            assert _stages(newsroom, good) == ["extracted"]


def pending(newsroom: Newsroom) -> list[int]:
    return pending_article_ids(newsroom, Stage.DISCOVERED)
