"""Language names and interface text for the public site.

Kept apart from page rendering so that translators and reviewers of reader-facing
wording have one place to look, and so the text can change without touching
how pages are built or addressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from babelwire.model import TranslationStatus

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

#: Language names written in an edition's language (edition -> code -> name).
LANGUAGE_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "en": "English",
        "es": "Spanish",
        "ca": "Catalan",
        "gl": "Galician",
        "fr": "French",
        "pt": "Portuguese",
        "eu": "Basque",
        "de": "German",
        "it": "Italian",
        "nl": "Dutch",
        "oc": "Occitan",
        "ro": "Romanian",
        "an": "Aragonese",
        "ast": "Asturian",
        "ar": "Arabic",
        "he": "Hebrew",
        "fa": "Persian",
        "ur": "Urdu",
    },
    "es": {
        "en": "inglés",
        "es": "español",
        "ca": "catalán",
        "gl": "gallego",
        "fr": "francés",
        "pt": "portugués",
        "eu": "euskera",
        "de": "alemán",
        "it": "italiano",
        "nl": "neerlandés",
        "oc": "occitano",
        "ro": "rumano",
        "an": "aragonés",
        "ast": "asturiano",
        "ar": "árabe",
        "he": "hebreo",
        "fa": "persa",
        "ur": "urdu",
    },
    "ca": {
        "en": "anglès",
        "es": "castellà",
        "ca": "català",
        "gl": "gallec",
        "fr": "francès",
        "pt": "portuguès",
        "eu": "basc",
        "de": "alemany",
        "it": "italià",
        "nl": "neerlandès",
        "oc": "occità",
        "ro": "romanès",
        "an": "aragonès",
        "ast": "asturià",
        "ar": "àrab",
        "he": "hebreu",
        "fa": "persa",
        "ur": "urdú",
    },
}

ENGINE_NAMES: Mapping[str, str] = {"apertium": "Apertium"}

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "sections": "Sections",
        "editions": "Editions",
        "about": "About",
        "back_to_top": "Back to top",
        "published": "Published",
        "updated": "Updated",
        "source": "Source",
        "by": "By",
        "also_in": "This article in other languages",
        "translated": "Translated automatically {source} by {engine}; not edited by a person.",
        "translated_revised": "Translated automatically {source} by {engine}; revised by a person.",
        "translated_revised_by": "Translated automatically {source} by {engine}; "
        "revised by {editor}.",
        "from_language": "from {name}",
        "from_unknown": "from another language",
        "original_language": "Published in its original language.",
        "original": "Original:",
        "latest": "Latest news",
        "no_articles": "No articles yet.",
        "page_of": "Page {page} of {pages}",
        "archive_page": "Archive, page {page} (page 1 holds the oldest)",
        "previous": "Previous page",
        "next": "Next page",
        "pagination": "Pages",
        "not_found": "Page not found",
        "not_found_text": "There is nothing at this address. The article may have been "
        "removed, or the link may be wrong.",
        "go_front": "Go to the front page",
        "choose_edition": "Choose an edition",
        "articles_count": "{count} articles",
        "about_title": "About this site",
        "about_1": "{title} is assembled automatically. A program collects news articles "
        "from the sources listed on each article, translates them by machine into "
        "each edition's language and files them in sections. No human editor chooses, "
        "checks or corrects the articles or their translations.",
        "about_2": "Machine translation makes mistakes. Every article names its source and "
        "links to the original, so you can always read what was actually published.",
        "about_3": "To ask for a correction, or for an article to be removed, write to {contact} "
        "with the address of the page.",
        "about_3_none": "To ask for a correction, or for an article to be removed, contact the "
        "people who run this site with the address of the page.",
        "search": "Search",
        "search_hint": "Type words to find in this edition's articles.",
        "search_results": "{count} articles match “{query}”.",
        "search_needs_js": "Search on this copy of the site needs JavaScript.",
        "feed": "Feed",
        "from_source": "everything from this source",
        "source_note": "Articles this site took from {name}, newest first. Each links to its "
        "original; the text belongs to {name}.",
        "original_view": "Original text beside the translation",
        "brief": "A brief: only the headline reached us. The full story is at",
        "translated_low_confidence": "Low-confidence machine translation {source} by "
        "{engine}, not edited by a person: the quality check found it unreliable, so it may "
        "misstate facts. Check the original.",
        "summary_only": "Only the title and summary are shown: the machine translation of "
        "the rest was not reliable enough. Read the full article in the original:",
        "original_text": "Original text",
        "translation": "Machine translation",
        "back_to_article": "Back to the article",
        "related": "Earlier in this section",
        "gone": "Article removed",
        "gone_text": "This article has been removed from this site and will not be published "
        "again.",
        "top_stories": "Top stories",
        "story": "Story",
        "sources_count": "{count} sources",
        "story_sources": "This story: {count} sources",
        "story_note": "Reported by {count} sources",
        "written_in": "in {language}",
        "original_link": "original",
        "duplicate_note": "nearly the same text as another report; not republished here",
        "tag": "Topic",
        "tags": "Topics",
        "related_stories": "Related stories",
        "written_in_language": "Written in {language}.",
        "headline_by_person": "This headline was written by a person.",
    },
    "es": {
        "skip": "Saltar al contenido",
        "sections": "Secciones",
        "editions": "Ediciones",
        "about": "Acerca de",
        "back_to_top": "Volver arriba",
        "published": "Publicado",
        "updated": "Actualizado",
        "source": "Fuente",
        "by": "Por",
        "also_in": "Este artículo en otros idiomas",
        "translated": "Traducido automáticamente {source} por {engine}; "
        "ninguna persona lo ha revisado.",
        "translated_revised": "Traducido automáticamente {source} por {engine}; "
        "revisado por una persona.",
        "translated_revised_by": "Traducido automáticamente {source} por {engine}; "
        "revisado por {editor}.",
        "from_language": "del {name}",
        "from_unknown": "de otro idioma",
        "original_language": "Publicado en su idioma original.",
        "original": "Original:",
        "latest": "Últimas noticias",
        "no_articles": "Todavía no hay artículos.",
        "page_of": "Página {page} de {pages}",
        "archive_page": "Archivo, página {page} (la 1 es la más antigua)",
        "previous": "Página anterior",
        "next": "Página siguiente",
        "pagination": "Páginas",
        "not_found": "Página no encontrada",
        "not_found_text": "No hay nada en esta dirección. Puede que el artículo se haya "
        "retirado o que el enlace sea incorrecto.",
        "go_front": "Ir a la portada",
        "choose_edition": "Elige una edición",
        "articles_count": "{count} artículos",
        "about_title": "Acerca de este sitio",
        "about_1": "{title} se compone automáticamente. Un programa recoge noticias de las "
        "fuentes que se indican en cada artículo, las traduce por máquina al idioma de "
        "cada edición y las clasifica en secciones. Ningún editor humano elige, revisa "
        "ni corrige los artículos ni sus traducciones.",
        "about_2": "La traducción automática comete errores. Cada artículo indica su fuente y "
        "enlaza al original, para que siempre puedas leer lo que se publicó de verdad.",
        "about_3": "Para pedir una corrección o que se retire un artículo, escribe a {contact} "
        "indicando la dirección de la página.",
        "about_3_none": "Para pedir una corrección o que se retire un artículo, contacta con "
        "quienes gestionan este sitio indicando la dirección de la página.",
        "search": "Buscar",
        "search_hint": "Escribe palabras para buscar en los artículos de esta edición.",
        "search_results": "{count} artículos coinciden con «{query}».",
        "search_needs_js": "La búsqueda en esta copia del sitio necesita JavaScript.",
        "feed": "Canal",
        "from_source": "todo lo de esta fuente",
        "source_note": "Artículos que este sitio tomó de {name}, del más reciente al más "
        "antiguo. Cada uno enlaza a su original; el texto pertenece a {name}.",
        "original_view": "Texto original junto a la traducción",
        "brief": "Breve: solo nos ha llegado el titular. La noticia completa está en",
        "translated_low_confidence": "Traducción automática de baja confianza {source} por "
        "{engine}, no revisada por una persona: el control de calidad la considera poco "
        "fiable y puede tergiversar los hechos. Consulte el original.",
        "summary_only": "Solo se muestran el título y el resumen: la traducción automática "
        "del resto no era lo bastante fiable. Lea el artículo completo en el original:",
        "original_text": "Texto original",
        "translation": "Traducción automática",
        "back_to_article": "Volver al artículo",
        "related": "Antes en esta sección",
        "gone": "Artículo retirado",
        "gone_text": "Este artículo se ha retirado de este sitio y no se volverá a publicar.",
        "top_stories": "Noticias principales",
        "story": "Noticia",
        "sources_count": "{count} fuentes",
        "story_sources": "Esta noticia: {count} fuentes",
        "story_note": "Contada por {count} fuentes",
        "written_in": "en {language}",
        "original_link": "original",
        "duplicate_note": "casi el mismo texto que otra de las fuentes; no se publica aquí",
        "tag": "Tema",
        "tags": "Temas",
        "related_stories": "Noticias relacionadas",
        "written_in_language": "Escrito en {language}.",
        "headline_by_person": "Este titular lo ha escrito una persona.",
    },
    "ca": {
        "skip": "Salta al contingut",
        "sections": "Seccions",
        "editions": "Edicions",
        "about": "Quant a",
        "back_to_top": "Torna amunt",
        "published": "Publicat",
        "updated": "Actualitzat",
        "source": "Font",
        "by": "Per",
        "also_in": "Aquest article en altres llengües",
        "translated": "Traduït automàticament {source} per {engine}; cap persona no l'ha revisat.",
        "translated_revised": "Traduït automàticament {source} per {engine}; "
        "revisat per una persona.",
        "translated_revised_by": "Traduït automàticament {source} per {engine}; "
        "revisat per {editor}.",
        "from_language": "{name}",  # the preposition is chosen in _from_phrase
        "from_unknown": "d'una altra llengua",
        "original_language": "Publicat en la seva llengua original.",
        "original": "Original:",
        "latest": "Últimes notícies",
        "no_articles": "Encara no hi ha articles.",
        "page_of": "Pàgina {page} de {pages}",
        "archive_page": "Arxiu, pàgina {page} (la 1 és la més antiga)",
        "previous": "Pàgina anterior",
        "next": "Pàgina següent",
        "pagination": "Pàgines",
        "not_found": "No s'ha trobat la pàgina",
        "not_found_text": "No hi ha res en aquesta adreça. Potser l'article s'ha retirat o "
        "l'enllaç és incorrecte.",
        "go_front": "Ves a la portada",
        "choose_edition": "Tria una edició",
        "articles_count": "{count} articles",
        "about_title": "Quant a aquest lloc",
        "about_1": "{title} es compon automàticament. Un programa recull notícies de les fonts "
        "que s'indiquen a cada article, les tradueix per màquina a la llengua de cada "
        "edició i les classifica en seccions. Cap editor humà no tria, revisa ni corregeix "
        "els articles ni les seves traduccions.",
        "about_2": "La traducció automàtica comet errors. Cada article indica la seva font i "
        "enllaça a l'original, perquè sempre puguis llegir el que es va publicar realment.",
        "about_3": "Per demanar una correcció o que es retiri un article, escriu a {contact} "
        "indicant l'adreça de la pàgina.",
        "about_3_none": "Per demanar una correcció o que es retiri un article, contacta amb qui "
        "gestiona aquest lloc indicant l'adreça de la pàgina.",
        "search": "Cerca",
        "search_hint": "Escriu paraules per cercar als articles d'aquesta edició.",
        "search_results": "{count} articles coincideixen amb «{query}».",
        "search_needs_js": "La cerca en aquesta còpia del lloc necessita JavaScript.",
        "feed": "Canal",
        "from_source": "tot el d'aquesta font",
        "source_note": "Articles que aquest lloc ha pres de {name}, del més recent al més antic. "
        "Cadascun enllaça al seu original; el text pertany a {name}.",
        "original_view": "Text original al costat de la traducció",
        "brief": "Breu: només ens ha arribat el titular. La notícia completa és a",
        "translated_low_confidence": "Traducció automàtica de baixa confiança {source} per "
        "{engine}, no revisada per cap persona: el control de qualitat la considera poc "
        "fiable i pot falsejar els fets. Consulteu l'original.",
        "summary_only": "Només es mostren el títol i el resum: la traducció automàtica de "
        "la resta no era prou fiable. Llegiu l'article complet a l'original:",
        "original_text": "Text original",
        "translation": "Traducció automàtica",
        "back_to_article": "Torna a l'article",
        "related": "Abans en aquesta secció",
        "gone": "Article retirat",
        "gone_text": "Aquest article s'ha retirat d'aquest lloc i no es tornarà a publicar.",
        "top_stories": "Notícies principals",
        "story": "Notícia",
        "sources_count": "{count} fonts",
        "story_sources": "Aquesta notícia: {count} fonts",
        "story_note": "Explicada per {count} fonts",
        "written_in": "en {language}",
        "original_link": "original",
        "duplicate_note": "gairebé el mateix text que una altra de les fonts; no es publica aquí",
        "tag": "Tema",
        "tags": "Temes",
        "related_stories": "Notícies relacionades",
        "written_in_language": "Escrit en {language}.",
        "headline_by_person": "Aquest titular l'ha escrit una persona.",
    },
}


def messages(language: str) -> Mapping[str, str]:
    """Interface text in an edition's language (English where there is none)."""
    return MESSAGES.get(language, MESSAGES["en"])


