"""What an article page tells search engines and link previews about itself.

OpenGraph and Twitter cards go in <meta> tags (escaped by the template); the
schema.org NewsArticle goes in a JSON-LD block, which is the one place text
from a source ends up inside a <script> element. `json_ld` therefore escapes
`<`, `>` and `&` as JSON \\u escapes, so no title can close the element.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from babelwire.model import TranslationStatus
from babelwire.publish.wording import engine_display
from babelwire.storage.published.views import ArticleView

#: Full locales for og:locale where the language's main country is not its own code.
LOCALES = {
    "en": "en_US",
    "ca": "ca_ES",
    "gl": "gl_ES",
    "eu": "eu_ES",
    "an": "an_ES",
    "ast": "ast_ES",
    "oc": "oc_FR",
    "pt": "pt_PT",
    "ar": "ar_AR",
    "he": "he_IL",
    "fa": "fa_IR",
    "ur": "ur_PK",
}


def og_locale(language: str) -> str:
    """An edition's language as OpenGraph's language_TERRITORY: "es" -> "es_ES",
    "ca" -> "ca_ES", "en" -> "en_US", "pt-BR" -> "pt_BR"."""
    code, _, region = language.replace("_", "-").partition("-")
    if region:
        return f"{code.lower()}_{region.upper()}"
    return LOCALES.get(code.lower(), f"{code.lower()}_{code.upper()}")


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def news_article(
    view: ArticleView,
    *,
    url: str,
    site_title: str,
    site_url: str,
    description: str,
    editor: str = "",
    image: str = "",
) -> dict[str, Any]:
    """schema.org NewsArticle for one article in one edition; `editor`: the name of the
    person who revised its translation, where readers may see it; `image`: the absolute
    URL of its picture on this site."""
    published = view.published_at or view.first_published_at
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": view.title[:110],
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": view.language,
        "description": description,
        "publisher": {"@type": "Organization", "name": site_title, "url": site_url},
        "sourceOrganization": {"@type": "Organization", "name": view.source_name},
    }
    if published is not None:
        data["datePublished"] = _iso(published)
    modified = view.updated_at or published
    if modified is not None:
        data["dateModified"] = _iso(modified)
    if view.author:
        data["author"] = {"@type": "Person", "name": view.author}
    else:
        data["author"] = {"@type": "Organization", "name": view.source_name}
    original: dict[str, Any] = {"@type": "NewsArticle", "headline": view.original_title}
    if view.original_url.lower().startswith(("https://", "http://")):
        original["url"] = view.original_url
    if view.original_language:
        original["inLanguage"] = view.original_language
    data["isBasedOn"] = original
    if image:
        data["image"] = image
    if view.status == TranslationStatus.TRANSLATED:
        # schema.org's translator is a Person or an Organization: the site, which ran the
        # engine; the engine is named in the description and as a property of it.
        engine = engine_display(view.engine, view.engine_version, view.model_version)
        data["translator"] = {
            "@type": "Organization",
            "name": site_title,
            "url": site_url,
            "description": f"Machine translation by {engine}",
            "additionalProperty": {
                "@type": "PropertyValue",
                "name": "machine translation engine",
                "value": engine,
            },
        }
        data["translationOfWork"] = original
        if view.revised:
            # A person revised the machine's text: named only where the site allows.
            data["editor"] = {"@type": "Person", "name": editor} if editor else {"@type": "Person"}
    return data


def json_ld(data: dict[str, Any]) -> Markup:
    """`data` as JSON safe to place inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # every markup character is escaped above
