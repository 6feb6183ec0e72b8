"""The article stages as use cases over stored state: extract, translate, publish.

Each takes article ids, works only on articles at the stage before its own (so
running it twice changes nothing), and records its result and the stage reached
on the article in the same transaction. A failure is written on the article and
the other articles go on; an article that fails one stage on every try is
quarantined: marked failed and listed in the dead letters, where the operator
retries or drops it, as for a task the Celery workers gave up on.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.failure import describe_error
from babelwire.jobs.dead_letters import file_dead_letter, quarantine_letter_id
from babelwire.jobs.duplicates import prune_bands, record_and_find_original
from babelwire.jobs.newsroom import Newsroom, source_allowance
from babelwire.jobs.sections import Filing
from babelwire.jobs.stories import assign_stories, attach_copy, forget_desk, leave_story
from babelwire.jobs.tags import site_glossary
from babelwire.model import (
    BRIEF,
    Block,
    ExtractedArticle,
    FeedEntry,
    Stage,
    Step,
    TranslationStatus,
)
from babelwire.pipeline.bounds import bounded_article
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.extract.article import (
    ExtractionError,
    article_brief,
    article_from_feed,
    extract_article,
)
from babelwire.pipeline.fetch.guard import allowed
from babelwire.pipeline.fetch.http import FetchError
from babelwire.pipeline.language.detect import detect_language
from babelwire.pipeline.translate.article import (
    PathSettings,
    PathStats,
    Route,
    SourceText,
    Translation,
    translate_texts,
)
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.glossary import GlossaryError
from babelwire.storage.columns import fits
from babelwire.storage.memory import SqlMemory
from babelwire.storage.tables import ArticleRow, EntryRow, TranslationRow

MAX_ATTEMPTS = 3
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
# The page is not coming back: a title-only entry is published as a brief at once.
GONE_STATUSES = (404, 410)

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class StageResult:
    """Which articles a stage moved on, which failed (and why), and what it cost."""

    done: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)  # article -> the one it is a copy of
    duplicates: dict[int, int] = field(default_factory=dict)  # copy -> its original
    words: int = 0
    engine_words: int = 0  # words the engines translated (not found in memory)
    engine_seconds: float = 0.0
    segments: int = 0
    memory_hits: int = 0


def content_hash(title: str, blocks: Sequence[Block]) -> str:
    text = "\n".join([title, *(f"{b.kind.value}:{b.text}" for b in blocks)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def blocks_of(rows: Iterable[dict[str, str]]) -> list[Block]:
    return [Block.from_json(r) for r in rows]


def _fail(
    session: Session, article: ArticleRow, stage: str, error: str, result: StageResult
) -> None:
    """Record a failure; the article is retried on later runs until MAX_ATTEMPTS.

    Then it is quarantined: marked failed and filed in the dead letters in the
    same transaction, so the operator sees it and can send it back to `stage`.
    """
    article.attempts += 1
    article.error = error[:4000]
    if article.attempts >= MAX_ATTEMPTS:
        article.stage = Stage.FAILED.value
        file_dead_letter(
            session,
            task_id=quarantine_letter_id(stage, article.id),
            stage=stage,
            items=[article.id],
            tries=article.attempts,
            error=error,
        )
    result.failed[article.id] = error


def record_failure(
    newsroom: Newsroom, stage: str, article_id: int, error: str, result: StageResult
) -> None:
    """Record `error` on an article still waiting for `stage`, in a transaction of its own.

    For a failure the stage itself did not expect (it raised): whatever it had
    written was rolled back. If this cannot be written either, the database is
    what fails, and that is raised for the runner to see.
    """
    with newsroom.sessions() as session:
        article = session.get(ArticleRow, article_id)
        if article is None or article.stage != STEP_INPUT[stage].value:
            return
        _fail(session, article, stage, error, result)
        session.commit()


def run_stage_isolated(newsroom: Newsroom, stage: str, article_ids: Sequence[int]) -> StageResult:
    """Run an article stage on a batch; if it raises, run it on each article alone.

    The second line of defence for the embedded runner: whatever a hostile
    article makes the stage raise becomes that article's recorded failure
    ("ValueError: ..."), and the other articles of the batch go on. What the
    batch had committed before it raised is kept (every stage skips articles
    no longer at its input). KeyboardInterrupt and SystemExit are not caught.
    """
    function = ARTICLE_STEPS[stage]
    try:
        return function(newsroom, article_ids)
    except Exception:
        logger.warning("%s of %d articles raised; each alone now", stage, len(article_ids))
    result = StageResult()
    for article_id in article_ids:
        try:
            single = function(newsroom, [article_id])
        except Exception as exc:
            _log_raised(f"{stage} of article {article_id}", exc)
            record_failure(newsroom, stage, article_id, describe_error(exc), result)
            continue
        _merge(result, single)
    return result


def _log_raised(what: str, exc: Exception) -> None:
    """One line for the operator; the traceback, for a bug report, at debug level."""
    logger.warning("%s raised %s", what, describe_error(exc))
    logger.debug("%s raised", what, exc_info=exc)


def _merge(into: StageResult, other: StageResult) -> None:
    into.done += other.done
    into.unchanged += other.unchanged
    into.failed.update(other.failed)
    into.merged.update(other.merged)
    into.duplicates.update(other.duplicates)
    into.words += other.words
    into.engine_words += other.engine_words
    into.engine_seconds += other.engine_seconds
    into.segments += other.segments
    into.memory_hits += other.memory_hits


# --- extract ---------------------------------------------------------------------------


def extract_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """Fetch and extract each DISCOVERED article, detect its language, store its text."""
    result = StageResult()
    for article_id in article_ids:
        try:
            with newsroom.sessions() as session:
                article = session.get(ArticleRow, article_id)
                if article is None or article.stage != Stage.DISCOVERED.value:
                    continue
                _extract_one(newsroom, session, article, result)
                session.commit()
        except Exception as exc:
            # One hostile page must not stop the others: what it wrote is rolled
            # back and the failure recorded on it alone.
            _log_raised(f"extract of article {article_id}", exc)
            result.done = [i for i in result.done if i != article_id]
            result.unchanged = [i for i in result.unchanged if i != article_id]
            result.duplicates.pop(article_id, None)
            result.merged.pop(article_id, None)
            record_failure(newsroom, Step.EXTRACT, article_id, describe_error(exc), result)
    if result.done:
        with newsroom.sessions.begin() as session:
            prune_bands(session, float(newsroom.config.settings.stories.duplicate_hours))
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


@dataclass(frozen=True, slots=True)
class _Page:
    """What fetching and extracting an article's page gave."""

    extracted: ExtractedArticle | None
    problem: str = ""
    # No later try will get the page: the server says it is gone (404, 410), or
    # pages are not fetched at all.
    final: bool = False


