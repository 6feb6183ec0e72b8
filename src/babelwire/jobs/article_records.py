"""The article record: the one public representation of a published article.

An `ArticleRecord` is what leaves babelwire as data (the export, the API's article
and its NDJSON download): the original with its source and address, and each
machine translation with its provenance (engine, model, versions, pivot, glossary,
quality, whether a person revised it). `as_dict()` gives its JSON form, whose
fields docs/api.md ("Article record") documents one by one.

`iter_article_records` walks every published article matching its filters by id,
`batch` at a time, each batch read in its own short session: memory stays flat
however many there are, and a long export holds no transaction open while its
reader writes. Taken-down articles never appear.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babelwire.errors import InputError
from babelwire.model import TranslationStatus
from babelwire.newsroom import Site
from babelwire.publish.paths import url_for_article
from babelwire.storage.published.listing import VISIBLE_STATUSES
from babelwire.storage.published.records import (
    RecordQuery,
    StoredArticle,
    StoredTranslation,
    article_batch,
)
from babelwire.storage.published.views import (
    TextBlock,
    original_url,
    shown_blocks,
    text_blocks,
)

__all__ = [
    "ArticleRecord",
    "Links",
    "Original",
    "Provenance",
    "RecordSource",
    "TranslationRecord",
    "UnknownEditionError",
    "article_record",
    "gate_outcome",
    "iso_time",
    "iter_article_records",
    "plain_text",
]

#: Articles read per query (and per session) when walking them all.
BATCH = 500


class UnknownEditionError(InputError, LookupError):
    """An edition filter names a language the site has no edition in."""


def iso_time(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z": "2026-03-01T12:00:00Z" (microseconds when there are)."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def plain_text(blocks: tuple[TextBlock, ...]) -> str:
    """An article body as plain text: its blocks' texts separated by a blank line."""
    return "\n\n".join(b.text.strip() for b in blocks if b.text.strip())


def _blocks(blocks: tuple[TextBlock, ...]) -> list[dict[str, str]]:
    return [{"kind": b.kind, "text": b.text} for b in blocks]


def _or_none(value: str) -> str | None:
    return value or None


@dataclass(frozen=True, slots=True)
class Links:
    """Where the article is: at its source, and its page in each edition showing it."""

    original: str
    pages: Mapping[str, str]  # edition language -> absolute URL, configured order


@dataclass(frozen=True, slots=True)
class RecordSource:
    id: int
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Original:
    """The article as its source published it."""

    language: str | None
    title: str
    author: str
    published_at: datetime | None  # by the source
    updated_at: datetime | None  # by the source
    blocks: tuple[TextBlock, ...]

    @property
    def text(self) -> str:
        return plain_text(self.blocks)


@dataclass(frozen=True, slots=True)
class Provenance:
    """How a translation was made: always by machine, maybe revised by a person since."""

    from_language: str | None
    engine: str
    engine_version: str | None
    model_version: str | None
    pivot: str | None  # "ca>es>en" through Spanish; None for a direct translation
    glossary_version: str | None
    quality: float | None
    flags: tuple[str, ...]
    revised_by_person: bool
    revised_at: datetime | None
    revision: int
    translated_at: datetime | None  # when the engine translated it
    machine_translated: bool = True
    # "passed", or below the quality threshold yet shown: "low-confidence", "summary"
    quality_gate: str = "passed"


