"""The extract stage: fetch each DISCOVERED article's page, extract its text, detect
its language, and store it, merging copies of an article already stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from babelwire.clock import utcnow
from babelwire.failure import describe_error
from babelwire.jobs.duplicates import prune_bands, record_and_find_original
from babelwire.jobs.stages.pictures import fetch_pictures, note_picture
from babelwire.jobs.stages.result import (
    MAX_ATTEMPTS,
    StageResult,
    fail_article,
    log_raised,
    record_failure,
)
from babelwire.jobs.stories import attach_copy, leave_story
from babelwire.model import BRIEF, Block, ExtractedArticle, FeedEntry, LanguageGuess, Stage, Step
from babelwire.newsroom import Newsroom, source_allowance
from babelwire.pipeline.bounds import bounded_article
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.extract.article import (
    ExtractionError,
    extract_article,
)
from babelwire.pipeline.extract.feed import article_brief, article_from_feed
from babelwire.pipeline.fetch.guard import allowed
from babelwire.pipeline.fetch.http import FetchError
from babelwire.pipeline.language.decide import LanguageRule, decide_language
from babelwire.pipeline.language.detect import detect_language, normalise_language_code
from babelwire.storage import Session, articles, entries
from babelwire.storage.columns import fits
from babelwire.storage.database import is_database_failure
from babelwire.storage.tables import ArticleRow

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
# The page is not coming back: a title-only entry is published as a brief at once.
GONE_STATUSES = (404, 410)


def content_hash(title: str, blocks: Sequence[Block]) -> str:
    text = "\n".join([title, *(f"{b.kind.value}:{b.text}" for b in blocks)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def extract_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """Fetch and extract each DISCOVERED article, detect its language, store its text."""
    result = StageResult()
    for article_id in article_ids:
        try:
            with newsroom.sessions() as session:
                article = articles.load_article(session, article_id)
                if article is None or article.stage != Stage.DISCOVERED.value:
                    continue
                _extract_one(newsroom, session, article, result)
                session.commit()
        except Exception as exc:
            if is_database_failure(exc):
                raise  # an outage, not this page's fault: the stage is tried again
            # One hostile page must not stop the others: what it wrote is rolled
            # back and the failure recorded on it alone.
            log_raised(
                f"extract of article {article_id}",
                exc,
                article_id=article_id,
                stage=Step.EXTRACT.value,
            )
            result.done = [i for i in result.done if i != article_id]
            result.unchanged = [i for i in result.unchanged if i != article_id]
            result.duplicates.pop(article_id, None)
            result.merged.pop(article_id, None)
            record_failure(newsroom, Step.EXTRACT, article_id, describe_error(exc), result)
    if result.done:
        with newsroom.sessions.begin() as session:
            prune_bands(session, float(newsroom.config.settings.stories.duplicate_hours))
        # Each picture fails on its own, recorded on it: never the article's failure.
        fetch_pictures(newsroom, result.done)
    return result


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
    entry = entries.latest_entry_of_article(session, article.id, article.source_id)
    fetch_began = utcnow()
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
        fail_article(session, article, Step.EXTRACT, problem or "no text found", result)
        return
    extracted, cut_note = bounded_article(extracted)
    title = extracted.title or (entry.title if entry else "") or article.title
    blocks = [b for b in extracted.blocks if b.text.strip()]
    if not blocks and extracted.extractor != BRIEF:
        fail_article(session, article, Step.EXTRACT, "extracted article has no text", result)
        return
    source = article.source
    guess = _article_language(newsroom, source.language, title, blocks)
    accepted = newsroom.config.settings.site.source_languages
    if accepted and guess.code not in accepted:
        article.stage = Stage.FAILED.value
        article.error = f"language {guess.code} is not among site.source_languages {accepted}"
        result.failed[article.id] = article.error
        return
    digest = content_hash(title, blocks)
    now = utcnow()
    article.fetched_at = now
    # First times only: a later pass (an updated entry, a retry) keeps them.
    article.first_fetched_at = article.first_fetched_at or fetch_began
    article.extracted_at = article.extracted_at or now
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
        taken = articles.other_article_at(session, canonical, article.id)
        if taken is None:
            article.canonical_url = canonical
        elif article.version == 0:
            # The page says it is an article we already have (rel=canonical, og:url):
            # its entries point there and this copy goes, before anything was published.
            entries.point_entries_at(session, article.id, taken)
            articles.remove_article(session, article)
            result.merged[article.id] = taken
            return
    article.title = title
    article.blocks = [b.to_json() for b in blocks]
    article.author = extracted.author or article.author  # within its column (bounds.py)
    if fits(extracted.image, ArticleRow.image):
        article.image = extracted.image or article.image
    note_picture(newsroom, session, article, extracted)
    article.published_at = article.published_at or extracted.published
    article.extractor = extracted.extractor
    article.from_feed = extracted.from_feed
    article.language = guess.code
    article.language_confidence = guess.confidence
    article.language_method = guess.method
    article.declared_language = normalise_language_code(source.language)
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


def _article_language(
    newsroom: Newsroom, declared: str | None, title: str, blocks: Sequence[Block]
) -> LanguageGuess:
    """The source's declared language, unless the article's own text says otherwise."""
    text = " ".join([title, *(b.text for b in blocks[:20])]).strip()
    site = newsroom.config.settings.site
    rule = LanguageRule(site.language_override_confidence, site.language_override_chars)
    return decide_language(declared, detect_language(text), len(text), rule)


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
