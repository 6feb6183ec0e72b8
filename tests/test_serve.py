"""`babelwire serve` under hostile clients: a real server process on loopback, with the
limits of the [serve] settings (docs/deployment.md)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from babelwire.jobs.site import create_site
from tests.serving import free_port, serving

HALF_SENT = b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
LIMIT = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("serve") / "site"
    create_site(root, title="Test Wire", languages=["en"])
    env = {
        "BABELWIRE_SERVE_LIMIT_CONCURRENCY": str(LIMIT),
        "BABELWIRE_SERVE_MAX_INCOMPLETE_BYTES": "4096",
    }
    with serving(root, free_port(), env=env) as base:
        yield base


def _status(base: str, path: str = "/en/") -> int:
    return httpx.get(base + path, timeout=10).status_code


def test_half_sent_requests_cannot_hold_the_server(server: str) -> None:
    """Clients that never finish their headers hold at most serve.limit_concurrency
    connections: past it the server answers 503 at once instead of piling them up, and it
    serves again as soon as they go."""
    host, port = server.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(LIMIT):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(HALF_SENT)
            held.append(sock)
        # The server has taken them all once one more request gets its answer.
        deadline = time.monotonic() + 20
        status = _status(server)
        while status != 503 and time.monotonic() < deadline:
            time.sleep(0.1)
            status = _status(server)
        assert status == 503
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 20
    status = _status(server)
    while status != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
        status = _status(server)
    assert status == 200


def test_endless_headers_are_cut_off(server: str) -> None:
    """A client sending more than serve.max_incomplete_bytes of headers without ending
    them is answered 400 and cut off, not buffered for ever."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(HALF_SENT + b"a" * 8000)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert _status(server) == 200


def test_a_forged_host_is_not_reflected_in_redirects(server: str) -> None:
    response = httpx.get(
        server + "/en/about", headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 307
    assert response.headers["location"] == "/en/about/"
    assert "evil.example" not in response.text


def test_serve_refuses_a_limit_below_one(tmp_path: Path) -> None:
    root = tmp_path / "site"
    create_site(root, title="Test Wire", languages=["en"])
    env = {**os.environ, "BABELWIRE_SERVE_LIMIT_CONCURRENCY": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "babelwire.cli.main", "serve", "--site", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "serve.limit_concurrency" in done.stderr
