"""A source's URL is checked before it is stored; what sources and servers say is printed
as it is, never read as console markup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.pipeline.discover.urls import (
    MAX_URL_CHARS,
    InvalidSourceURL,
    private_host_reason,
    validate_source_url,
)
from tests.hostile_server import Handler, HostileServer

runner = CliRunner()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://a b/", "SPACE"),
        ("http://example.com/" + "a" * 100_000, "longer than"),
        ("http://example.com/\nfeed", "'\\n'"),
        ("http://example.com/\u202efeed", "RIGHT-TO-LEFT OVERRIDE"),
        ("http://example.com:99999/", "Port out of range"),
        ("http://example.com:0/", "port 0"),
        ("http://xn--/", "not a valid host name"),
        ("http://-bad-.example/", "not a valid host name"),
        ("http://a..b/", "not a valid host name"),
        ("http://" + "a" * 64 + ".example/", "not a valid host name"),
        ("http://0177.0.0.1/", "unusual notation"),
        ("http://0x7f.0.0.1/", "unusual notation"),
        ("http://2130706433/", "unusual notation"),
        ("http://127.1/", "unusual notation"),
        ("http://[", "not a valid URL"),
        ("http://[v1.fe]/", "IPv6"),
        ("ftp://example.com/feed", "http(s)"),
        ("example.com/feed", "http(s)"),
        ("http:///feed", "no host"),
        ("http://user:secret@example.com/feed", "password"),
        ("http://example.com:/feed", "colon"),
    ],
)
def test_invalid_source_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidSourceURL) as caught:
        validate_source_url(url)
    message = str(caught.value)
    assert reason in message
    assert len(message) < 400  # a 100 KB URL is not echoed whole


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("  https://news.example/rss  ", "https://news.example/rss"),
        ("HTTPS://News.Example:8443/a?b=1#c", "https://news.example:8443/a?b=1#c"),
        ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
        ("https://xn--bcher-kva.example/feed", "https://xn--bcher-kva.example/feed"),
        ("http://localhost./feed", "http://localhost/feed"),
        ("http://[FD00:EC2:0::254]/feed", "http://[fd00:ec2::254]/feed"),
        ("http://192.0.2.1:8080/", "http://192.0.2.1:8080/"),
        ("https://news.example/ñoño?q=é", "https://news.example/ñoño?q=é"),
    ],
)
def test_valid_source_urls_come_back_normalised(url: str, normal: str) -> None:
    assert validate_source_url(url) == normal


def test_the_longest_url_accepted() -> None:
    base = "https://news.example/"
    longest = base + "a" * (MAX_URL_CHARS - len(base))
    assert validate_source_url(longest) == longest
    with pytest.raises(InvalidSourceURL):
        validate_source_url(longest + "a")


@pytest.mark.parametrize(
    ("url", "private"),
    [
        ("http://localhost/", True),
        ("http://www.localhost/", True),
        ("http://127.0.0.1/", True),
        ("http://10.1.2.3/", True),
        ("http://169.254.169.254/", True),
        ("http://[::1]/", True),
        ("http://[fd00:ec2::254]/", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://0.0.0.0/", True),
        ("http://93.184.215.14/", False),
        ("http://news.example/", False),
    ],
)
def test_private_hosts_are_recognised_from_the_url(url: str, private: bool) -> None:
    assert bool(private_host_reason(url)) is private


@pytest.fixture
def site(tmp_path: Path) -> str:
    root = str(tmp_path / "site")
    assert runner.invoke(app, ["init", root]).exit_code == 0
    return root


@pytest.mark.parametrize(
    "url",
    [
        "http://[",
        "http://a b/",
        "http://news.example/\nfeed",
        "http://news.example:99999/",
        "http://xn--/",
        "http://0177.0.0.1/feed",
        "http://news.example/" + "x" * 100_000,
    ],
)
def test_source_add_refuses_invalid_urls_in_one_line(site: str, url: str) -> None:
    # --kind skips detection, and an unreachable URL is followed as it is: neither
    # may let an invalid URL in.
    for extra in ([], ["--kind", "feed"]):
        result = runner.invoke(app, ["source", "add", url, "--site", site, *extra])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "http" not in runner.invoke(app, ["source", "list", "--site", site]).output


def test_private_hosts_need_allow_private(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", raising=False)
    for url in ("http://localhost./feed", "http://[fd00:ec2::254]/feed"):
        result = runner.invoke(app, ["source", "add", url, "--kind", "feed", "--site", site])
        assert result.exit_code == 2 and "--allow-private" in result.output, result.output
    allowed = ["http://[fd00:ec2::254]/feed", "--kind", "feed", "--allow-private"]
    named = ["--name", "Lab http://[fd00:ec2::254]/"]
    result = runner.invoke(app, ["source", "add", *allowed, *named, "--site", site])
    assert result.exit_code == 0, result.output
    assert "<http://[fd00:ec2::254]/feed>" in result.output
    listing = runner.invoke(app, ["source", "list", "--site", site])
    assert "Lab http://[fd00:ec2::254]/" in listing.output, listing.output
    assert "(private ok)" in listing.output


EVIL_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel>
<title>Evil [/] [bold red]News[/bold red] [link=http://x]</title></channel></rss>"""


@pytest.fixture
def evil_server() -> Iterator[HostileServer]:
    def feed(handler: Handler) -> None:
        handler.send(200, EVIL_FEED, {"Content-Type": "application/rss+xml"})

    with HostileServer() as server:
        server.routes["/rss.xml"] = feed
        yield server


def _broken(handler: Handler) -> None:
    handler.send_response(500, "[/] [red]Oops")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def test_markup_from_a_feed_and_a_server_is_printed_as_it_is(
    site: str, evil_server: HostileServer
) -> None:
    added = runner.invoke(app, ["source", "add", evil_server.url("/rss.xml"), "--site", site])
    assert added.exit_code == 0, added.output
    assert "Evil [/] [bold red]News[/bold red]" in added.output
    listing = runner.invoke(app, ["source", "list", "--site", site])
    assert listing.exit_code == 0, listing.output
    assert "Evil [/]" in listing.output

    evil_server.routes["/rss.xml"] = _broken
    passed = runner.invoke(app, ["run", "--once", "--force", "--site", site])
    assert passed.exit_code == 1, passed.output  # the source failed, nothing crashed
    assert passed.exception is None or isinstance(passed.exception, SystemExit)
    assert "Evil [/]" in passed.output and "HTTP 500 [/] [red]Oops" in passed.output
    listing = runner.invoke(app, ["source", "list", "--site", site])
    assert "[/] [red]Oops" in listing.output

    refused = runner.invoke(
        app, ["source", "add", evil_server.url("/rss.xml"), "--name", "x", "--site", site]
    )
    assert "HTTP 500 [/] [red]Oops" in refused.output, refused.output


def test_a_long_name_is_cut_and_a_bad_language_refused(site: str) -> None:
    url = ["https://news.example/rss", "--kind", "feed", "--site", site]
    bad = runner.invoke(app, ["source", "add", *url, "--lang", "english"])
    assert bad.exit_code == 2 and "ISO 639-1" in bad.output, bad.output
    named = runner.invoke(app, ["source", "add", *url, "--name", "N" * 10_000, "--lang", "es-ES"])
    assert named.exit_code == 0, named.output
    said = named.output.replace("\n", "")  # the console wraps long lines
    assert "N" * 300 in said and "N" * 301 not in said
