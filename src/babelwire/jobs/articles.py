"""The article stages as use cases over stored state: extract, translate, publish.

Each takes article ids, works only on articles at the stage before its own (so
running it twice changes nothing), and records its result and the stage reached
on the article in the same transaction. A failure is written on the article and
the other articles go on.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.jobs.newsroom import Newsroom
from babelwire.model import Block, ExtractedArticle, FeedEntry, Stage, TranslatedArticle
from babelwire.pipeline.classify.sections import choose_section
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.extract.article import ExtractionError, article_from_feed, extract_article
from babelwire.pipeline.fetch.http import FetchError
from babelwire.pipeline.language.detect import detect_language
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engine import Engine, EngineError
from babelwire.storage.tables import ArticleRow, EntryRow, TranslationRow

MAX_ATTEMPTS = 3
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


@dataclass(slots=True)
class StageResult:
    """Which articles a stage moved on, which failed (and why), and what it cost."""

    done: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    words: int = 0
    engine_seconds: float = 0.0


def content_hash(title: str, blocks: Sequence[Block]) -> str:
    text = "\n".join([title, *(f"{b.kind.value}:{b.text}" for b in blocks)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def blocks_of(rows: Iterable[dict[str, str]]) -> list[Block]:
    return [Block.from_json(r) for r in rows]


def _fail(article: ArticleRow, error: str, result: StageResult) -> None:
    """Record a failure; the article is retried on later runs until MAX_ATTEMPTS."""
    article.attempts += 1
    article.error = error
    if article.attempts >= MAX_ATTEMPTS:
        article.stage = Stage.FAILED.value
    result.failed[article.id] = error


# --- extract ---------------------------------------------------------------------------


def extract_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """Fetch and extract each DISCOVERED article, detect its language, store its text."""
    result = StageResult()
    for article_id in article_ids:
        with newsroom.sessions() as session:
            article = session.get(ArticleRow, article_id)
            if article is None or article.stage != Stage.DISCOVERED.value:
                continue
            _extract_one(newsroom, session, article, result)
            session.commit()
    return result


def _entry_for(session: Session, article: ArticleRow) -> FeedEntry | None:
    row = session.scalar(
        select(EntryRow)
        .where(EntryRow.article_id == article.id, EntryRow.source_id == article.source_id)
        .order_by(EntryRow.last_seen.desc())
        .limit(1)
    )
    if row is None:
        return None
    return FeedEntry(
        guid=row.guid,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content_html=row.content_html,
        author=row.author,
        published=row.published,
        updated=row.updated,
    )


def _fetch_and_extract(newsroom: Newsroom, url: str) -> tuple[ExtractedArticle | None, str]:
    if not newsroom.config.get("fetch.fetch_pages"):
        return None, "page fetching is off"
    refusal = newsroom.robots.check(url)
    if refusal:
        return None, refusal
    try:
        page = newsroom.fetcher.fetch(url, accept=PAGE_ACCEPT)
        return extract_article(page.content, page.final_url), ""
    except (FetchError, ExtractionError) as exc:
        return None, f"page {url}: {exc}"


def _extract_one(
    newsroom: Newsroom, session: Session, article: ArticleRow, result: StageResult
) -> None:
    entry = _entry_for(session, article)
    extracted, problem = _fetch_and_extract(newsroom, article.url)
    if extracted is None and entry is not None:
        try:
            extracted = article_from_feed(entry)
        except ExtractionError as exc:
            problem = f"{problem}; feed text: {exc}"
    if extracted is None:
        _fail(article, problem or "no text found", result)
        return
    title = extracted.title or (entry.title if entry else "") or article.title
    blocks = [b for b in extracted.blocks if b.text.strip()]
    if not blocks:
        _fail(article, "extracted article has no text", result)
        return
    source = article.source
    guess = detect_language(
        " ".join([title, *(b.text for b in blocks[:20])]), declared=source.language
    )
    accepted = newsroom.config.get("site.source_languages")
    if accepted and guess.code not in accepted:
        article.stage = Stage.FAILED.value
        article.error = f"language {guess.code} is not among site.source_languages {accepted}"
        result.failed[article.id] = article.error
        return
    digest = content_hash(title, blocks)
    now = utcnow()
    article.fetched_at = now
    article.error = problem if extracted.from_feed else None
    article.attempts = 0
    if digest == article.content_hash:
        # Seen before and unchanged: go back to where the article was.
        article.stage = (
            Stage.PUBLISHED.value if article.first_published_at else Stage.EXTRACTED.value
        )
        result.unchanged.append(article.id)
        return
    canonical = canonical_url(extracted.canonical_url) if extracted.canonical_url else ""
    if canonical and canonical != article.canonical_url:
        taken = session.scalar(
            select(ArticleRow.id).where(
                ArticleRow.canonical_url == canonical, ArticleRow.id != article.id
            )
        )
        if taken is None:
            article.canonical_url = canonical
    article.title = title
    article.blocks = [b.to_json() for b in blocks]
    article.author = extracted.author or article.author
    article.image = extracted.image or article.image
    article.published_at = article.published_at or extracted.published
    article.extractor = extracted.extractor
    article.from_feed = extracted.from_feed
    article.language = guess.code
    article.language_confidence = guess.confidence
    article.language_method = guess.method
    article.content_hash = digest
    if article.first_published_at is not None:
        article.updated_at = now
    article.version += 1
    article.stage = Stage.EXTRACTED.value
    result.done.append(article.id)


# --- translate -------------------------------------------------------------------------


def translate_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """Translate EXTRACTED articles into every edition's language, many per engine batch."""
    result = StageResult()
    targets = newsroom.config.languages
    batch_size = max(1, int(newsroom.config.get("translation.batch_articles")))
    with newsroom.sessions() as session:
        articles = [
            a
            for a in session.scalars(
                select(ArticleRow)
                .where(ArticleRow.id.in_(article_ids))
                .where(ArticleRow.stage == Stage.EXTRACTED.value)
                .order_by(ArticleRow.id)
            )
        ]
        groups: dict[tuple[str, str], list[ArticleRow]] = defaultdict(list)
        for article in articles:
            source_language = article.language or "und"
            for target in targets:
                if source_language == target:
                    _store_original(session, article)
                    continue
                engine = newsroom.translators.for_pair(source_language, target)
                if engine is None:
                    _store_skipped(
                        session,
                        article,
                        target,
                        f"no installed engine translates {source_language} -> {target}",
                    )
                    continue
                groups[(source_language, target)].append(article)
        session.commit()
        errors: dict[int, str] = {}
        for (source_language, target), members in groups.items():
            engine = newsroom.translators.for_pair(source_language, target)
            assert engine is not None
            for start in range(0, len(members), batch_size):
                chunk = members[start : start + batch_size]
                _translate_chunk(session, engine, chunk, source_language, target, result, errors)
                session.commit()
        for article in articles:
            if article.id in errors:
                _fail(article, errors[article.id], result)
            else:
                article.stage = Stage.TRANSLATED.value
                article.error = article.error if article.from_feed else None
                result.done.append(article.id)
        session.commit()
    return result


