"""Language names and the machine-translation notice of the public site.

The words themselves are in the interface catalogues (babelwire/locale, see
`babelwire.publish.catalogues`); this module chooses which message an article's
provenance needs and fills it in. Kept apart from page rendering so that translators
and reviewers of reader-facing wording have one place to look.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from babelwire.model import TranslationStatus
from babelwire.publish.interface import Interface, interface, locale_for

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})

#: Each language's name for itself, for links between editions.
ENDONYMS: Mapping[str, str] = {
    "en": "English",
    "es": "Español",
    "ca": "Català",
    "gl": "Galego",
    "fr": "Français",
    "pt": "Português",
    "eu": "Euskara",
    "de": "Deutsch",
    "it": "Italiano",
    "nl": "Nederlands",
    "oc": "Occitan",
    "ro": "Română",
    "an": "Aragonés",
    "ast": "Asturianu",
    "ar": "العربية",
    "he": "עברית",
    "fa": "فارسی",
    "ur": "اردو",
}

#: Where a language's usual name in an edition is not CLDR's (edition -> code -> name).
NAME_OVERRIDES: Mapping[str, Mapping[str, str]] = {
    "ca": {"es": "castellà"},
    "gl": {"es": "castelán"},
    "pt": {"oc": "occitano"},
}


def N_(message: str) -> str:
    """Marks a message for the catalogues; it is translated where it is shown."""
    return message


#: "Translated automatically FROM X": each language's phrase, so that every catalogue
#: can write it as its grammar asks (Catalan "de l'anglès", Italian "dallo spagnolo",
#: Basque "ingelesetik").
FROM_LANGUAGE: Mapping[str, str] = {
    # TRANSLATORS: the phrase that says which language a translation was made from, as
    # in "Translated automatically from English by Apertium 3.8.3"; write it as the
    # notice needs it ("de l'anglès", "dall'inglese", "ingelesetik").
    "en": N_("from English"),
    "es": N_("from Spanish"),
    "ca": N_("from Catalan"),
    "gl": N_("from Galician"),
    "fr": N_("from French"),
    "pt": N_("from Portuguese"),
    "eu": N_("from Basque"),
    "de": N_("from German"),
    "it": N_("from Italian"),
    "nl": N_("from Dutch"),
    "oc": N_("from Occitan"),
    "ro": N_("from Romanian"),
    "an": N_("from Aragonese"),
    "ast": N_("from Asturian"),
    "ar": N_("from Arabic"),
    "he": N_("from Hebrew"),
    "fa": N_("from Persian"),
    "ur": N_("from Urdu"),
}

ENGINE_NAMES: Mapping[str, str] = {"apertium": "Apertium"}


def language_name(code: str | None, in_language: str) -> str:
    """A language's name written in `in_language` (CLDR's; English for an edition CLDR
    does not know; the code itself for a language it does not know)."""
    if not code:
        return ""
    override = NAME_OVERRIDES.get(in_language, {}).get(code)
    return override or locale_for(in_language).languages.get(code) or code


def endonym(code: str) -> str:
    name = ENDONYMS.get(code) or locale_for(code).languages.get(code) or code
    return name[:1].upper() + name[1:]


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def _from_phrase(source: str | None, words: Interface) -> str:
    if not source:
        return words.gettext("from another language")
    if source in FROM_LANGUAGE:
        return words.gettext(FROM_LANGUAGE[source])
    # TRANSLATORS: "from" a language with no phrase of its own above, e.g. "from Swahili";
    # %(name)s is the language's name in this catalogue's language.
    return words.gettext("from %(name)s", name=language_name(source, words.language))


def engine_display(engine: str, version: str, model_version: str = "") -> str:
    """An engine as readers see it: "Apertium 3.8.3"."""
    name = ENGINE_NAMES.get(engine.lower(), engine) or "?"
    text = f"{name} {version}".strip()
    if model_version:
        text += f" ({model_version})"
    return text


class Provenance(Protocol):
    """How an article's text in an edition got there (an article page's view, a feed's
    item): what the machine-translation notice is made of."""

    @property
    def language(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def original_language(self) -> str | None: ...
    @property
    def engine(self) -> str: ...
    @property
    def engine_version(self) -> str: ...
    @property
    def model_version(self) -> str: ...
    @property
    def revised(self) -> bool: ...
    @property
    def revised_by_display(self) -> str | None: ...
    @property
    def published_as(self) -> str: ...


def shown_editor(view: Provenance, show_editor_names: bool) -> str:
    """The name of the person who revised the translation, where readers may see it."""
    if not view.revised or not show_editor_names:
        return ""
    return (view.revised_by_display or "").strip()


def translation_notice(
    view: Provenance, *, show_editor_names: bool = False, name_language: bool = False
) -> str:
    """The plain-text part of the machine-translation notice (the link follows it).

    A translation a person revised says so, and keeps the engine that wrote it; the
    person is named only with `desk.show_editor_names` and a display name. With
    `name_language` an original says which language it was written in (feeds, read
    away from the edition that names its language).
    """
    words = interface(view.language)
    if view.status == TranslationStatus.ORIGINAL:
        if name_language:
            name = language_name(view.original_language or view.language, view.language)
            return words.gettext("Written in %(language)s.", language=name)
        return words.gettext("Published in its original language.")
    engine = engine_display(view.engine, view.engine_version, view.model_version)
    source = _from_phrase(view.original_language, words)
    if not view.revised:
        if view.published_as:  # below the quality threshold, shown all the same
            # TRANSLATORS: the notice of a translation the quality check found unreliable
            # and the site shows anyway; it must say so plainly and send to the original.
            return words.gettext(
                "Low-confidence machine translation %(source)s by %(engine)s, not edited by "
                "a person: the quality check found it unreliable, so it may misstate facts. "
                "Check the original.",
                source=source,
                engine=engine,
            )
        # TRANSLATORS: %(source)s is a phrase such as "from Catalan" (or "from another
        # language"), %(engine)s an engine and its version ("Apertium 3.8.3"). The notice
        # must say that a machine translated the text and that no person checked it.
        return words.gettext(
            "Translated automatically %(source)s by %(engine)s; not edited by a person.",
            source=source,
            engine=engine,
        )
    editor = shown_editor(view, show_editor_names)
    if editor:
        # TRANSLATORS: as above; %(editor)s is the name of the person who revised it.
        return words.gettext(
            "Translated automatically %(source)s by %(engine)s; revised by %(editor)s.",
            source=source,
            engine=engine,
            editor=editor,
        )
    return words.gettext(
        "Translated automatically %(source)s by %(engine)s; revised by a person.",
        source=source,
        engine=engine,
    )


# TRANSLATORS: the site's tagline, under its title, where babelwire.toml gives none.
DEFAULT_TAGLINE = N_("News collected and translated automatically.")


def site_text(texts: Mapping[str, str], language: str, default: str = "") -> str:
    """A text of the site's settings (site.description, site.about) in an edition: its
    own, else the one for every edition, looked up in the interface catalogue (so the
    default tagline an older babelwire.toml holds is shown translated), else `default`."""
    own = texts.get(language, "").strip()
    if own:
        return own
    common = texts.get("*", "").strip()
    if common:
        return interface(language).gettext(common)
    return default


def tagline(texts: Mapping[str, str], language: str) -> str:
    """The site's tagline in an edition (site.description)."""
    return site_text(texts, language, interface(language).gettext(DEFAULT_TAGLINE))


def translated_mark(original_language: str | None, status: str, edition: str) -> str:
    """The short mark a teaser carries when its text is a machine translation: "Machine-
    translated from Catalan"; nothing for an article written in the edition's language."""
    if status != TranslationStatus.TRANSLATED:
        return ""
    words = interface(edition)
    # TRANSLATORS: a teaser's small mark; %(source)s is "from Catalan" as in the notice.
    source = _from_phrase(original_language, words)
    return words.gettext("Machine-translated %(source)s", source=source)
