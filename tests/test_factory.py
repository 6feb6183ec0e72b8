"""The tests' row factory makes rows the real schema accepts, on each database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from babelwire.storage.tables import ArticleRow, EntryRow, TranslationRow
from tests.factory import (
    make_article,
    make_entry,
    make_source,
    make_translation,
    small_site,
)


def test_factory_rows_are_stored_with_their_defaults(tmp_path: Path, database_url: str) -> None:
    with small_site(tmp_path / "site", database_url=database_url) as newsroom:
        assert newsroom.config.languages == ["es", "en"]
        with newsroom.sessions.begin() as session:
            source = make_source(session, language="ca")
            published = make_article(session, source)
            draft = make_article(session, source, stage="extracted")
            make_translation(session, published, "en")
            make_translation(session, published, "ca", "original")
            make_entry(session, source, article_id=published.id)
            make_entry(session, source)
            ids = (published.id, draft.id)
        with newsroom.sessions() as session:
            first, second = (session.get(ArticleRow, n) for n in ids)
            assert first is not None and second is not None
            assert (first.language, second.language) == ("ca", "ca")  # the source's language
            assert first.canonical_url != second.canonical_url
            assert first.first_published_at is not None  # published
            assert second.first_published_at is None
            translations = {
                t.language: t
                for t in session.scalars(
                    select(TranslationRow).where(TranslationRow.article_id == first.id)
                )
            }
            assert translations["en"].engine == "apertium"
            assert translations["en"].article_version == first.version == 1
            assert translations["ca"].engine == "" and translations["ca"].title == first.title
            entries = session.scalars(select(EntryRow).order_by(EntryRow.id)).all()
            assert [e.article_id for e in entries] == [first.id, None]
            assert entries[0].guid != entries[1].guid