def _fetch_and_extract(newsroom: Newsroom, url: str) -> _Page:
    if not newsroom.config.settings.fetch.fetch_pages:
        return _Page(None, "page fetching is off", final=True)
    refusal = newsroom.robots.check(url)
    if refusal:
        return _Page(None, refusal)
    try:
        page = newsroom.fetcher.fetch(url, accept=PAGE_ACCEPT)
        return _Page(extract_article(page.content, page.final_url))
    except FetchError as exc:
        return _Page(None, f"page {url}: {exc}", final=exc.status in GONE_STATUSES)
    except ExtractionError as exc:
        return _Page(None, f"page {url}: {exc}")


def _extract_one(
    newsroom: Newsroom, session: Session, article: ArticleRow, result: StageResult
) -> None:
    entry = _entry_for(session, article)
    # The page is fetched for the article's source, with that source's allowance only.
    with allowed(source_allowance(article.source)):
        page = _fetch_and_extract(newsroom, article.url)
    extracted, problem = page.extracted, page.problem
    if extracted is None and entry is not None:
        try:
            extracted = article_from_feed(entry)
        except ExtractionError as exc:
            problem = f"{problem}; feed text: {exc}"
    failed_for_good = page.final or article.attempts + 1 >= MAX_ATTEMPTS
    if extracted is None and failed_for_good and not article.blocks:
        # The page failed for good and the feed gave only a headline: publish
        # that as a brief (the page links the original) rather than nothing.
        # Text already published is kept instead: a brief would replace it.
        extracted = _brief(entry, article)
    if extracted is None:
        _fail(session, article, Step.EXTRACT, problem or "no text found", result)
        return
    extracted, cut_note = bounded_article(extracted)
    title = extracted.title or (entry.title if entry else "") or article.title
    blocks = [b for b in extracted.blocks if b.text.strip()]
    if not blocks and extracted.extractor != BRIEF:
        _fail(session, article, Step.EXTRACT, "extracted article has no text", result)
        return
    source = article.source
    guess = detect_language(
        " ".join([title, *(b.text for b in blocks[:20])]), declared=source.language
    )
    accepted = newsroom.config.settings.site.source_languages
    if accepted and guess.code not in accepted:
        article.stage = Stage.FAILED.value
        article.error = f"language {guess.code} is not among site.source_languages {accepted}"
        result.failed[article.id] = article.error
        return
    digest = content_hash(title, blocks)
    now = utcnow()
    article.fetched_at = now
    notes = (problem if extracted.from_feed else "", cut_note)
    article.error = "; ".join(n for n in notes if n) or None
    article.attempts = 0
    if digest == article.content_hash:
        # Seen before and unchanged: go back to where the article was.
        article.stage = _stage_reached(article)
        result.unchanged.append(article.id)
        return
    canonical = canonical_url(extracted.canonical_url) if extracted.canonical_url else ""
    if not fits(canonical, ArticleRow.canonical_url):
        canonical = ""  # no other page can claim this one with an address cut short
    if canonical and canonical != article.canonical_url:
        taken = session.scalar(
            select(ArticleRow.id).where(
                ArticleRow.canonical_url == canonical, ArticleRow.id != article.id
            )
        )
        if taken is None:
            article.canonical_url = canonical
        elif article.version == 0:
            # The page says it is an article we already have (rel=canonical, og:url):
            # its entries point there and this copy goes, before anything was published.
            session.execute(
                update(EntryRow).where(EntryRow.article_id == article.id).values(article_id=taken)
            )
            session.delete(article)
            result.merged[article.id] = taken
            return
    article.title = title
    article.blocks = [b.to_json() for b in blocks]
    article.author = extracted.author or article.author  # within its column (bounds.py)
    if fits(extracted.image, ArticleRow.image):
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
    # A published article keeps its place; its new fingerprint serves later copies.
    copy = record_and_find_original(
        session,
        article,
        title,
        blocks,
        digest,
        hours=float(newsroom.config.settings.stories.duplicate_hours),
        look=article.first_published_at is None,
    )
    if article.first_published_at is not None:
        return
    article.duplicate_of = copy.original_id if copy else None
    if copy is None:
        leave_story(session, article)  # if it was a copy before this change
        return
    result.duplicates[article.id] = copy.original_id
    attach_copy(session, article)
    article.stage = _stage_reached(article)


