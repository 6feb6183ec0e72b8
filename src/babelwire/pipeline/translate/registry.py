"""Choosing how to translate a language pair, in the operator's order of preference.

Every engine that translates the pair directly gives a route, in preference
order (the engine `translation.prefer` names for the pair first); the first is
used and the others are what the quality gate retries with.  When no engine
translates the pair directly, or only the preferred one does, routes go through
a pivot language that one engine translates from the source and one (maybe
another) translates into the target, e.g. ``ca > es > en``: the pivots whose
route was measured (route_quality.toml) first, best chrF first, then the others
in the order of PREFERRED_PIVOTS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babelwire.pipeline.translate.article import Hop, Route
from babelwire.pipeline.translate.engine import Engine, EngineError
from babelwire.pipeline.translate.engines.apertium import ApertiumOptions
from babelwire.pipeline.translate.engines.ctranslate2 import CTranslate2Options
from babelwire.pipeline.translate.engines.libretranslate import LibreTranslateOptions
from babelwire.pipeline.translate.engines.openai import OpenAIOptions
from babelwire.pipeline.translate.route_quality import Measure, measured

# Pivots tried first when no route through them was measured: the languages engines cover best.
PREFERRED_PIVOTS = ("en", "es", "fr", "de", "pt", "it")


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """What a factory may need: the per-call timeout, the site's folder (None: no site, so no
    model folder) and each engine's own options."""

    timeout: float = 120.0
    root: Path | None = None
    apertium: ApertiumOptions = field(default_factory=ApertiumOptions)
    ctranslate2: CTranslate2Options = field(default_factory=CTranslate2Options)
    libretranslate: LibreTranslateOptions = field(default_factory=LibreTranslateOptions)
    openai: OpenAIOptions = field(default_factory=OpenAIOptions)
    # (source, target) -> the engine tried first for that pair (translation.prefer)
    prefer: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def models_dir(self) -> Path | None:
        if self.root is None:
            return None
        folder = Path(self.ctranslate2.models_dir)
        return folder if folder.is_absolute() else self.root / folder


def _apertium(options: EngineOptions) -> Engine:
    from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

    fresh = options.apertium.fresh_tagger
    return ApertiumEngine(timeout=options.timeout, fresh_tagger=fresh)


def _libretranslate(options: EngineOptions) -> Engine:
    from babelwire.pipeline.translate.engines.libretranslate import LibreTranslateEngine

    url = options.libretranslate.url
    if not url:
        raise EngineError("libretranslate: set translation.libretranslate_url")
    key = options.libretranslate.key
    return LibreTranslateEngine(url, api_key=key, timeout=options.timeout)


def _openai(options: EngineOptions) -> Engine:
    from babelwire.pipeline.translate.engines.openai import OpenAIEngine

    url, model = options.openai.url, options.openai.model
    if not url or not model:
        raise EngineError("openai: set translation.openai_url and translation.openai_model")
    return OpenAIEngine(
        url,
        model=model,
        api_key=options.openai.key,
        languages=list(options.openai.languages),
        timeout=options.timeout,
    )


def _ctranslate2(options: EngineOptions) -> Engine:
    from babelwire.pipeline.translate.engines.ctranslate2 import CTranslate2Engine, scan_models

    folder = options.models_dir()
    return CTranslate2Engine(
        scan_models(folder, "ctranslate2"),
        beam_size=options.ctranslate2.beam_size,
        models_dir=folder,
    )


def _argos(options: EngineOptions) -> Engine:
    from babelwire.pipeline.translate.engines.argos import ArgosEngine
    from babelwire.pipeline.translate.engines.ctranslate2 import scan_models

    folder = options.models_dir()
    return ArgosEngine(
        scan_models(folder, "argos"),
        beam_size=options.ctranslate2.beam_size,
        models_dir=folder,
    )


FACTORIES: dict[str, Callable[[EngineOptions], Engine]] = {
    "apertium": _apertium,
    "ctranslate2": _ctranslate2,
    "argos": _argos,
    "libretranslate": _libretranslate,
    "openai": _openai,
}


