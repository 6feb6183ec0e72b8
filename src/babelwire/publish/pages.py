"""The public site's pages, rendered to HTML strings.

`SitePages` is used by both the live ASGI app (`babelwire.web.app`) and the
static export (`babelwire.publish.static`), so both serve the same pages at the
same paths. Templates are autoescaped: text from sources and engines is never
marked safe, and links to sources are only emitted for http(s) URLs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from babelwire.config import Config
from babelwire.publish import queries
from babelwire.publish.queries import ArticleView, TextBlock

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
FRONT_PAGE_ARTICLES = 5
SLUG_MAX = 60

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_SECTION_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_ARTICLE_REF = re.compile(r"^(\d{1,18})(?:-.*)?$", re.DOTALL)

# ---------------------------------------------------------------------------
# Language names and interface text
# ---------------------------------------------------------------------------

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
        "from_language": "from {name}",
        "from_unknown": "from another language",
        "original_language": "Published in its original language.",
        "original": "Original:",
        "latest": "Latest news",
        "no_articles": "No articles yet.",
        "page_of": "Page {page} of {pages}",
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
        "from_language": "del {name}",
        "from_unknown": "de otro idioma",
        "original_language": "Publicado en su idioma original.",
        "original": "Original:",
        "latest": "Últimas noticias",
        "no_articles": "Todavía no hay artículos.",
        "page_of": "Página {page} de {pages}",
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
        "from_language": "{name}",  # the preposition is chosen in _from_phrase
        "from_unknown": "d'una altra llengua",
        "original_language": "Publicat en la seva llengua original.",
        "original": "Original:",
        "latest": "Últimes notícies",
        "no_articles": "Encara no hi ha articles.",
        "page_of": "Pàgina {page} de {pages}",
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


def translation_notice(view: ArticleView) -> str:
    """The plain-text part of the machine-translation notice (the link follows it)."""
    t = messages(view.language)
    if view.status == "original":
        return t["original_language"]
    engine = engine_display(view.engine, view.engine_version, view.model_version)
    return t["translated"].format(
        source=_from_phrase(view.original_language, view.language), engine=engine
    )


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """An ASCII slug for a URL: lower case letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[1:] else slug[:max_length]
        slug = slug.strip("-")
    return slug or "article"


def is_language_code(code: str) -> bool:
    return bool(_LANGUAGE_CODE.match(code))


def is_section_slug(slug: str) -> bool:
    return bool(_SECTION_SLUG.match(slug))


def parse_article_ref(ref: str) -> int | None:
    """The article id from the `{id}-{slug}` part of an article URL (the slug is not checked)."""
    match = _ARTICLE_REF.match(ref)
    return int(match.group(1)) if match else None


def url_for_home() -> str:
    return "/"


def url_for_front(language: str) -> str:
    return f"/{quote(language, safe='')}/"


def url_for_section(language: str, slug: str, page: int = 1) -> str:
    path = f"/{quote(language, safe='')}/section/{quote(slug, safe='')}/"
    return path if page < 2 else f"{path}page/{page}/"


def url_for_article(language: str, article_id: int, title: str) -> str:
    return f"/{quote(language, safe='')}/article/{int(article_id)}-{slugify(title)}/"


def url_for_about(language: str) -> str:
    return f"/{quote(language, safe='')}/about/"


def _read_stylesheet() -> bytes:
    return resources.files("babelwire.web").joinpath("static", "style.css").read_bytes()


STYLESHEET: bytes = _read_stylesheet()
_STYLE_VERSION = hashlib.sha256(STYLESHEET).hexdigest()[:10]


def url_for_style() -> str:
    """The stylesheet, with its content hash so it can be cached for a long time."""
    return f"/style.css?v={_STYLE_VERSION}"


