"""A LibreTranslate server, through its HTTP API.

``GET /languages`` lists the languages and each one's targets; ``POST /translate``
takes ``q`` (a list of texts), ``source``, ``target``, ``format`` and an optional
``api_key`` and answers ``{"translatedText": [...]}`` in the same order.
Segments go in requests of at most ``batch_size`` texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babelwire.pipeline.translate.engine import EngineError, UnsupportedPair
from babelwire.setting import setting

if TYPE_CHECKING:
    import httpx

__all__ = ["LibreTranslateEngine", "LibreTranslateOptions"]


@dataclass(frozen=True, slots=True)
class LibreTranslateOptions:
    """The engine's settings, translation.libretranslate_* in babelwire.toml."""

    url: str = setting("", "LibreTranslate server, e.g. http://host:5000.")
    key: str = setting("", "LibreTranslate API key, if it needs one.")


class LibreTranslateEngine:
    name = "libretranslate"
    # Private-use characters come back from its models as they went in only by
    # chance, so nothing is masked; protected spans are checked after.
    native_protection: frozenset[str] = frozenset()

    def __init__(
        self, url: str, *, api_key: str = "", timeout: float = 60.0, batch_size: int = 50
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.batch_size = max(1, batch_size)
        import httpx  # only when the engine is used: the settings read this module

        self._client: httpx.Client = httpx.Client(timeout=timeout)
        self._pairs: set[tuple[str, str]] | None = None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._client.request(method, self.url + path, **kwargs)
        except httpx.HTTPError as exc:
            raise EngineError(f"libretranslate {self.url}{path}: {exc}") from exc
        if response.status_code != 200:
            detail = response.text[:300]
            raise EngineError(f"libretranslate {path}: HTTP {response.status_code}: {detail}")
        try:
            return response.json()
        except ValueError as exc:
            raise EngineError(f"libretranslate {path}: the answer is not JSON") from exc

    def version(self) -> str:
        return "api"

    def pairs(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            languages = self._request("GET", "/languages")
            if not isinstance(languages, list):
                raise EngineError("libretranslate /languages: expected a list")
            found: set[tuple[str, str]] = set()
            for item in languages:
                if isinstance(item, dict) and isinstance(item.get("code"), str):
                    for target in item.get("targets") or []:
                        if isinstance(target, str) and target != item["code"]:
                            found.add((item["code"], target))
            self._pairs = found
        return set(self._pairs)

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        if (source, target) not in self.pairs():
            raise UnsupportedPair(
                f"libretranslate at {self.url} cannot translate {source}->{target}"
            )
        results = [""] * len(segments)
        todo = [(i, s) for i, s in enumerate(segments) if s.strip()]
        for start in range(0, len(todo), self.batch_size):
            part = todo[start : start + self.batch_size]
            body: dict[str, Any] = {
                "q": [s for _, s in part],
                "source": source,
                "target": target,
                "format": "text",
            }
            if self.api_key:
                body["api_key"] = self.api_key
            answer = self._request("POST", "/translate", json=body)
            texts = answer.get("translatedText") if isinstance(answer, dict) else None
            if not isinstance(texts, list) or len(texts) != len(part):
                raise EngineError(
                    f"libretranslate /translate: expected {len(part)} translations, "
                    f"got {texts!r:.200}"
                )
            for (i, _), text in zip(part, texts, strict=True):
                results[i] = str(text)
        return results

    def close(self) -> None:
        self._client.close()