def _brief(entry: FeedEntry | None, article: ArticleRow) -> ExtractedArticle | None:
    """The article as a brief, when there is a headline to publish; else None."""
    if entry is None:
        entry = FeedEntry(guid=article.url, url=article.url, title=article.title)
    try:
        return article_brief(entry)
    except ExtractionError:
        return None


def _stage_reached(article: ArticleRow) -> str:
    """Where an extracted article rests: a copy is kept back unless its source is preferred."""
    if article.first_published_at is not None:
        return Stage.PUBLISHED.value
    if article.duplicate_of is not None and not article.source.preferred:
        return Stage.DUPLICATE.value
    return Stage.EXTRACTED.value


# --- translate -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gate:
    """The operator's quality threshold and what happens below it."""

    threshold: float
    retry: bool


def path_settings(newsroom: Newsroom, session: Session | None) -> PathSettings:
    """The site's translation path: protection, glossary, chunking and its memory."""
    config = newsroom.config
    glossary = site_glossary(config)  # with the gazetteer's names
    use_memory = config.settings.translation.memory and session is not None
    return PathSettings(
        kinds=tuple(config.settings.translation.protect),
        glossary=glossary,
        max_words=max(8, config.settings.translation.max_sentence_words),
        memory=SqlMemory(session) if use_memory and session is not None else None,
    )