def safe_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) URL, else "" (no javascript:, data: or relative)."""
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    if any(ord(ch) < 0x20 or ch.isspace() for ch in url):
        return ""
    return url


def contact_href(contact: str) -> str:
    """A link for site.contact: an http(s) URL as is, an e-mail address as mailto:."""
    if safe_url(contact):
        return contact
    if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", contact):
        return "mailto:" + contact
    return ""


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def iso_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def display_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class BodyPart:
    """Consecutive blocks rendered as one element: "h", "p", "quote" or a "list" of items."""

    kind: str
    texts: tuple[str, ...]


def body_parts(blocks: Sequence[TextBlock]) -> tuple[BodyPart, ...]:
    """Group an article's blocks for rendering: consecutive list items make one list."""
    parts: list[BodyPart] = []
    for block in blocks:
        if not block.text.strip():
            continue
        if block.kind == "li":
            if parts and parts[-1].kind == "list":
                parts[-1] = BodyPart("list", (*parts[-1].texts, block.text))
            else:
                parts.append(BodyPart("list", (block.text,)))
        elif block.kind in {"h", "quote"}:
            parts.append(BodyPart(block.kind, (block.text,)))
        else:
            parts.append(BodyPart("p", (block.text,)))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str
    language: str = ""
    current: bool = False


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("babelwire.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso_time"] = iso_time
    env.filters["display_time"] = display_time
    env.globals.update(
        url_for_home=url_for_home,
        url_for_front=url_for_front,
        url_for_section=url_for_section,
        url_for_article=url_for_article,
        url_for_about=url_for_about,
        url_for_style=url_for_style,
    )
    return env


