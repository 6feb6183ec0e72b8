"""The interface catalogues: every string of the public templates and of the code that
words pages and feeds is translated in each shipped catalogue, keeps its placeholders,
and has the language's plural forms; no template holds text outside `_()`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from babelwire.publish.catalogues import catalogue_path, shipped_languages, translations
from babelwire.publish.interface import interface
from babelwire.publish.rendering import make_environment

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "babelwire" / "web" / "templates"
POT = ROOT / "src" / "babelwire" / "locale" / "babelwire.pot"
SHIPPED = ("en", "es", "ca", "gl", "pt", "fr", "it", "eu")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Catalogue text goes into pages as markup, in attributes too.
MARKUP = re.compile(r"[<>\"&]")

MsgId = str | tuple[str, ...]


def extracted() -> dict[MsgId, list[str]]:
    """What `make messages` extracts (babel.cfg): each message id and where it is used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[MsgId, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


def entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def test_the_templates_and_the_code_have_interface_strings() -> None:
    messages = extracted()
    assert "Skip to content" in messages
    assert ("%(num)s source", "%(num)s sources") in messages
    assert "from Catalan" in messages  # marked with N_ in the code
    assert any(
        "templates/_story_teaser.html" in where
        for where in messages[("%(num)s source", "%(num)s sources")]
    )


def test_babelwire_ships_its_catalogues() -> None:
    assert set(SHIPPED) <= set(shipped_languages())


def test_the_template_is_up_to_date() -> None:
    with POT.open("rb") as pot:
        template = {m.id for m in entries(read_po(pot))}
    messages = set(extracted())
    assert not messages - template, f"run `make messages`: new {sorted(messages - template)}"
    assert not template - messages, f"run `make messages`: gone {sorted(template - messages)}"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_interface_string_is_translated(language: str) -> None:
    catalog = catalogue(language)
    problems = []
    for msgid, where in extracted().items():
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} ({where[0]})")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        else:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(forms) != (catalog.num_plurals if message.pluralizable else 1) or not all(forms):
                problems.append(f"untranslated: {msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_their_placeholders_and_hold_no_markup(language: str) -> None:
    problems = []
    for message in entries(catalogue(language)):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"{message.id!r}: {form!r} should hold {sorted(wanted)}")
            if MARKUP.search(form):
                problems.append(f'{message.id!r}: {form!r} holds < > " or &')
            if "%" in PLACEHOLDER.sub("", form):
                problems.append(f"{message.id!r}: {form!r} has a % that is no placeholder")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_plural_forms_are_the_languages(language: str) -> None:
    catalog = catalogue(language)
    assert f"nplurals={catalog.num_plurals};" in catalog.plural_forms
    gnu = translations(language)
    one, two = (gnu.ngettext("%(num)s source", "%(num)s sources", n) for n in (1, 2))
    assert one != two


def test_templates_hold_no_text_outside_gettext() -> None:
    """Every word a reader sees in a template comes from `_()`/`ngettext()` or the data."""
    problems = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>|&\w+;", " ", text)
        words = re.findall(r"[^\W\d_]{2,}", text)
        if words:
            problems[path.name] = words
    assert not problems, f"wrap these in {{{{ _() }}}}: {problems}"


@pytest.mark.parametrize(
    ("language", "one", "two", "many"),
    [
        ("en", "1 source", "2 sources", "1,234 sources"),
        ("es", "1 fuente", "2 fuentes", "1.234 fuentes"),
        ("ca", "1 font", "2 fonts", "1.234 fonts"),
        ("eu", "iturri 1", "2 iturri", "1.234 iturri"),
    ],
)
def test_a_story_teaser_says_its_sources_in_the_editions_plural(
    language: str, one: str, two: str, many: str
) -> None:
    template = make_environment(language).get_template("_story_teaser.html")

    def meta(count: int) -> str:
        story = SimpleNamespace(
            language=language,
            id=7,
            headline="H",
            source_count=count,
            languages=("ca",),
            reported=None,
        )
        page = template.render(story=story, level=2, interface=interface(language))
        found = re.search(r'<p class="meta">(.*?)</p>', page)
        assert found is not None
        return re.sub(r"<[^>]+>", "", found.group(1))  # the words, not their markup

    assert (meta(1), meta(2), meta(1234)) == (one, two, many)


def test_round_millions_take_the_third_plural_form_in_spanish() -> None:
    words = interface("es")
    assert words.ngettext("%(num)s source", "%(num)s sources", 1_000_000) == (
        "1.000.000 de fuentes"
    )
    assert interface("en").ngettext("%(num)s source", "%(num)s sources", 1_000_000) == (
        "1,000,000 sources"
    )


WHEN = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 3, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "zone", "when", "shown"),
    [
        ("en", "UTC", WHEN, "December 3, 2026, 1:05\u202fPM UTC"),
        ("es", "Europe/Madrid", WHEN, "3 de diciembre de 2026, 14:05 CET"),
        ("ca", "Europe/Madrid", SUMMER, "3 de juliol del 2026, 15:05 CEST"),
        ("gl", "Europe/Madrid", WHEN, "3 de decembro de 2026, 14:05 CET"),
        ("eu", "Europe/Madrid", WHEN, "2026(e)ko abenduaren 3(a) (14:05 CET)"),
        ("en", "America/New_York", WHEN, "December 3, 2026, 8:05\u202fAM EST"),
        ("fr", "UTC", datetime(2026, 12, 3, 13, 5), "3 décembre 2026, 13:05 TU"),  # naive: UTC
    ],
)
def test_dates_are_written_in_the_editions_locale_and_the_sites_zone(
    language: str, zone: str, when: datetime, shown: str
) -> None:
    assert interface(language, ZoneInfo(zone)).datetime(when) == shown


def test_an_edition_with_no_catalogue_speaks_english() -> None:
    words = interface("xx")
    assert words.gettext("Skip to content") == "Skip to content"
    assert words.ngettext("%(num)s source", "%(num)s sources", 1) == "1 source"
    assert words.datetime(WHEN) == "December 3, 2026, 1:05\u202fPM UTC"
