"""Choosing an engine for a language pair, in the operator's order of preference."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from babelwire.pipeline.translate.engine import Engine, EngineError


def _apertium(timeout: float) -> Engine:
    from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

    return ApertiumEngine(timeout=timeout)


FACTORIES: dict[str, Callable[[float], Engine]] = {"apertium": _apertium}


class Translators:
    """The engines a site uses, started lazily and closed together."""

    def __init__(self, names: Sequence[str], timeout: float = 120.0) -> None:
        unknown = [n for n in names if n not in FACTORIES]
        if unknown:
            raise EngineError(f"unknown engine(s) {unknown}; known: {sorted(FACTORIES)}")
        self.names = list(names)
        self.timeout = timeout
        self._engines: dict[str, Engine] = {}

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = FACTORIES[name](self.timeout)
        return self._engines[name]

    def for_pair(self, source: str, target: str) -> Engine | None:
        """The first engine in preference order that translates source -> target directly."""
        for name in self.names:
            engine = self.engine(name)
            if (source, target) in engine.pairs():
                return engine
        return None

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()