def language_name(code: str | None, in_language: str) -> str:
    """A language's name written in `in_language` (English names as a fallback)."""
    if not code:
        return ""
    names = LANGUAGE_NAMES.get(in_language, LANGUAGE_NAMES["en"])
    return names.get(code) or LANGUAGE_NAMES["en"].get(code) or code


def endonym(code: str) -> str:
    return ENDONYMS.get(code) or LANGUAGE_NAMES["en"].get(code) or code


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def _from_phrase(source: str | None, edition: str) -> str:
    t = messages(edition)
    if not source:
        return t["from_unknown"]
    name = language_name(source, edition if edition in MESSAGES else "en")
    if edition == "ca":
        elided = name[:1].lower() in "aeiouàèéíïòóúüh"
        return ("de l'" if elided else "del ") + name
    return t["from_language"].format(name=name)


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
    t = messages(view.language)
    if view.status == TranslationStatus.ORIGINAL:
        if name_language:
            name = language_name(view.original_language or view.language, view.language)
            return t["written_in_language"].format(language=name)
        return t["original_language"]
    engine = engine_display(view.engine, view.engine_version, view.model_version)
    source = _from_phrase(view.original_language, view.language)
    if not view.revised:
        if view.published_as:  # below the quality threshold, shown all the same
            return t["translated_low_confidence"].format(source=source, engine=engine)
        return t["translated"].format(source=source, engine=engine)
    editor = shown_editor(view, show_editor_names)
    if editor:
        return t["translated_revised_by"].format(source=source, engine=engine, editor=editor)
    return t["translated_revised"].format(source=source, engine=engine)
