"""Managing sources through the use cases a web admin and the command line share: a
preview before saving, editing with the checks of `source add`, pausing, and an OPML
round trip that keeps every setting."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import astuple
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.demo.server import DemoServer
from babelwire.jobs.opml import export_opml, import_opml
from babelwire.jobs.refresh import due_source_ids, refresh_sources
from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import (
    SourceError,
    SourceInfo,
    add_source,
    get_source,
    list_sources,
    pause_source,
    preview_source,
    resume_source,
    update_source,
)
from babelwire.newsroom import Newsroom

runner = CliRunner()


def _open(root: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None) -> Newsroom:
    """A new site whose sources, unless allowed one by one, stay off private networks
    (on the database given, else on a SQLite file of its own)."""
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "false")
    create_site(
        root, languages=["en", "es"], database_url=database_url or "sqlite:///babelwire.sqlite3"
    )
    return Newsroom.open(root)


@pytest.fixture
def newsroom(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Newsroom]:
    with _open(tmp_path / "site", monkeypatch, database_url) as room:
        yield room


def _settings(info: SourceInfo) -> tuple[object, ...]:
    """Everything the operator says of a source (not what polling found)."""
    return (
        info.url,
        info.name,
        info.kind,
        info.language,
        info.section,
        info.preferred,
        info.allow_private,
        info.paused,
        info.min_interval,
        info.max_interval,
    )


def _varied_sources(newsroom: Newsroom) -> None:
    add_source(newsroom, "https://one.example/feed", name="One & <Co>", language="ca")
    add_source(
        newsroom,
        "https://two.example/sitemap.xml",
        name="Two",
        kind="sitemap",
        section="politics",
        preferred=True,
    )
    add_source(newsroom, "http://10.0.0.7/news", name="Intranet", kind="page", allow_private=True)
    add_source(newsroom, "https://four.example/feed.json", allow_private=True)
    update_source(newsroom, "https://one.example/feed", min_interval=10, max_interval=90)
    update_source(newsroom, "https://two.example/sitemap.xml", max_interval=600, paused=True)


def test_opml_round_trip_keeps_every_setting(
    newsroom: Newsroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied_sources(newsroom)
    text = export_opml(newsroom)
    assert 'xmlns:babelwire="https://babelwire.org/opml"' in text
    assert 'type="rss"' in text and 'xmlUrl="https://one.example/feed"' in text
    with _open(tmp_path / "other", monkeypatch) as other:
        done = import_opml(other, text.encode("utf-8"), allow_private=True)
        assert (done.added, done.updated, done.skipped, done.notes) == (4, 0, [], [])
        copied = [_settings(s) for s in list_sources(other)]
        assert copied == [_settings(s) for s in list_sources(newsroom)]
        assert export_opml(other) == text
        # Read again, as text this time, it changes nothing.
        again = import_opml(other, text, allow_private=True)
        assert (again.added, again.updated) == (0, 4)
        assert [_settings(s) for s in list_sources(other)] == copied


def test_an_opml_file_never_grants_a_private_network_by_itself(
    newsroom: Newsroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied_sources(newsroom)
    path = tmp_path / "sources.opml"
    path.write_text(export_opml(newsroom), encoding="utf-8")
    with _open(tmp_path / "other", monkeypatch) as other:
        done = import_opml(other, path)
        assert done.added == 3
        assert len(done.skipped) == 1 and "private network" in done.skipped[0]
        assert "allow-private" in done.skipped[0] or "allow" in done.skipped[0]
        assert len(done.notes) == 1 and "allowance is not given" in done.notes[0]
        assert not any(s.allow_private for s in list_sources(other))
        assert "http://10.0.0.7/news" not in {s.url for s in list_sources(other)}


def test_an_opml_import_notes_what_this_site_cannot_take(newsroom: Newsroom) -> None:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<opml version="2.0" xmlns:babelwire="https://babelwire.org/opml"><body>'
        b'<outline text="A" xmlUrl="https://a.example/feed" babelwire:section="nowhere"'
        b' babelwire:min-interval="500" babelwire:max-interval="20" babelwire:kind="ftp"'
        b' babelwire:paused="true"/>'
        b"</body></opml>"
    )
    done = import_opml(newsroom, document)
    assert done.added == 1
    assert "no section 'nowhere'" in done.notes[0]
    assert "above the maximum" in done.notes[1]
    (source,) = list_sources(newsroom)
    assert (source.section, source.min_interval, source.max_interval) == (None, None, None)
    assert (source.kind, source.paused, source.status) == ("feed", True, "paused")


def test_an_uploaded_opml_document_is_read_as_warily_as_a_file(newsroom: Newsroom) -> None:
    entity = (
        '<!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml><body>'
        '<outline text="&e;" xmlUrl="https://a.example/&e;"/></body></opml>'
    )
    for document in (b"", b"<opml><body>", "\ufeff<opml>", b"\xff\xfe<", entity):
        with pytest.raises(SourceError, match="the OPML document: not a readable OPML file"):
            import_opml(newsroom, document)
    assert list_sources(newsroom) == []


def test_preview_says_what_the_url_is_and_saves_nothing(
    newsroom: Newsroom, demo_server: DemoServer
) -> None:
    outlet = next(iter(demo_server.outlets.values()))
    url = demo_server.feed_url(outlet.slug)
    preview = preview_source(newsroom, url, allow_private=True)
    assert preview.ok and preview.error == ""
    assert (preview.kind, preview.follow_url, preview.private) == ("feed", url, True)
    assert preview.entries == len(outlet.articles) and preview.entries > 0
    assert set(preview.entry_titles) <= {article.title for article in outlet.articles}
    assert 0 < len(preview.entry_titles) <= 5
    assert preview.language == outlet.language
    assert preview.found.startswith(f"a feed with {preview.entries} entries")
    assert list_sources(newsroom) == []


def test_preview_errors_are_messages(newsroom: Newsroom, demo_server: DemoServer) -> None:
    url = demo_server.feed_url(next(iter(demo_server.outlets)))
    refused = preview_source(newsroom, url)
    assert not refused.ok and refused.private and "--allow-private" in refused.error
    missing = preview_source(newsroom, url + "-missing", allow_private=True)
    assert "404" in missing.error and not missing.unreachable
    invalid = preview_source(newsroom, "ftp://example.com/feed")
    assert invalid.error and invalid.url == "ftp://example.com/feed" and not invalid.private
    assert list_sources(newsroom) == []


def test_edit_checks_what_add_checks_and_changes_nothing_on_error(newsroom: Newsroom) -> None:
    source = add_source(newsroom, "https://one.example/feed", name="One", language="en")
    for changes, message in (
        ({"section": "nowhere"}, "unknown section"),
        ({"language": "english!"}, "ISO 639-1"),
        ({"name": "  "}, "cannot be empty"),
        ({"min_interval": -5}, "minutes from 1"),
        ({"max_interval": 10**6}, "minutes from 1"),
        ({"min_interval": 60, "max_interval": 30}, "above the maximum 30"),
        ({"min_interval": 5000}, "fetch.max_interval_minutes"),
        ({"name": "Other", "min_interval": 60, "max_interval": 30}, "above the maximum"),
    ):
        with pytest.raises(SourceError, match=message):
            update_source(newsroom, source.id, **changes)  # type: ignore[arg-type]
    assert astuple(get_source(newsroom, source.id)) == astuple(source)
    with pytest.raises(SourceError, match="no source"):
        update_source(newsroom, 999, name="x")

    edited = update_source(
        newsroom,
        str(source.id),
        name="  One   more ",
        language="es-ES",
        section="politics",
        min_interval=15,
        max_interval=45,
    )
    assert (edited.name, edited.language, edited.section) == ("One more", "es", "politics")
    assert (edited.min_interval, edited.max_interval, edited.interval_minutes) == (15, 45, 30)
    cleared = update_source(newsroom, source.url, language="", section="", min_interval=0)
    assert (cleared.language, cleared.section, cleared.min_interval) == (None, None, None)
    assert cleared.max_interval == 45


def test_a_paused_source_is_not_polled_until_resumed(
    tmp_path: Path, database_url: str, demo_server: DemoServer
) -> None:
    create_site(tmp_path / "site", languages=["en", "es"], database_url=database_url)
    with Newsroom.open(tmp_path / "site") as newsroom:
        first, second = list(demo_server.outlets.values())[:2]
        kept = add_source(newsroom, demo_server.feed_url(first.slug), allow_private=True)
        paused = add_source(newsroom, demo_server.feed_url(second.slug), allow_private=True)
        info = pause_source(newsroom, paused.id)
        assert (info.paused, info.status, info.next_poll_at, info.next_poll_reason) == (
            True,
            "paused",
            None,
            "paused",
        )
        assert due_source_ids(newsroom) == [kept.id]
        assert [s.source_id for s in run_pass(newsroom).sources] == [kept.id]
        assert [s.source_id for s in run_pass(newsroom, force=True).sources] == [kept.id]
        polled = [path for path, _agent in demo_server.requests]
        assert second.feed_path not in polled and first.feed_path in polled

        resumed = resume_source(newsroom, paused.id)
        assert (resumed.paused, resumed.status, resumed.next_poll_reason) == (
            False,
            "never",
            "never polled",
        )
        assert due_source_ids(newsroom) == [paused.id]
        healthy = get_source(newsroom, kept.id)
        assert healthy.status == healthy.last_status and healthy.consecutive_failures == 0
        assert healthy.next_poll_at == healthy.next_fetch_at is not None
        assert healthy.next_poll_reason == healthy.poll_reason != ""


def test_a_source_s_own_bounds_hold_its_polling_interval(
    tmp_path: Path, database_url: str, demo_server: DemoServer
) -> None:
    create_site(tmp_path / "site", languages=["en", "es"], database_url=database_url)
    with Newsroom.open(tmp_path / "site") as newsroom:
        outlet = next(iter(demo_server.outlets.values()))
        source = add_source(newsroom, demo_server.feed_url(outlet.slug), allow_private=True)
        update_source(newsroom, source.id, min_interval=100, max_interval=120)
        (report,) = refresh_sources(newsroom, [source.id])
        assert report.error is None
        polled = get_source(newsroom, source.id)
        assert 100 <= polled.interval_minutes <= 120
        assert polled.last_fetched_at is not None and polled.next_fetch_at is not None
        gap = polled.next_fetch_at - polled.last_fetched_at
        assert gap == timedelta(minutes=polled.interval_minutes)
        # Narrowing the bounds brings the interval and the next poll within them.
        narrowed = update_source(newsroom, source.id, min_interval=7, max_interval=8)
        assert narrowed.interval_minutes == 8
        assert narrowed.next_fetch_at == polled.last_fetched_at + timedelta(minutes=8)


def test_the_command_line_edits_pauses_and_resumes(tmp_path: Path, demo_server: DemoServer) -> None:
    site = str(tmp_path / "site")
    assert runner.invoke(app, ["init", site]).exit_code == 0
    url = demo_server.feed_url(next(iter(demo_server.outlets)))
    added = runner.invoke(app, ["source", "add", url, "--allow-private", "--site", site])
    assert added.exit_code == 0 and "Found a feed with" in added.output
    result = runner.invoke(
        app,
        ["source", "edit", "1", "--name", "Renamed", "--max-interval", "60", "--site", site],
    )
    assert result.exit_code == 0, result.output
    assert "Renamed" in result.output
    bad = runner.invoke(app, ["source", "edit", "1", "--section", "nowhere", "--site", site])
    assert bad.exit_code == 2 and "unknown section 'nowhere'" in bad.output
    bad = runner.invoke(app, ["source", "edit", "1", "--min-interval", "90", "--site", site])
    assert bad.exit_code == 2 and "above the maximum 60" in bad.output
    paused = runner.invoke(app, ["source", "pause", url, "--site", site])
    assert paused.exit_code == 0 and "is paused" in paused.output
    assert "paused" in runner.invoke(app, ["source", "list", "--site", site]).output
    resumed = runner.invoke(app, ["source", "resume", "1", "--site", site])
    assert resumed.exit_code == 0 and "polled again" in resumed.output
    missing = runner.invoke(app, ["source", "pause", "7", "--site", site])
    assert missing.exit_code == 2 and "no source 7" in missing.output


def test_the_command_line_imports_private_sources_only_when_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "false")
    site = str(tmp_path / "site")
    assert runner.invoke(app, ["init", site]).exit_code == 0
    path = tmp_path / "feeds.opml"
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="Intranet" xmlUrl="http://10.0.0.7/feed"/></body></opml>',
        encoding="utf-8",
    )
    refused = runner.invoke(app, ["source", "import-opml", str(path), "--site", site])
    assert refused.exit_code == 0 and "left out: line 1" in refused.output
    allowed = runner.invoke(
        app, ["source", "import-opml", str(path), "--allow-private", "--site", site]
    )
    assert allowed.exit_code == 0 and "1 new" in allowed.output
    assert "private ok" in runner.invoke(app, ["source", "list", "--site", site]).output
