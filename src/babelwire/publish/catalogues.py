"""The public site's interface catalogues: gettext `.po` files, one per language.

The catalogues live in `babelwire/locale/LANG/LC_MESSAGES/babelwire.po` and are
compiled in memory the first time an edition needs one (Babel reads the `.po` and
writes the `.mo` bytes gettext reads), so a checkout, a wheel and an installed site
all read the same files and there is no build step to forget. `make messages`
extracts the strings of the templates and of this package into `babelwire.pot` and
merges them into every catalogue (docs/translating.md).
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "babelwire"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def shipped_languages() -> tuple[str, ...]:
    """The languages babelwire has an interface catalogue for, sorted."""
    return tuple(
        sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    )


def has_catalogue(language: str) -> bool:
    return language in shipped_languages()


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The interface in `language`: its catalogue, or the English of the source strings
    when there is none (`babelwire check` names such editions)."""
    if not has_catalogue(language):
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are a translator's guess: English is shown until one confirms them.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
