"""Which Debian package installs which Apertium pair, and what to install for a missing route.

The modes each package installs, read from the packages of Debian 12 (bookworm);
Ubuntu ships the same ones.  A route missing from a site is answered with the
fewest packages that make it: one that translates the pair directly, else two
hops through a pivot language (a hop already installed costs nothing), the
pivot with the best measured quality first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from babelwire.pipeline.translate.engines.apertium.modes import from_apertium_code

__all__ = ["PACKAGES", "Suggestion", "package_pairs", "suggest_packages"]

# Debian package -> the modes it installs (dummy transitional packages left out).
PACKAGES: dict[str, tuple[str, ...]] = {
    "apertium-afr-nld": ("afr-nld", "nld-afr"),
    "apertium-arg-cat": ("arg-cat", "cat-arg"),
    "apertium-bel-rus": ("bel-rus", "rus-bel"),
    "apertium-br-fr": ("br-fr",),
    "apertium-cat-ita": ("cat-ita", "ita-cat"),
    "apertium-cat-srd": ("cat-srd",),
    "apertium-dan-nor": ("dan-nno", "dan-nob", "nno-dan", "nob-dan"),
    "apertium-en-gl": ("en-gl", "gl-en"),
    "apertium-eng-cat": ("cat-eng", "eng-cat"),
    "apertium-eng-spa": ("eng-spa", "spa-eng"),
    "apertium-eo-ca": ("ca-eo",),
    "apertium-eo-en": ("en-eo", "eo-en"),
    "apertium-eo-es": ("es-eo",),
    "apertium-eo-fr": ("fr-eo",),
    "apertium-es-gl": ("es-gl", "gl-es"),
    "apertium-es-pt": ("es-pt", "pt-es"),
    "apertium-es-ro": ("ro-es",),
    "apertium-eu-en": ("eu-en",),
    "apertium-eu-es": ("eu-es",),
    "apertium-fr-es": ("es-fr", "fr-es"),
    "apertium-fra-cat": ("cat-fra", "fra-cat"),
    "apertium-fra-frp": ("fra-frp", "frp-fra"),
    "apertium-hbs-eng": ("eng-hbs", "hbs-eng"),
    "apertium-hbs-mkd": ("hbs-mkd",),
    "apertium-hbs-slv": ("hbs-slv", "slv-hbs"),
    "apertium-ind-zlm": ("ind-zlm", "zlm-ind"),
    "apertium-isl-eng": ("isl-eng",),
    "apertium-isl-swe": ("isl-swe", "swe-isl"),
    "apertium-mkd-bul": ("bul-mkd", "mkd-bul"),
    "apertium-mkd-eng": ("mkd-eng",),
    "apertium-nno-nob": ("nno-nob", "nob-nno"),
    "apertium-oc-ca": ("ca-oc", "oc-ca"),
    "apertium-oc-es": ("es-oc", "oc-es"),
    "apertium-oci-fra": ("fra-oci", "oci-fra"),
    "apertium-pol-szl": ("pol-szl", "szl-pol"),
    "apertium-por-cat": ("cat-por", "por-cat"),
    "apertium-pt-gl": ("gl-pt", "pt-gl"),
    "apertium-rus-ukr": ("rus-ukr", "ukr-rus"),
    "apertium-spa-arg": ("arg-spa", "spa-arg"),
    "apertium-spa-ast": ("spa-ast",),
    "apertium-spa-cat": ("cat-spa", "spa-cat"),
    "apertium-spa-ita": ("ita-spa", "spa-ita"),
    "apertium-srd-ita": ("ita-srd",),
    "apertium-swe-dan": ("dan-swe", "swe-dan"),
    "apertium-swe-nor": ("nno-swe", "nob-swe", "swe-nno", "swe-nob"),
    "apertium-urd-hin": ("hin-urd", "urd-hin"),
}


def package_pairs() -> dict[str, set[tuple[str, str]]]:
    """Each package's pairs in ISO 639-1 where there is one."""
    found: dict[str, set[tuple[str, str]]] = {}
    for package, modes in PACKAGES.items():
        pairs = (mode.split("-") for mode in modes)
        found[package] = {(from_apertium_code(s), from_apertium_code(t)) for s, t in pairs}
    return found


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Packages that give ``path`` (``"eu>es>ca"`` through a pivot, ``"es>gl"`` directly)."""

    packages: tuple[str, ...]
    path: str

    @property
    def pivot(self) -> bool:
        return self.path.count(">") > 1


def _providers(pair: tuple[str, str], installed: Collection[tuple[str, str]]) -> list[str]:
    """ "" when the pair is installed, else the packages that install it."""
    if pair in installed:
        return [""]
    return sorted(p for p, pairs in package_pairs().items() if pair in pairs)


def suggest_packages(
    source: str,
    target: str,
    installed: Collection[tuple[str, str]],
    quality: Callable[[str], float | None] = lambda path: None,
    preferred: tuple[str, ...] = (),
) -> Suggestion | None:
    """The fewest packages to install so that source -> target has a route, or None when
    it has one already or none can give it. ``quality`` gives a path's measured chrF."""
    if (source, target) in installed:
        return None
    direct = _providers((source, target), installed)
    if direct:
        return Suggestion((direct[0],), f"{source}>{target}")
    languages = {lang for pairs in package_pairs().values() for pair in pairs for lang in pair}
    languages |= {lang for pair in installed for lang in pair}
    options: list[tuple[int, float, int, str, Suggestion]] = []
    for pivot in sorted(languages - {source, target}):
        firsts = _providers((source, pivot), installed)
        seconds = _providers((pivot, target), installed)
        if not firsts or not seconds:
            continue
        packages = tuple(dict.fromkeys(p for p in (firsts[0], seconds[0]) if p))
        path = f"{source}>{pivot}>{target}"
        chrf = quality(path)
        rank = preferred.index(pivot) if pivot in preferred else len(preferred)
        options.append((len(packages), -(chrf or 0.0), rank, pivot, Suggestion(packages, path)))
    return min(options)[-1] if options else None