class Translators:
    """The engines a site uses, started lazily and closed together."""

    def __init__(
        self,
        names: Sequence[str],
        timeout: float = 120.0,
        engines: Sequence[Engine] = (),
        options: EngineOptions | None = None,
    ) -> None:
        given = {e.name: e for e in engines}
        self.options = options if options is not None else EngineOptions(timeout)
        self.prefer = dict(self.options.prefer)
        # An engine preferred for some pair is one of the site's, after those it lists.
        names = [*names, *(n for n in dict.fromkeys(self.prefer.values()) if n not in names)]
        unknown = [n for n in names if n not in FACTORIES and n not in given]
        if unknown:
            raise EngineError(f"unknown engine(s) {unknown}; known: {sorted(FACTORIES)}")
        self.names = list(names)
        self.timeout = self.options.timeout
        self._given = given
        self._engines: dict[str, Engine] = dict(given)

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            if name not in FACTORIES:
                raise EngineError(f"unknown engine {name!r}; known: {sorted(FACTORIES)}")
            self._engines[name] = FACTORIES[name](self.options)
        return self._engines[name]

    def _pairs(self, name: str) -> set[tuple[str, str]]:
        try:
            return self.engine(name).pairs()
        except EngineError:
            return set()

    def engines_for(self, source: str, target: str, names: Sequence[str] = ()) -> list[str]:
        """The engines (of ``names``, default all) that translate the pair directly, the
        preferred one first."""
        preferred = self.prefer.get((source, target))
        ordered = list(names or self.names)
        if preferred in ordered:
            ordered.remove(preferred)
            ordered.insert(0, preferred)
        return [n for n in ordered if (source, target) in self._pairs(n)]

    def for_pair(self, source: str, target: str) -> Engine | None:
        """The engine tried first for source -> target directly."""
        found = self.engines_for(source, target)
        return self.engine(found[0]) if found else None

    def routes(self, source: str, target: str, only: str | None = None) -> list[Route]:
        """Every way to translate source -> target, best first (``only``: that engine)."""
        names = [only] if only else self.names
        if only and only not in self.names:
            self.engine(only)  # an engine named on the command line, not in the settings
        found = self.engines_for(source, target, names)
        direct = [Route.direct(self.engine(n), source, target) for n in found]
        if any(n != self.prefer.get((source, target)) for n in found):
            return direct
        # Nothing but the preferred engine: the gate's fallbacks go through pivots.
        return direct + self._pivot_routes(source, target, names)

    def _pivot_routes(self, source: str, target: str, names: Sequence[str]) -> list[Route]:
        firsts: dict[str, str] = {}  # pivot -> the engine from the source into it
        seconds: dict[str, str] = {}  # pivot -> the engine from it into the target
        for name in names:
            for s, t in self._pairs(name):
                if s == source and t != target and t not in firsts:
                    firsts[t] = self.engines_for(s, t, names)[0]
                if t == target and s != source and s not in seconds:
                    seconds[s] = self.engines_for(s, t, names)[0]
        routes = [
            Route((Hop(self.engine(firsts[p]), source, p), Hop(self.engine(seconds[p]), p, target)))
            for p in firsts
            if p in seconds
        ]
        routes.sort(key=_pivot_rank)
        return routes

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        # Engines handed in stay known (closing them only stops their processes).
        self._engines = dict(self._given)


def route_measure(route: Route) -> Measure | None:
    """The measured chrF and speed of a route whose hops are all one engine's, else None."""
    if "+" in route.engine_name:
        return None
    return measured(route.engine_name, route.pivot or f"{route.source}>{route.target}")


def _pivot_rank(route: Route) -> tuple[int, float, int, str]:
    """Measured routes first, best chrF first; then the pivots in PREFERRED_PIVOTS order."""
    pivot = route.hops[0].target
    order = PREFERRED_PIVOTS.index(pivot) if pivot in PREFERRED_PIVOTS else 99
    found = route_measure(route)
    return (0, -found.chrf, order, pivot) if found is not None else (1, 0.0, order, pivot)
