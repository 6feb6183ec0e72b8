"""A site whose published articles cover every field of the article record, for the
record's tests and the export's.

Editions en, es and ca at https://wire.example. What it holds (ids in `RecordSite`):

- `full`: Spanish, from source `es_source`, in section politics and a story, with
  two tags; its English translation was revised by a person, its Catalan one is held.
- `english`: English, from `en_source`, in section economy; translated into Spanish
  through a pivot; its Catalan translation was skipped.
- `catalan`: Catalan, shown in ca (original) and es (translated), published a day later.
- `taken_down`: was published, then taken down with the takedown job.
- `tombstoned`: still marked published, but a tombstone names it.
- `unpublished`: extracted, never published.
- `held_only`: German (no edition), its only translation held: shown nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babelwire.jobs.site import create_site
from babelwire.jobs.takedown import take_down
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleTagRow, StoryRow, TagRow, TombstoneRow
from tests.factory import make_article, make_source, make_translation

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE_URL = "https://wire.example"
EDITIONS = ("en", "es", "ca")


@dataclass
class RecordSite:
    newsroom: Newsroom
    root: Path
    es_source: int
    en_source: int
    story: int
    full: int
    english: int
    catalan: int
    taken_down: int
    tombstoned: int
    unpublished: int
    held_only: int

    @property
    def published(self) -> list[int]:
        """The articles a record exists for, by id."""
        return sorted([self.full, self.english, self.catalan])


def record_site(root: Path, database_url: str) -> RecordSite:
    """The site described above, open; the caller closes its newsroom."""
    create_site(
        root, title="Wire", base_url=BASE_URL, languages=EDITIONS, database_url=database_url
    )
    newsroom = Newsroom.open(root)
    with newsroom.sessions.begin() as session:
        es = make_source(
            session, language="es", name="Diario Ejemplo", url="https://diario.example/rss"
        )
        en = make_source(session, language="en", name="Daily Example", url="https://daily.example/")
        story = StoryRow(headline="Budget")
        tags = [
            TagRow(slug="ana-lopez", name="Ana López", kind="person"),
            TagRow(slug="barcelona", name="Barcelona", kind="place"),
        ]
        session.add_all([story, *tags])
        session.flush()

        full = make_article(
            session,
            es,
            url="https://diario.example/a/1?utm=x",
            canonical_url="https://diario.example/a/1",
            title="El Govern aprueba el presupuesto",
            author="Ana Pérez",
            blocks=[
                {"kind": "h", "text": "Presupuesto"},
                {"kind": "p", "text": "El Govern aprobó ayer el presupuesto."},
                {"kind": "quote", "text": "Es un buen día."},
            ],
            section="politics",
            story_id=story.id,
            published_at=T0 - timedelta(hours=2),
            source_updated_at=T0 - timedelta(hours=1),
            first_published_at=T0,
            updated_at=T0 + timedelta(minutes=30),
        )
        make_translation(session, full, "es", "original")
        make_translation(
            session,
            full,
            "en",
            title="The government approves the budget",
            blocks=[
                {"kind": "h", "text": "Budget"},
                {"kind": "p", "text": "The government approved the budget yesterday."},
                {"kind": "quote", "text": "It is a good day."},
            ],
            engine="apertium",
            engine_version="3.8.3",
            model_version="",
            glossary_version="g-2026-02",
            quality=0.91,
            flags=["untranslated_words"],
            revision=3,
            revised_by="maria",
            revised_by_display="María",
            revised_at=T0 + timedelta(minutes=20),
            translated_at=T0 - timedelta(minutes=5),
        )
        make_translation(
            session,
            full,
            "ca",
            "held",
            title="El Govern aprova el pressupost",
            blocks=[{"kind": "p", "text": "El Govern va aprovar."}],
            engine="apertium",
            engine_version="3.8.3",
            quality=0.31,
            flags=["too_short"],
            revision=1,
            translated_at=T0 - timedelta(minutes=4),
        )
        session.add_all(
            [
                ArticleTagRow(article_id=full.id, tag_id=tags[0].id, mentions=1),
                ArticleTagRow(article_id=full.id, tag_id=tags[1].id, mentions=4),
            ]
        )

        english = make_article(
            session,
            en,
            url="https://daily.example/markets",
            title="Markets rally",
            blocks=[{"kind": "p", "text": "Markets rallied."}],
            section="economy",
            first_published_at=T0 + timedelta(hours=1),
        )
        make_translation(session, english, "en", "original")
        make_translation(
            session,
            english,
            "es",
            title="Los mercados suben",
            blocks=[{"kind": "p", "text": "Los mercados subieron."}],
            engine="apertium+opus",
            engine_version="3.8.3;1.0",
            model_version=";opus-mt-en-ca",
            pivot="en>ca>es",
            quality=0.8,
            translated_at=T0 + timedelta(minutes=50),
        )
        make_translation(session, english, "ca", "skipped", reason="no engine")

        catalan = make_article(
            session,
            es,
            language="ca",
            url="https://diario.example/ca/2",
            title="Pluja a Girona",
            blocks=[{"kind": "p", "text": "Plou a Girona."}],
            section="politics",
            first_published_at=T0 + timedelta(days=1),
        )
        make_translation(session, catalan, "ca", "original")
        make_translation(session, catalan, "es", title="Lluvia en Girona")

        gone = make_article(session, es, section="politics", first_published_at=T0)
        make_translation(session, gone, "en")
        tombstoned = make_article(session, es, section="politics", first_published_at=T0)
        make_translation(session, tombstoned, "en")
        session.add(TombstoneRow(url=tombstoned.url, article_id=tombstoned.id, reason="legal"))
        unpublished = make_article(session, es, stage="extracted")
        make_translation(session, unpublished, "en")
        held_only = make_article(session, es, language="de", first_published_at=T0)
        make_translation(session, held_only, "en", "held")
        ids = {
            "full": full.id,
            "english": english.id,
            "catalan": catalan.id,
            "taken_down": gone.id,
            "tombstoned": tombstoned.id,
            "unpublished": unpublished.id,
            "held_only": held_only.id,
        }
        found = RecordSite(
            newsroom=newsroom,
            root=root,
            es_source=es.id,
            en_source=en.id,
            story=story.id,
            **ids,
        )
    take_down(newsroom, str(found.taken_down), "asked by the source")
    return found