def _translate_chunk(
    session: Session,
    engine: Engine,
    chunk: list[ArticleRow],
    source: str,
    target: str,
    result: StageResult,
    errors: dict[int, str],
) -> None:
    """One batch for many articles; if the engine fails, retry one by one to find the culprit."""
    texts = [SourceText(a.title, blocks_of(a.blocks)) for a in chunk]
    started = time.perf_counter()
    try:
        outputs = translate_texts(engine, texts, source, target)
    except EngineError:
        outputs = []
    result.engine_seconds += time.perf_counter() - started
    if outputs:
        for article, text, output in zip(chunk, texts, outputs, strict=True):
            _store_translation(session, article, output, engine)
            result.words += text.word_count
        return
    for article, text in zip(chunk, texts, strict=True):
        started = time.perf_counter()
        try:
            (output,) = translate_texts(engine, [text], source, target)
        except EngineError as exc:
            errors[article.id] = f"{engine.name} {source}->{target}: {exc}"
            continue
        finally:
            result.engine_seconds += time.perf_counter() - started
        _store_translation(session, article, output, engine)
        result.words += text.word_count


def _translation_row(session: Session, article: ArticleRow, language: str) -> TranslationRow:
    row = session.scalar(
        select(TranslationRow).where(
            TranslationRow.article_id == article.id, TranslationRow.language == language
        )
    )
    if row is None:
        row = TranslationRow(article_id=article.id, language=language, created_at=utcnow())
        session.add(row)
    row.updated_at = utcnow()
    row.article_version = article.version
    return row


def _store_translation(
    session: Session, article: ArticleRow, output: TranslatedArticle, engine: Engine
) -> None:
    row = _translation_row(session, article, output.language)
    row.status = "translated"
    row.reason = None
    row.title = output.title
    row.blocks = [b.to_json() for b in output.blocks]
    row.engine = output.engine
    row.engine_version = output.engine_version
    pair_version = getattr(engine, "pair_version", None)
    row.model_version = (
        str(pair_version(article.language or "", output.language)) if pair_version else ""
    )
    row.unknown_words = output.unknown_words
    row.flags = list(output.flags)


def _store_original(session: Session, article: ArticleRow) -> None:
    row = _translation_row(session, article, article.language or "und")
    row.status = "original"
    row.reason = "the article is already in this language"
    row.title = article.title
    row.blocks = list(article.blocks)
    row.engine = ""
    row.engine_version = ""
    row.model_version = ""
    row.unknown_words = 0
    row.flags = []


def _store_skipped(session: Session, article: ArticleRow, language: str, reason: str) -> None:
    row = _translation_row(session, article, language)
    row.status = "skipped"
    row.reason = reason
    row.title = ""
    row.blocks = []
    row.engine = ""
    row.flags = []


# --- publish ---------------------------------------------------------------------------


def publish_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """File TRANSLATED articles under a section and make them visible on the site."""
    result = StageResult()
    config = newsroom.config
    with newsroom.sessions() as session:
        for article in session.scalars(
            select(ArticleRow)
            .where(ArticleRow.id.in_(article_ids))
            .where(ArticleRow.stage == Stage.TRANSLATED.value)
        ):
            blocks = blocks_of(article.blocks)
            choice = choose_section(
                source_section=article.source.section,
                rules=config.sections,
                texts=[article.title, article.title, *(b.text for b in blocks)],
                default=str(config.get("sections.default")),
            )
            article.section = choice.slug
            article.section_reason = choice.reason[:300]
            if article.first_published_at is None:
                article.first_published_at = utcnow()
            article.stage = Stage.PUBLISHED.value
            result.done.append(article.id)
        session.commit()
    return result


def pending_article_ids(newsroom: Newsroom, stage: Stage) -> list[int]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(
                select(ArticleRow.id).where(ArticleRow.stage == stage.value).order_by(ArticleRow.id)
            )
        )
