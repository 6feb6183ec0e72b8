"""The database tables. Unique keys are what make every stage safe to run twice.

Why one module over 500 lines: it is the one metadata Alembic and the index tests
compare with the migrations; the tables are declarations, read as the schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from babelwire.clock import utcnow
from babelwire.model import Stage


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(utcnow().tzinfo)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=utcnow().tzinfo)
        return value.astimezone(utcnow().tzinfo)


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    """A feed, sitemap or page the operator asked babelwire to follow."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(16))
    section: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # False: paused, not polled
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    etag: Mapped[str | None] = mapped_column(String(1024))
    last_modified: Mapped[str | None] = mapped_column(String(200))
    feed_title: Mapped[str | None] = mapped_column(String(500))
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="feed", server_default="feed")
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    poll_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # A preferred source's near-duplicates are published all the same.
    preferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The adaptive interval's bounds for this source; None keeps the site's.
    min_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    max_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    # False: its articles' pictures are never fetched nor shown (the rights are not ours).
    images: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class EntryRow(Base):
    """One item of a source's feed; points at the article it announced."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("source_id", "guid", name="uq_entries_source_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content_html: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleRow(Base):
    """The original article: its text with structure, language and how far it has gone."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_stage", "stage"),
        # A source's articles, whatever their stage (the desk's source page and filters).
        Index("ix_articles_source_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    author: Mapped[str] = mapped_column(String(300), default="")
    image: Mapped[str] = mapped_column(String(2048), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    # "declared", "detected" or "overridden" (pipeline/language/decide.py)
    language_method: Mapped[str | None] = mapped_column(String(16))
    # What the source declared when the article was extracted (None: nothing).
    declared_language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    extractor: Mapped[str] = mapped_column(String(100), default="")
    from_feed: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str] = mapped_column(String(16), default=Stage.DISCOVERED)  # a Stage
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str | None] = mapped_column(String(100))
    section_reason: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The latest fetch of its page (the duplicate window reads it); first_fetched_at below.
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Freshness, each set once by the stage that does the work and never moved after:
    # first seen in a source's feed, sitemap or page; its page first fetched; its text
    # first stored; the first static build that wrote its page finished (never set on a
    # site that is only served, where first_published_at is when it went live).
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    # A near-duplicate names the article it copies and is never listed on the site
    # (first_published_at stays empty) unless its source is preferred.
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When the article joined its story: the stories' sequence number at that moment
    # (StoryRow.seq), so another process can catch up with what it has not seen.
    story_seq: Mapped[int | None] = mapped_column(Integer, index=True)

    source: Mapped[SourceRow] = relationship(lazy="joined")
    translations: Mapped[list[TranslationRow]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin"
    )


