"""A real `babelwire serve` process on loopback, for the tests that need the server itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    root: Path, port: int, *options: str, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """`babelwire serve --site root --port port *options` until the block ends; yields its
    base URL once it answers (the test fails with the server's output if it never does)."""
    command = [sys.executable, "-m", "babelwire.cli.main", "serve", "--site", str(root)]
    process = subprocess.Popen(
        [*command, "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a busy machine starting the server's workers takes a while.
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                # A server still running would keep its output open: end it first.
                process.terminate()
                try:
                    output, _ = process.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    output, _ = process.communicate()
                pytest.fail(f"babelwire serve did not start: {(output or b'').decode()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
