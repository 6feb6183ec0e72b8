"""The LibreTranslate and OpenAI-compatible engines against stand-in servers on 127.0.0.1.

The stand-ins follow each API's documented request and response shapes
(LibreTranslate: GET /languages, POST /translate with q as a list; OpenAI: POST
/chat/completions with messages, answer in choices[0].message.content) and
"translate" by a fixed word list, so the tests check the engines' HTTP, batching
and parsing, not translation quality.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.config import Config
from babelwire.jobs.site import create_site
from babelwire.newsroom import engine_options
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engine import Engine, EngineError, UnsupportedPair
from babelwire.pipeline.translate.engines.libretranslate import LibreTranslateEngine
from babelwire.pipeline.translate.engines.openai import OpenAIEngine
from babelwire.pipeline.translate.registry import Translators

WORDS = {"hola": "hello", "mundo": "world", "gato": "cat", "casa": "house"}


def _word_translate(text: str) -> str:
    return re.sub(r"\w+", lambda m: WORDS.get(m.group(0).lower(), m.group(0)), text)


class StandIn(ThreadingHTTPServer):
    """A stand-in API server; records each request body it got."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[dict[str, Any]] = []
        self.merge_lines = False
        self.key = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", "0"))
        body: dict[str, Any] = json.loads(self.rfile.read(length))
        self.server.requests.append(body)
        return body


class LibreHandler(_Handler):
    def do_GET(self) -> None:
        if self.path == "/languages":
            self._send(
                200,
                [
                    {"code": "es", "name": "Spanish", "targets": ["en", "es"]},
                    {"code": "en", "name": "English", "targets": ["es"]},
                ],
            )
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = self._body()
        if self.server.key and body.get("api_key") != self.server.key:
            self._send(403, {"error": "Invalid API key"})
            return
        q = body["q"]
        texts = q if isinstance(q, list) else [q]
        out = [_word_translate(t) for t in texts]
        self._send(200, {"translatedText": out if isinstance(q, list) else out[0]})


