"""The Debian packages of Apertium's language pairs, so that a site missing a pair can be
told which package gives it (`babelwire check`, `babelwire init`).

Codes are ISO 639-1 where the language has one, as `ApertiumEngine.pairs()` gives them.
Some pairs translate one way only: apertium-eu-en and apertium-eu-es translate from
Basque, and no Debian package translates into it.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Debian package -> the (source, target) pairs it installs.
PACKAGES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "apertium-eng-spa": (("en", "es"), ("es", "en")),
    "apertium-eng-cat": (("en", "ca"), ("ca", "en")),
    "apertium-spa-cat": (("es", "ca"), ("ca", "es")),
    "apertium-en-gl": (("en", "gl"), ("gl", "en")),
    "apertium-es-gl": (("es", "gl"), ("gl", "es")),
    "apertium-pt-gl": (("pt", "gl"), ("gl", "pt")),
    "apertium-es-pt": (("es", "pt"), ("pt", "es")),
    "apertium-por-cat": (("pt", "ca"), ("ca", "pt")),
    "apertium-fr-es": (("fr", "es"), ("es", "fr")),
    "apertium-fra-cat": (("fr", "ca"), ("ca", "fr")),
    "apertium-spa-ita": (("es", "it"), ("it", "es")),
    "apertium-cat-ita": (("ca", "it"), ("it", "ca")),
    "apertium-eu-en": (("eu", "en"),),
    "apertium-eu-es": (("eu", "es"),),
    "apertium-es-ro": (("ro", "es"),),
    "apertium-oc-ca": (("oc", "ca"), ("ca", "oc")),
    "apertium-oc-es": (("oc", "es"), ("es", "oc")),
    "apertium-oci-fra": (("oc", "fr"), ("fr", "oc")),
    "apertium-arg-cat": (("an", "ca"), ("ca", "an")),
    "apertium-spa-arg": (("es", "an"), ("an", "es")),
    "apertium-spa-ast": (("es", "ast"),),
    "apertium-br-fr": (("br", "fr"),),
}


def package_for(source: str, target: str) -> str | None:
    """The Debian package that translates `source` into `target`, if there is one."""
    return next((name for name, pairs in PACKAGES.items() if (source, target) in pairs), None)


def translates_into(target: str) -> bool:
    """Whether any Apertium package translates into `target`."""
    return any(t == target for pairs in PACKAGES.values() for _, t in pairs)


def packages_for_route(source: str, target: str) -> tuple[str, ...]:
    """The packages that together translate `source` into `target`: the pair's own, else
    two through a pivot language (English, Spanish, French ... first); () for none."""
    direct = package_for(source, target)
    if direct:
        return (direct,)
    languages = {code for pairs in PACKAGES.values() for pair in pairs for code in pair}
    preferred = ("en", "es", "fr", "pt", "it", "ca")

    def rank(code: str) -> tuple[int, str]:
        return (preferred.index(code) if code in preferred else len(preferred), code)

    for pivot in sorted(languages - {source, target}, key=rank):
        first, second = package_for(source, pivot), package_for(pivot, target)
        if first and second:
            return (first, second)
    return ()
