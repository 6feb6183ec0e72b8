"""An edition's interface: its words (the gettext catalogue), and its dates and numbers
written the way its language writes them (Babel's CLDR data), in the site's time zone.

Messages use Python's %-placeholders, in the code and in the templates alike:
`interface.gettext("Page %(page)s of %(pages)s", page=2, pages=9)`, and
`interface.ngettext("%(num)s source", "%(num)s sources", n)` with `num` given as
the number written in the edition's locale. Machine-readable times (`<time datetime>`,
feeds, sitemaps, JSON-LD) stay ISO 8601 in UTC; only what a reader reads is localised.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal

from babelwire.publish.catalogues import translations

FALLBACK_LOCALE = "en"


@functools.cache
def locale_for(language: str) -> Locale:
    """The CLDR locale of an edition; English conventions for a code CLDR does not know."""
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def knows_locale(language: str) -> bool:
    """Whether CLDR has dates, numbers and language names for `language`."""
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Interface:
    """What an edition's pages and feeds say, and how they write times and numbers."""

    language: str
    catalogue: gettext.NullTranslations
    locale: Locale
    timezone: tzinfo = UTC

    def gettext(self, message: str, **values: Any) -> str:
        text = self.catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The form for `count` ("1 source", "2 sources"); `num` is the count as written
        in the edition's locale ("1,234" in English, "1.234" in Spanish)."""
        values.setdefault("num", self.number(count))
        return self.catalogue.ngettext(singular, plural, count) % values

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        """A time as readers of the edition read it, in the site's time zone:
        "3 December 2026, 14:05 CET", "3 de diciembre de 2026, 14:05 CET"."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return _written(str(self.locale), self.timezone, value.astimezone(UTC))


# An article's time is written on its page, its section's, its source's, the front
# page...: Babel takes some 0.1 ms to write one, so a build remembers them.
@functools.lru_cache(maxsize=65536)
def _written(locale: str, timezone: tzinfo, value: datetime) -> str:
    local = value.astimezone(timezone)
    day = format_date(local, "long", locale=locale)
    time = format_time(local, "short", tzinfo=timezone, locale=locale)
    zone = format_time(local, "z", tzinfo=timezone, locale=locale)
    pattern = get_datetime_format("long", locale=locale)
    return str(pattern).replace("{1}", day).replace("{0}", f"{time} {zone}")


def interface(language: str, timezone: tzinfo = UTC) -> Interface:
    """The interface of the edition in `language` (English words where it has no catalogue)."""
    return Interface(language, translations(language), locale_for(language), timezone)
