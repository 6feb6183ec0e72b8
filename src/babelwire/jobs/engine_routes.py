"""What a site can translate into its editions, how well, and what to install for the rest.

`babelwire engines` lists a route per pair (with its measured chrF and speed
where bench/routes.py measured it, and the fallbacks the quality gate retries
with); `babelwire engines suggest` and `babelwire init` name the Debian package
that gives a missing route.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babelwire.pipeline.translate.article import Route
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.engines.apertium.packages import Suggestion, suggest_packages
from babelwire.pipeline.translate.registry import PREFERRED_PIVOTS, Translators, route_measure
from babelwire.pipeline.translate.route_quality import Measure, measured

__all__ = ["PairRoutes", "apertium_pairs", "pair_routes", "suggestions"]


@dataclass(frozen=True, slots=True)
class PairRoutes:
    source: str
    target: str
    routes: list[Route]  # the first is used, the others are the gate's fallbacks

    @property
    def measure(self) -> Measure | None:
        return route_measure(self.routes[0]) if self.routes else None


def _source_languages(translators: Translators) -> set[str]:
    languages: set[str] = set()
    for name in translators.names:
        try:
            languages |= {source for source, _ in translators.engine(name).pairs()}
        except EngineError:
            continue
    return languages


def pair_routes(
    translators: Translators, editions: Sequence[str], sources: Iterable[str] = ()
) -> list[PairRoutes]:
    """Every pair into an edition from an edition, from a language of ``sources`` or from a
    language some engine translates from, with its routes (empty: no route)."""
    languages = sorted(set(editions) | set(sources) | _source_languages(translators))
    return [
        PairRoutes(source, target, translators.routes(source, target))
        for target in editions
        for source in languages
        if source != target
    ]


def apertium_pairs(translators: Translators) -> set[tuple[str, str]]:
    """The Apertium pairs installed on this machine (the site's engine's, or the default
    modes folder's when the site does not use Apertium)."""
    try:
        engine = (
            translators.engine("apertium") if "apertium" in translators.names else ApertiumEngine()
        )
        return engine.pairs()
    except EngineError:
        return set()


def _chrf(path: str) -> float | None:
    found = measured("apertium", path)
    return found.chrf if found is not None else None


def suggestions(
    translators: Translators,
    editions: Sequence[str],
    sources: Iterable[str] = (),
    *,
    direct: bool = False,
) -> list[tuple[str, str, Suggestion | None]]:
    """For each pair between editions or from ``sources`` into an edition that has no
    route (with ``direct``: no direct one either), the packages that give it (None:
    no Debian package can)."""
    installed = apertium_pairs(translators)
    found = []
    for pair in pair_routes(translators, editions, sources):
        if pair.source not in editions and pair.source not in set(sources):
            continue
        if pair.routes and (not direct or not pair.routes[0].pivot):
            continue
        suggestion = suggest_packages(
            pair.source, pair.target, installed, _chrf, preferred=PREFERRED_PIVOTS
        )
        if pair.routes and (suggestion is None or suggestion.pivot):
            continue  # reached through a pivot already, and no package translates it directly
        found.append((pair.source, pair.target, suggestion))
    return found
