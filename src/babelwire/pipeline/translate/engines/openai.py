"""Any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server, hosted APIs).

Segments are sent numbered, many per request, with an instruction to translate
each line and keep its number, its names and its figures; the answer is read
back line by line.  When a model merges or drops lines, that request's segments
are sent again one per request, so a batch never comes back out of step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babelwire.pipeline.translate.engine import EngineError, UnsupportedPair
from babelwire.setting import setting

if TYPE_CHECKING:
    import httpx

__all__ = ["OpenAIEngine", "OpenAIOptions", "build_prompt"]


@dataclass(frozen=True, slots=True)
class OpenAIOptions:
    """The engine's settings, translation.openai_* in babelwire.toml."""

    url: str = setting("", "OpenAI-compatible API base, e.g. http://host:11434/v1.")
    model: str = setting("", "Model name for the OpenAI-compatible engine.")
    key: str = setting("", "API key for the OpenAI-compatible engine, if any.")
    languages: list[str] = setting(
        ["en", "es", "ca", "fr", "de", "it", "pt"],
        "Languages the OpenAI-compatible engine is asked to translate between.",
    )


LANGUAGE_NAMES = {
    "ca": "Catalan",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "eu": "Basque",
    "fr": "French",
    "gl": "Galician",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
}
_LINE = re.compile(r"^\s*\[(\d+)\]\s?(.*)$")


def _language(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def build_prompt(segments: Sequence[str], source: str, target: str) -> list[dict[str, str]]:
    system = (
        f"You translate news from {_language(source)} into {_language(target)}. "
        "Each input line starts with a number in brackets. Answer with exactly one line "
        "per input line, starting with the same number in brackets, and nothing else. "
        "Translate faithfully; keep names of people, places and organisations, numbers, "
        "dates, URLs, e-mail addresses, @handles and #hashtags exactly as written."
    )
    user = "\n".join(f"[{i + 1}] {' '.join(s.split())}" for i, s in enumerate(segments))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class OpenAIEngine:
    name = "openai"
    native_protection: frozenset[str] = frozenset()

    def __init__(
        self,
        url: str,
        *,
        model: str,
        api_key: str = "",
        languages: Sequence[str] = (),
        timeout: float = 120.0,
        batch_size: int = 20,
    ) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.languages = [code for code in languages if code]
        self.batch_size = max(1, batch_size)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        import httpx  # only when the engine is used: the settings read this module

        self._client: httpx.Client = httpx.Client(timeout=timeout, headers=headers)

    def version(self) -> str:
        return self.model

    def pairs(self) -> set[tuple[str, str]]:
        return {(s, t) for s in self.languages for t in self.languages if s != t}

    def _complete(self, segments: Sequence[str], source: str, target: str) -> str:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": build_prompt(segments, source, target),
            "temperature": 0,
        }
        import httpx

        try:
            response = self._client.post(self.url + "/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise EngineError(f"openai {self.url}: {exc}") from exc
        if response.status_code != 200:
            raise EngineError(f"openai: HTTP {response.status_code}: {response.text[:300]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise EngineError(f"openai: unexpected answer {response.text[:300]!r}") from exc
        if not isinstance(content, str):
            raise EngineError("openai: the answer has no text")
        return content

    def _numbered(self, segments: Sequence[str], source: str, target: str) -> list[str] | None:
        lines: dict[int, str] = {}
        for line in self._complete(segments, source, target).splitlines():
            m = _LINE.match(line)
            if m:
                lines[int(m.group(1))] = m.group(2).strip()
        if sorted(lines) != list(range(1, len(segments) + 1)):
            return None
        return [lines[i + 1] for i in range(len(segments))]

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        if (source, target) not in self.pairs():
            raise UnsupportedPair(f"openai engine is not set up for {source}->{target}")
        results = [""] * len(segments)
        todo = [(i, s) for i, s in enumerate(segments) if s.strip()]
        for start in range(0, len(todo), self.batch_size):
            part = todo[start : start + self.batch_size]
            texts = self._numbered([s for _, s in part], source, target)
            if texts is None:
                texts = []
                for _, segment in part:
                    single = self._numbered([segment], source, target)
                    if single is None:
                        raise EngineError("openai: the model did not answer in the asked format")
                    texts.extend(single)
            for (i, _), text in zip(part, texts, strict=True):
                results[i] = text
        return results

    def close(self) -> None:
        self._client.close()