def quality_gate(newsroom: Newsroom) -> Gate:
    action = newsroom.config.settings.translation.on_low_quality
    if action not in ("retry", "hold"):
        raise EngineError(f'translation.on_low_quality must be "retry" or "hold", not {action!r}')
    return Gate(newsroom.config.settings.translation.quality_threshold, action == "retry")


def translate_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """Translate EXTRACTED articles into every edition's language, many per engine batch."""
    result = StageResult()
    targets = newsroom.config.languages
    batch_size = max(1, newsroom.config.settings.translation.batch_articles)
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
        if not articles:
            return result
        try:
            settings = path_settings(newsroom, session)
            gate = quality_gate(newsroom)
        except (GlossaryError, EngineError) as exc:
            # The site's settings are wrong, not the articles: they wait, unchanged.
            for article in articles:
                article.error = f"translation settings: {exc}"
                result.failed[article.id] = article.error
            session.commit()
            return result
        groups: dict[tuple[str, str], list[ArticleRow]] = defaultdict(list)
        routes: dict[tuple[str, str], list[Route]] = {}
        for article in articles:
            source_language = article.language or "und"
            for target in targets:
                if source_language == target:
                    _store_original(session, article)
                    continue
                pair = (source_language, target)
                if pair not in routes:
                    routes[pair] = newsroom.translators.routes(source_language, target)
                if not routes[pair]:
                    _store_skipped(
                        session,
                        article,
                        target,
                        f"no installed engine translates {source_language} -> {target}, "
                        "directly or through a pivot language",
                    )
                    continue
                groups[pair].append(article)
        session.commit()
        errors: dict[int, str] = {}
        for pair, members in groups.items():
            for start in range(0, len(members), batch_size):
                chunk = members[start : start + batch_size]
                translate_chunk(session, routes[pair], chunk, settings, gate, result, errors)
                session.commit()
        for article in articles:
            if article.id in errors:
                _fail(session, article, Step.TRANSLATE, errors[article.id], result)
            else:
                article.stage = Stage.TRANSLATED.value
                article.error = article.error if article.from_feed else None
                result.done.append(article.id)
        session.commit()
    return result


def _run_route(
    route: Route,
    texts: list[SourceText],
    settings: PathSettings,
    result: StageResult,
) -> tuple[dict[int, Translation], dict[int, str]]:
    """Translate texts in one batch; if the engine fails, one by one to find the culprit."""
    stats = PathStats()
    done: dict[int, Translation] = {}
    failed: dict[int, str] = {}
    try:
        outputs = translate_texts(route, texts, settings=settings, stats=stats)
        done = dict(enumerate(outputs))
    except EngineError:
        for i, text in enumerate(texts):
            try:
                (done[i],) = translate_texts(route, [text], settings=settings, stats=stats)
            except EngineError as exc:
                failed[i] = f"{route.describe()}: {exc}"
    result.engine_seconds += stats.engine_seconds
    result.engine_words += stats.engine_words
    result.segments += stats.segments
    result.memory_hits += stats.memory_hits
    return done, failed