class SitePages:
    """Renders every public page of a site; a method returns None when there is no such page.

    >>> pages = SitePages.for_newsroom(newsroom)
    >>> html = pages.article("en", 42)
    """

    def __init__(self, config: Config, sessions: sessionmaker[Session]) -> None:
        self.config = config
        self.sessions = sessions
        self.env = make_environment()

    @classmethod
    def for_newsroom(cls, newsroom: Newsroom) -> SitePages:
        return cls(newsroom.config, newsroom.sessions)

    # -- what exists ---------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """The editions whose codes are safe to put in a path, in configured order."""
        return [code for code in self.config.languages if is_language_code(code)]

    def has_edition(self, language: str) -> bool:
        return language in self.languages

    def has_section(self, slug: str) -> bool:
        return is_section_slug(slug) and self.config.section(slug) is not None

    def page_count(self, language: str, slug: str) -> int:
        """How many pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 1)
        return 0 if listing is None else listing.page_count

    def article_url(self, language: str, article_id: int) -> str | None:
        """The canonical path of an article in an edition, or None when it is not shown there."""
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            title = queries.article_title(session, language, article_id)
        return None if title is None else url_for_article(language, article_id, title)

    def article_ids(self, language: str) -> list[tuple[int, str]]:
        """(id, canonical path) of every article shown in an edition, newest first."""
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            teasers = queries.edition_teasers(session, language)
        return [(t.id, url_for_article(language, t.id, t.title)) for t in teasers]

    # -- rendering -------------------------------------------------------------

    def _absolute(self, path: str) -> str:
        return self.config.base_url + path

    def _context(
        self,
        language: str,
        *,
        path: str,
        alternates: Mapping[str, str] | None = None,
        current_section: str | None = None,
    ) -> dict[str, Any]:
        t = messages(language)
        sections = [
            Link(
                url_for_section(language, rule.slug),
                rule.name(language),
                "",
                rule.slug == current_section,
            )
            for rule in self.config.sections
            if is_section_slug(rule.slug)
        ]
        editions = [
            Link(url_for_front(code), endonym(code), code, code == language)
            for code in self.languages
        ]
        alternate_links = [
            Link(self._absolute(href), endonym(code), code)
            for code, href in (alternates or {}).items()
        ]
        return {
            "lang": language,
            "dir": direction(language),
            "t": t,
            "site_title": self.config.title,
            "description": str(self.config.get("site.description")),
            "front_href": url_for_front(language),
            "about_href": url_for_about(language),
            "nav_sections": sections,
            "editions": editions,
            "canonical": self._absolute(path),
            "alternates": alternate_links,
            "prev_href": "",
            "next_href": "",
        }

    def _render(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def _default_language(self) -> str:
        languages = self.languages
        return languages[0] if languages else "en"

    def home(self) -> str:
        """The root page: a link to each edition."""
        language = self._default_language()
        with self.sessions() as session:
            editions = queries.editions(session, self.config)
        context = self._context(
            language,
            path=url_for_home(),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["choices"] = [
            {
                "link": Link(url_for_front(e.language), endonym(e.language), e.language),
                "dir": direction(e.language),
                "t": messages(e.language),
                "count": e.articles,
                "latest": e.latest,
            }
            for e in editions
            if is_language_code(e.language)
        ]
        return self._render("home.html", context)

    def front(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            front = queries.front_page(session, self.config, language, FRONT_PAGE_ARTICLES)
        context = self._context(
            language,
            path=url_for_front(language),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["front"] = front
        context["sections"] = [s for s in front.sections if is_section_slug(s.slug)]
        return self._render("front.html", context)

    def _listing(self, language: str, slug: str, page: int) -> queries.SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        with self.sessions() as session:
            return queries.section_listing(session, self.config, language, slug, page)

    def section(self, language: str, slug: str, page: int = 1) -> str | None:
        listing = self._listing(language, slug, page)
        if listing is None:
            return None
        context = self._context(
            language,
            path=url_for_section(language, slug, page),
            # Page n of one edition is not page n of another: only page 1 has alternates.
            alternates={code: url_for_section(code, slug) for code in self.languages}
            if page == 1
            else None,
            current_section=slug,
        )
        context["listing"] = listing
        if listing.page > 1:
            context["prev_href"] = url_for_section(language, slug, listing.page - 1)
        if listing.page < listing.page_count:
            context["next_href"] = url_for_section(language, slug, listing.page + 1)
        return self._render("section.html", context)

    def article(self, language: str, article_id: int) -> str | None:
        if not self.has_edition(language):
            return None
        alternates: dict[str, str] = {}
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
            if view is None:
                return None
            alternates[language] = url_for_article(language, view.id, view.title)
            # Each edition's slug comes from its own title.
            for code in view.other_languages:
                title = queries.article_title(session, code, view.id)
                if title is not None and is_language_code(code):
                    alternates[code] = url_for_article(code, view.id, title)
        path = alternates[language]
        rule = self.config.section(view.section) if view.section else None
        context = self._context(
            language, path=path, alternates=alternates, current_section=view.section
        )
        context.update(
            article=view,
            body=body_parts(view.blocks),
            other_editions=[
                Link(href, endonym(code), code)
                for code, href in alternates.items()
                if code != language
            ],
            section_name=rule.name(language) if rule else "",
            section_href=url_for_section(language, rule.slug)
            if rule and is_section_slug(rule.slug)
            else "",
            original_href=safe_url(view.original_url),
            notice=translation_notice(view),
            original_language=view.original_language or "",
        )
        return self._render("article.html", context)

    def about(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        context = self._context(
            language,
            path=url_for_about(language),
            alternates={code: url_for_about(code) for code in self.languages},
        )
        contact = str(self.config.get("site.contact")).strip()
        t = messages(language)
        before, _, after = t["about_3"].partition("{contact}")
        context.update(
            about_1=t["about_1"].format(title=self.config.title),
            contact=contact,
            contact_href=contact_href(contact),
            contact_before=before,
            contact_after=after,
        )
        return self._render("about.html", context)

    def not_found(self, language: str | None = None) -> str:
        """The 404 page, in `language` when it is an edition."""
        if language is None or not self.has_edition(language):
            language = self._default_language()
        context = self._context(language, path=url_for_front(language))
        context["canonical"] = ""
        return self._render("not_found.html", context)