class ChatHandler(_Handler):
    def do_POST(self) -> None:
        body = self._body()
        assert self.path == "/v1/chat/completions"
        user = body["messages"][-1]["content"]
        lines = [_word_translate(line) for line in user.splitlines()]
        if self.server.merge_lines and len(lines) > 1:
            lines = [" ".join(lines)]  # a model that ignores the format
        content = "\n".join(lines)
        self._send(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            },
        )


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[StandIn]:
    server = StandIn(handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def libre() -> Iterator[StandIn]:
    yield from _serve(LibreHandler)


@pytest.fixture
def chat() -> Iterator[StandIn]:
    yield from _serve(ChatHandler)


def test_libretranslate_pairs_batches_and_key(libre: StandIn) -> None:
    libre.key = "secret"
    engine = LibreTranslateEngine(libre.url, api_key="secret", batch_size=2)
    assert isinstance(engine, Engine)
    assert engine.pairs() == {("es", "en"), ("en", "es")}
    out = engine.translate_batch(["Hola mundo.", "", "El gato.", "Casa"], "es", "en")
    assert out == ["hello world.", "", "El cat.", "house"]
    assert [len(r["q"]) for r in libre.requests] == [2, 1]
    assert all(r["api_key"] == "secret" and r["format"] == "text" for r in libre.requests)
    with pytest.raises(UnsupportedPair):
        engine.translate_batch(["x"], "es", "fr")
    wrong = LibreTranslateEngine(libre.url, api_key="nope")
    with pytest.raises(EngineError, match="403"):
        wrong.translate_batch(["Hola"], "es", "en")
    engine.close()
    wrong.close()


def test_libretranslate_unreachable_is_an_engine_error() -> None:
    engine = LibreTranslateEngine("http://127.0.0.1:9", timeout=2)
    with pytest.raises(EngineError, match="libretranslate"):
        engine.pairs()
    engine.close()


def test_openai_numbered_lines_and_fallback(chat: StandIn) -> None:
    engine = OpenAIEngine(chat.url + "/v1", model="tiny", languages=["es", "en"])
    assert engine.pairs() == {("es", "en"), ("en", "es")} and engine.version() == "tiny"
    out = engine.translate_batch(["Hola mundo.", "", "El gato\nen casa."], "es", "en")
    assert out == ["hello world.", "", "El cat en house."]
    (request,) = chat.requests
    assert request["model"] == "tiny" and request["temperature"] == 0
    system = request["messages"][0]["content"]
    assert "numbers" in system and "Spanish" in system and "English" in system
    chat.requests.clear()
    chat.merge_lines = True
    assert engine.translate_batch(["Hola.", "Mundo."], "es", "en") == ["hello.", "world."]
    assert len(chat.requests) == 3  # the batch, then each line alone
    engine.close()


def test_http_engines_in_the_full_path(libre: StandIn) -> None:
    engine = LibreTranslateEngine(libre.url)
    (result,) = translate_texts(
        engine, [SourceText("Hola mundo. Mira https://a.example/gato.", [])], "es", "en"
    )
    # nothing is masked for this engine: the URL it damaged is caught by the checks (and
    # the headline is put in the target language's sentence case)
    assert result.article.title == "Hello world. Mira https://a.example/cat."
    assert "placeholders-lost" in result.verdict.flags
    engine.close()


class NoFormatHandler(_Handler):
    """A server that answers, but not in the asked one-numbered-line-per-line format."""

    def do_POST(self) -> None:
        self._body()
        message = {"role": "assistant", "content": "Sure! Here is the translation."}
        self._send(200, {"choices": [{"index": 0, "message": message}]})


def test_add_model_registers_a_local_openai_compatible_server(
    chat: StandIn, tmp_path: Path
) -> None:
    """The stand-in plays llama.cpp's server (or vLLM, Ollama): checked, then preferred."""
    create_site(tmp_path / "site", languages=("en", "gl"))
    toml = tmp_path / "site" / "babelwire.toml"
    site = ["-s", str(tmp_path / "site")]
    runner = CliRunner()
    add = ["engines", "add-model", "--url", chat.url + "/v1", "--model", "tiny"]
    done = runner.invoke(app, [*add, "--from", "es", "--to", "en", *site])
    assert done.exit_code == 0, done.output
    assert "Preferred for es>en" in done.output and "test sentence as: El gobierno" in done.output
    (request,) = chat.requests  # the check was a real translation request
    assert "El gobierno aprueba el presupuesto." in request["messages"][-1]["content"]
    config = Config.load(tmp_path / "site")
    translation = config.settings.translation
    assert translation.engines == ["apertium", "openai"]
    assert translation.prefer == ["es>en=openai"]
    assert translation.openai.url == chat.url + "/v1" and translation.openai.model == "tiny"
    assert translation.openai.languages == ["es", "en"]
    translators = Translators(translation.engines, options=engine_options(config))
    assert [r.engine_name for r in translators.routes("es", "en")] == ["openai", "apertium"]
    (result,) = translate_texts(translators.routes("es", "en")[0], [SourceText("Hola mundo.", [])])
    assert result.article.title == "Hello world." and result.article.engine == "openai"
    translators.close()
    # a second pair on the same server adds its languages and its preference
    done = runner.invoke(app, [*add, "--from", "gl", "--to", "en", *site])
    assert done.exit_code == 0, done.output
    translation = Config.load(tmp_path / "site").settings.translation
    assert translation.prefer == ["es>en=openai", "gl>en=openai"]
    assert translation.openai.languages == ["es", "en", "gl"]
    before = toml.read_text(encoding="utf-8")
    # another server while one is configured, or one that does not answer, is refused
    other = runner.invoke(
        app,
        [
            "engines",
            "add-model",
            "--url",
            "http://127.0.0.1:9/v1",
            "--model",
            "x",
            "--from",
            "es",
            "--to",
            "gl",
            *site,
        ],
    )
    assert other.exit_code == 2 and "already" in other.output
    assert toml.read_text(encoding="utf-8") == before


@pytest.fixture
def no_format() -> Iterator[StandIn]:
    yield from _serve(NoFormatHandler)


def test_add_model_refuses_a_server_that_does_not_translate(
    tmp_path: Path, no_format: StandIn
) -> None:
    create_site(tmp_path / "site", languages=("en", "es"))
    toml = tmp_path / "site" / "babelwire.toml"
    before = toml.read_text(encoding="utf-8")
    runner = CliRunner()
    for url in ("http://127.0.0.1:9/v1", no_format.url + "/v1"):
        done = runner.invoke(
            app,
            [
                "engines",
                "add-model",
                "--url",
                url,
                "--model",
                "m",
                "--from",
                "es",
                "--to",
                "en",
                "-s",
                str(tmp_path / "site"),
            ],
        )
        assert done.exit_code == 2, done.output
        assert "did not translate es->en" in done.output
    assert toml.read_text(encoding="utf-8") == before
    assert not (tmp_path / "site" / "babelwire.toml.bak").exists()