def translate_chunk(
    session: Session,
    routes: Sequence[Route],
    chunk: list[ArticleRow],
    settings: PathSettings,
    gate: Gate,
    result: StageResult,
    errors: dict[int, str],
) -> None:
    """Translate a chunk by the first route; what fails or scores low goes to the next."""
    texts = [SourceText(a.title, blocks_of(a.blocks)) for a in chunk]
    best: dict[int, Translation] = {}
    problems: dict[int, str] = {}
    pending = list(range(len(chunk)))
    for route in routes:
        done, failed = _run_route(route, [texts[i] for i in pending], settings, result)
        retry: list[int] = []
        for k, i in enumerate(pending):
            if k in failed:
                problems[i] = failed[k]
                retry.append(i)
                continue
            output = done[k]
            if i not in best or output.verdict.score > best[i].verdict.score:
                best[i] = output
            if output.verdict.score < gate.threshold and gate.retry:
                retry.append(i)
        pending = retry
        if not pending:
            break
    for i, article in enumerate(chunk):
        chosen = best.get(i)
        if chosen is None:
            errors[article.id] = problems.get(i, "no engine could translate the article")
            continue
        _store_translation(session, article, chosen, gate)
        result.words += texts[i].word_count


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
    session: Session, article: ArticleRow, output: Translation, gate: Gate
) -> None:
    translated = output.article
    verdict = output.verdict
    row = _translation_row(session, article, translated.language)
    if verdict.score >= gate.threshold:
        row.status = TranslationStatus.TRANSLATED
        row.reason = None
    else:
        row.status = TranslationStatus.HELD
        row.reason = f"quality {verdict.score:.2f} below {gate.threshold:.2f}: " + (
            ", ".join(verdict.flags) or "low score"
        )
    row.title = translated.title
    row.blocks = [b.to_json() for b in translated.blocks]
    row.engine = translated.engine
    row.engine_version = translated.engine_version
    row.model_version = output.route.model_version()[:200]
    row.unknown_words = translated.unknown_words
    row.flags = list(verdict.flags)
    row.quality = verdict.score
    row.pivot = output.route.pivot
    row.glossary_version = output.glossary_version
    row.checks = dict(verdict.details)
    row.translated_at = utcnow()


def _store_original(session: Session, article: ArticleRow) -> None:
    row = _translation_row(session, article, article.language or "und")
    row.status = TranslationStatus.ORIGINAL
    row.reason = "the article is already in this language"
    row.title = article.title
    row.blocks = list(article.blocks)
    row.engine = ""
    row.engine_version = ""
    row.model_version = ""
    row.unknown_words = 0
    row.flags = []
    _clear_provenance(row)


def _store_skipped(session: Session, article: ArticleRow, language: str, reason: str) -> None:
    row = _translation_row(session, article, language)
    row.status = TranslationStatus.SKIPPED
    row.reason = reason
    row.title = ""
    row.blocks = []
    row.engine = ""
    row.flags = []
    _clear_provenance(row)


def _clear_provenance(row: TranslationRow) -> None:
    row.quality = None
    row.pivot = ""
    row.glossary_version = ""
    row.checks = {}
    row.translated_at = None


# --- publish ---------------------------------------------------------------------------


def publish_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """File TRANSLATED articles under a section and make them visible on the site."""
    result = StageResult()
    filing = Filing.for_config(newsroom.config)
    with newsroom.sessions() as session:
        published = []
        for article in session.scalars(
            select(ArticleRow)
            .where(ArticleRow.id.in_(article_ids))
            .where(ArticleRow.stage == Stage.TRANSLATED.value)
        ):
            filing.file(session, article)  # tags, then the section (jobs/sections.py)
            if article.first_published_at is None:
                article.first_published_at = utcnow()
            article.stage = Stage.PUBLISHED.value
            result.done.append(article.id)
            published.append(article)
        session.flush()
        from babelwire.publish.search import index_articles

        index_articles(session, result.done)  # same transaction: searchable once visible
        assign_stories(newsroom, session, published)  # and in its story (jobs/stories.py)
        try:
            session.commit()
        except BaseException:
            forget_desk(newsroom)  # the cached stories are ahead of the database
            raise
    return result


def pending_article_ids(newsroom: Newsroom, stage: Stage) -> list[int]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(
                select(ArticleRow.id).where(ArticleRow.stage == stage.value).order_by(ArticleRow.id)
            )
        )


#: The article steps in order, each the function that runs it: `babelwire run` calls
#: them one after another, the Celery runner as the tasks of their queues.
ARTICLE_STEPS: dict[str, Callable[[Newsroom, Sequence[int]], StageResult]] = {
    Step.EXTRACT: extract_articles,
    Step.TRANSLATE: translate_articles,
    Step.PUBLISH: publish_articles,
}
#: The article stage each of them takes its work from.
STEP_INPUT: dict[str, Stage] = {
    Step.EXTRACT: Stage.DISCOVERED,
    Step.TRANSLATE: Stage.EXTRACTED,
    Step.PUBLISH: Stage.TRANSLATED,
}