class TranslationRow(Base):
    """An article in one edition's language, with the engine that wrote it."""

    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("article_id", "language", name="uq_translations_article_language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    # a TranslationStatus: translated, original, held or skipped (reason says why)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    engine: Mapped[str] = mapped_column(String(100), default="")
    engine_version: Mapped[str] = mapped_column(String(100), default="")
    model_version: Mapped[str] = mapped_column(String(200), default="")
    unknown_words: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    article_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Provenance and quality ("held" status: below the quality threshold, kept for review)
    quality: Mapped[float | None] = mapped_column(Float)
    pivot: Mapped[str] = mapped_column(String(100), default="")
    glossary_version: Mapped[str] = mapped_column(String(64), default="")
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    translated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When this edition first had a text (translated, held or the original), never moved
    # by a retranslation (translated_at is the current text's).
    first_translated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised on every change of the text (by an engine or a person): an edit names the
    # revision it was made on, so one made on an older text is refused.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who revised the machine's text last (a user name), and the name readers may see;
    # both NULL while the text is the machine's.
    revised_by: Mapped[str | None] = mapped_column(String(200))
    revised_by_display: Mapped[str | None] = mapped_column(String(300))
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shown although below the quality threshold: "low-confidence" (whole, with a
    # stronger notice) or "summary" (title and summary only); "" otherwise.
    published_as: Mapped[str] = mapped_column(String(20), default="", server_default="")

    article: Mapped[ArticleRow] = relationship(back_populates="translations")


class TranslationRevisionRow(Base):
    """One text a translation had (kind "machine", "human" or "restore", numbered as
    the translation's `revision`), or an editor's unpublished draft (kind "draft",
    numbered as the revision it was written on)."""

    __tablename__ = "translation_revisions"
    __table_args__ = (
        UniqueConstraint("translation_id", "kind", "number", name="uq_translation_revisions"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("translations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    who: Mapped[str] = mapped_column(String(200), default="")  # "" for the machine
    display_name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TranslationMemoryRow(Base):
    """A translated segment, reused whenever the same engine and model meet it again."""

    __tablename__ = "translation_memory"
    __table_args__ = (
        UniqueConstraint(
            "engine",
            "model_version",
            "source_language",
            "target_language",
            "key",
            name="uq_translation_memory_segment",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[str] = mapped_column(String(200))
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the normalised masked segment
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    unknown_words: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SectionRow(Base):
    """A section of the site, as configured; kept in the database for listing and links."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A person's name of the section per edition, shown instead of `names` there.
    edited_names: Mapped[dict[str, str] | None] = mapped_column(JSON)


# The site lists published articles newest first by the time readers see (the source's
# publication time, else this site's); these let a list page read only its own rows.
# The desk's title search reads these instead of the articles and translations, whose
# rows carry their whole text: on SQLite a scan of a title index is a tenth of a scan of
# the table. Not on PostgreSQL, whose B-tree entries stop at 2,704 bytes (a title of 1,000
# characters may be longer in UTF-8); a scan of its tables is what it does there.
# The review queue: the held few among every translation. Partial, so that it serves
# only queries asking for held ones: an index on every status made SQLite read an
# edition's lists through it and sort them whole (storage/translations.is_held).
Index(
    "ix_translations_held",
    TranslationRow.article_id,
    sqlite_where=TranslationRow.status == literal_column("'held'"),
    postgresql_where=TranslationRow.status == literal_column("'held'"),
)
Index("ix_articles_title", ArticleRow.title).ddl_if(dialect="sqlite")
Index("ix_translations_title", TranslationRow.title, TranslationRow.article_id).ddl_if(
    dialect="sqlite"
)
Index(
    "ix_articles_published_section_shown",
    ArticleRow.section,
    func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at),
    ArticleRow.id,
    sqlite_where=ArticleRow.first_published_at.is_not(None),
    postgresql_where=ArticleRow.first_published_at.is_not(None),
)
Index(
    "ix_articles_published_shown",
    func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at),
    ArticleRow.id,
    sqlite_where=ArticleRow.first_published_at.is_not(None),
    postgresql_where=ArticleRow.first_published_at.is_not(None),
)
Index(
    "ix_articles_published_source_shown",
    ArticleRow.source_id,
    func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at),
    ArticleRow.id,
    sqlite_where=ArticleRow.first_published_at.is_not(None),
    postgresql_where=ArticleRow.first_published_at.is_not(None),
)


class ImageRow(Base):
    """A picture stored in the site's media folder, named by the SHA-256 of the bytes
    fetched: the same image named by two articles is stored once."""

    __tablename__ = "images"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    width: Mapped[int] = mapped_column(Integer)  # of the image as decoded (upright)
    height: Mapped[int] = mapped_column(Integer)
    # [[width, height], ...] of the files stored, smallest first: each a WebP and a JPEG.
    sizes: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    bytes_in: Mapped[int] = mapped_column(BigInteger, default=0)  # the file fetched
    bytes_out: Mapped[int] = mapped_column(BigInteger, default=0)  # every file stored
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleImageRow(Base):
    """A picture an article's page named (position 0: its lead image), and what became
    of it: a failure is recorded here and never fails the article."""

    __tablename__ = "article_images"
    __table_args__ = (
        UniqueConstraint("article_id", "position", name="uq_article_images_article_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2048))
    alt: Mapped[str] = mapped_column(Text, default="")  # as the source wrote it
    # The alt text in each edition's language that has its own ({"es": "..."}).
    alt_translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    digest: Mapped[str | None] = mapped_column(String(64), index=True)  # ImageRow, once stored
    state: Mapped[str] = mapped_column(String(16), index=True)  # an ImageState
    reason: Mapped[str] = mapped_column(Text, default="")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TombstoneRow(Base):
    """A URL taken down: never ingested again; its old site paths answer 410 Gone.

    One row per URL the article was known by (feed URL, canonical URL), so a
    source announcing it again under either is recognised.
    """

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int | None] = mapped_column(Integer, index=True)
    paths: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FetchLogRow(Base):
    """One poll of a source: what happened and what it brought."""

    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))  # ok, not_modified, error
    error: Mapped[str | None] = mapped_column(Text)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)


class StoryRow(Base):
    """Reports of one event from many sources and languages.

    `terms` keeps the story's strongest weighted terms (its centroid in the pivot
    language), so the clusterer continues the same stories after a restart.
    """

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    headline: Mapped[str] = mapped_column(Text, default="")
    headline_language: Mapped[str] = mapped_column(String(16), default="")
    central_article_id: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How close the central article was to the story when it joined (a later report
    # closer to the story becomes central).
    central_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # The sequence number of the story's last change: one counter for all stories,
    # raised under a lock by whoever assigns an article.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    # When its articles were reported (published by their sources): a story is open to
    # reports up to `stories.window_hours` before its first and after its last.
    # first_seen and last_seen are when this site saw its articles.
    first_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_stories_rank", StoryRow.source_count, StoryRow.last_seen)


class StoryHeadlineRow(Base):
    """A person's headline of a story in one edition, shown there instead of the machine's."""

    __tablename__ = "story_headlines"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    headline: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleBandRow(Base):
    """One LSH band of an article's MinHash fingerprint: copies share at least one.

    Looking up a new article's band keys finds the stored articles likely to be
    near-duplicates of it, without comparing against all of them.
    """

    __tablename__ = "article_bands"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


Index("ix_article_bands_key", ArticleBandRow.key)


class TagRow(Base):
    """A person, place or organisation that articles name; `names` maps language to name."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")  # person, place, org, other
    name: Mapped[str] = mapped_column(String(300))
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(16), default="gazetteer")  # or "recurring"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleTagRow(Base):
    """An article names a tag, so many times."""

    __tablename__ = "article_tags"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer, default=1)


Index("ix_article_tags_tag_id", ArticleTagRow.tag_id, ArticleTagRow.article_id)


class SectionLabelRow(Base):
    """The section an operator says an article belongs in: a training example."""

    __tablename__ = "section_labels"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    section: Mapped[str] = mapped_column(String(100))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskRunRow(Base):
    """One run of a stage over a batch: queued, running, done, failed, split or dead.

    Workers write a row when a task is sent and update it as it runs; the embedded
    runner writes one per stage and chunk. `babelwire status` reads them (tasks in
    flight, failures, the slowest stage) and the scheduler knows from them which
    work is already on its way.
    """

    __tablename__ = "task_runs"
    __table_args__ = (
        Index("ix_task_runs_stage_outcome", "stage", "outcome"),
        Index("ix_task_runs_enqueued_at", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    runner: Mapped[str] = mapped_column(String(16))  # "embedded" or "celery"
    stage: Mapped[str] = mapped_column(String(16))  # fetch, extract, translate, publish
    items: Mapped[list[int]] = mapped_column(JSON, default=list)  # source or article ids
    outcome: Mapped[str] = mapped_column(String(16))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)  # running time
    queue_seconds: Mapped[float | None] = mapped_column(Float)  # sent -> started
    done: Mapped[int] = mapped_column(Integer, default=0)  # items moved on
    failed: Mapped[int] = mapped_column(Integer, default=0)  # items that failed
    words: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # translated
    worker: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text)


class DeadLetterRow(Base):
    """A task that failed every try: kept for the operator to retry or drop."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    items: Mapped[list[int]] = mapped_column(JSON, default=list)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserRow(Base):
    """A person who may use the desk: a role and an argon2 password hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # a model.Role
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskSessionRow(Base):
    """A signed-in browser: the cookie carries the token, the row only its hash."""

    __tablename__ = "desk_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailureRow(Base):
    """A failed login, counted against its account and its address for a while."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # "account:NAME" or "address:IP"
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SiteSecretRow(Base):
    """A secret of the site made once (the desk's cookie signing key): in the database,
    so that every server process and host of one site signs alike."""

    __tablename__ = "site_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuditRow(Base):
    """A change made by a person, in the desk or with a command: who, what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)  # a user name, or cli:LOGIN
    via: Mapped[str] = mapped_column(String(16))  # desk, cli, api
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. source.add
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # before/after, small


class ApiTokenRow(Base):
    """A bearer token of the API: a name, a role and the sha256 of the secret (the
    secret itself is shown once, when it is made)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # a model.Role
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's first characters, to tell it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TranslationRunRow(Base):
    """One batch sent along one route (engine and language pair): what it cost.

    The translate stage writes one per batch in the transaction that stores its
    translations, on either runner, so `/metrics` can sum them: words and seconds per
    engine and pair, segments, and how many the translation memory answered.
    """

    __tablename__ = "translation_runs"
    __table_args__ = (
        Index("ix_translation_runs_route", "engine", "source_language", "target_language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    engine: Mapped[str] = mapped_column(String(100))  # "apertium", "apertium+argos" via a pivot
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    articles: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    memory_hits: Mapped[int] = mapped_column(Integer, default=0)
    engine_words: Mapped[int] = mapped_column(Integer, default=0)  # sent to the engines
    engine_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class PassRow(Base):
    """One pass of the embedded runner (`babelwire run`): when, how long, how it ended."""

    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    seconds: Mapped[float] = mapped_column(Float)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    articles: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)


class WebsubSubscriptionRow(Base):
    """A subscription to the WebSub hub a source's feed names (jobs/websub.py).

    `key` names it in the callback URL (/websub/KEY): random, so a subscription cannot
    be guessed from a source id; `secret` signs what the hub pushes. A removed source
    leaves its row (source_id NULL) until the hub has confirmed the unsubscription.
    """

    __tablename__ = "websub_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), unique=True
    )
    hub_url: Mapped[str] = mapped_column(String(2048))
    topic_url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(100))
    # The hub is on the host and port of a source added with --allow-private: its
    # requests may reach that private address (and no other), even once it is removed.
    private_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(16))  # a model.SubscriptionState
    requested_mode: Mapped[str] = mapped_column(String(16), default="")  # a SubscriptionMode
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a safety-net poll found entries the hub had not pushed.
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # requests failed in a row
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebsubPingRow(Base):
    """The last ping of the publisher hub for one of this site's feeds, and how it went."""

    __tablename__ = "websub_pings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_url: Mapped[str] = mapped_column(String(2048), unique=True)
    hub_url: Mapped[str] = mapped_column(String(2048))
    pinged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(Text, default="")


# `/metrics` counts polls per source, outcome and HTTP status, and the time from a
# source's publication to this site's, from these alone (index-only scans).
Index("ix_fetch_log_outcomes", FetchLogRow.source_id, FetchLogRow.outcome, FetchLogRow.http_status)
Index("ix_articles_live_delay", ArticleRow.first_published_at, ArticleRow.published_at)