@dataclass(frozen=True, slots=True)
class TranslationRecord:
    language: str
    status: str  # "translated"; "held" only when held translations were asked for
    title: str
    blocks: tuple[TextBlock, ...]
    provenance: Provenance

    @property
    def text(self) -> str:
        return plain_text(self.blocks)


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One published article, its origin and its translations (see docs/api.md)."""

    id: int
    links: Links
    source: RecordSource
    original: Original
    section: str | None
    tags: tuple[str, ...]
    story_id: int | None
    first_published_at: datetime  # live on this site
    updated_at: datetime | None  # on this site
    translations: tuple[TranslationRecord, ...]

    def as_dict(self, *, native_times: bool = False) -> dict[str, Any]:
        """The record as plain values: JSON-ready (times as ISO 8601 UTC strings), or
        with `native_times` the times as aware datetimes (for Parquet)."""

        def time(when: datetime | None) -> Any:
            return when if native_times else iso_time(when)

        original = self.original
        return {
            "id": self.id,
            "links": {"original": self.links.original, "pages": dict(self.links.pages)},
            "source": {"id": self.source.id, "name": self.source.name, "url": self.source.url},
            "original": {
                "language": original.language,
                "title": original.title,
                "author": original.author,
                "published_at": time(original.published_at),
                "updated_at": time(original.updated_at),
                "text": original.text,
                "blocks": _blocks(original.blocks),
            },
            "section": self.section,
            "tags": list(self.tags),
            "story_id": self.story_id,
            "first_published_at": time(self.first_published_at),
            "updated_at": time(self.updated_at),
            "translations": [_translation_dict(t, time) for t in self.translations],
        }


def _translation_dict(translation: TranslationRecord, time: Any) -> dict[str, Any]:
    p = translation.provenance
    return {
        "language": translation.language,
        "status": translation.status,
        "title": translation.title,
        "text": translation.text,
        "blocks": _blocks(translation.blocks),
        "provenance": {
            "machine_translated": p.machine_translated,
            "from_language": p.from_language,
            "engine": p.engine,
            "engine_version": p.engine_version,
            "model_version": p.model_version,
            "pivot": p.pivot,
            "glossary_version": p.glossary_version,
            "quality": p.quality,
            "flags": list(p.flags),
            "revised_by_person": p.revised_by_person,
            "revised_at": time(p.revised_at),
            "revision": p.revision,
            "translated_at": time(p.translated_at),
            "quality_gate": p.quality_gate,
        },
    }


def gate_outcome(status: str, published_as: str) -> str:
    """What the quality gate made of a translation, as provenance names it: "passed",
    "held", or shown below the threshold as "low-confidence" or "summary"."""
    if status == TranslationStatus.HELD:
        return "held"
    return published_as or "passed"


def _translation(stored: StoredTranslation, from_language: str | None) -> TranslationRecord:
    flags = stored.flags if isinstance(stored.flags, list) else []
    return TranslationRecord(
        language=stored.language,
        status=stored.status,
        title=stored.title,
        blocks=shown_blocks(text_blocks(stored.blocks), stored.published_as),
        provenance=Provenance(
            from_language=from_language,
            engine=stored.engine,
            engine_version=_or_none(stored.engine_version),
            model_version=_or_none(stored.model_version),
            pivot=_or_none(stored.pivot),
            glossary_version=_or_none(stored.glossary_version),
            quality=stored.quality,
            flags=tuple(str(f) for f in flags),
            revised_by_person=stored.revised,
            revised_at=stored.revised_at,
            revision=stored.revision,
            translated_at=stored.translated_at,
            quality_gate=gate_outcome(stored.status, stored.published_as),
        ),
    )


def _record(stored: StoredArticle, base_url: str) -> ArticleRecord:
    # Each edition's page address carries a slug of its own title.
    pages = {
        t.language: base_url + url_for_article(t.language, stored.id, t.title)
        for t in stored.translations
        if t.status in VISIBLE_STATUSES
    }
    translations = tuple(
        _translation(t, stored.language)
        for t in stored.translations
        if t.status != TranslationStatus.ORIGINAL and t.language != stored.language
    )
    return ArticleRecord(
        id=stored.id,
        links=Links(original=original_url(stored.url, stored.canonical_url), pages=pages),
        source=RecordSource(id=stored.source_id, name=stored.source_name, url=stored.source_url),
        original=Original(
            language=stored.language,
            title=stored.title,
            author=stored.author,
            published_at=stored.published_at,
            updated_at=stored.source_updated_at,
            blocks=text_blocks(stored.blocks),
        ),
        section=stored.section,
        tags=stored.tags,
        story_id=stored.story_id,
        first_published_at=stored.first_published_at,
        updated_at=stored.updated_at,
        translations=translations,
    )


def _held(include_held: bool) -> tuple[str, ...]:
    return (TranslationStatus.HELD,) if include_held else ()


def article_record(
    site: Site, article_id: int, *, include_held: bool = False
) -> ArticleRecord | None:
    """The record of one article; None when it is unknown, not published or taken down.

    Its translations are those the site shows ("translated"); with `include_held`
    those held for review too, with their status "held".
    """
    query = RecordQuery(
        editions=tuple(site.config.languages), extra_statuses=_held(include_held), ids=(article_id,)
    )
    with site.sessions() as session:
        found = article_batch(session, query, after_id=0, limit=1)
    return _record(found[0], site.config.base_url) if found else None


def iter_article_records(
    site: Site,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    edition: str | None = None,
    section: str | None = None,
    source_id: int | None = None,
    language: str | None = None,
    story_id: int | None = None,
    tag: str | None = None,
    include_held: bool = False,
    batch: int = BATCH,
) -> Iterator[ArticleRecord]:
    """Every published article matching the filters, by id (each exactly once).

    `since` and `until` bound when this site first published it (`since` included,
    `until` not; aware datetimes); `edition`: shown in that edition; `language`: the
    original's language; `tag`: a tag slug. Raises UnknownEditionError for an edition
    the site does not have, before anything is read.
    """
    editions = tuple(site.config.languages)
    if edition is not None and edition not in editions:
        raise UnknownEditionError(
            f"no edition {edition!r}: the site's editions are {', '.join(editions)}"
        )
    for name, when in (("since", since), ("until", until)):
        if when is not None and when.tzinfo is None:
            raise InputError(f"{name} needs a time zone: {when.isoformat()}")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    query = RecordQuery(
        editions=editions,
        extra_statuses=_held(include_held),
        edition=edition,
        since=since,
        until=until,
        section=section,
        source_id=source_id,
        language=language,
        story_id=story_id,
        tag=tag,
    )
    return _walk(site, query, batch)


def _walk(site: Site, query: RecordQuery, batch: int) -> Iterator[ArticleRecord]:
    base_url = site.config.base_url
    after = 0
    while True:
        # One short session a batch: nothing stays open while the caller writes.
        with site.sessions() as session:
            found = article_batch(session, query, after_id=after, limit=batch)
        for stored in found:
            yield _record(stored, base_url)
        if len(found) < batch:
            return
        after = found[-1].id
