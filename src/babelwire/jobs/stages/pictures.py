"""Pictures: each extracted article's lead image fetched, re-encoded and stored in the
site's media folder, and its alt text translated with the article.

The extract stage notes the picture a page names (`note_picture`, in the article's
own transaction) and then fetches what it noted (`fetch_pictures`), so both runners
do it as part of extraction. A picture that cannot be had is recorded on its link
(state failed, with the reason) and the article goes on without it: a picture never
fails an article.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from babelwire.failure import describe_error
from babelwire.model import ExtractedArticle, ImageState
from babelwire.newsroom import Newsroom, source_allowance
from babelwire.pipeline.fetch.guard import allowed
from babelwire.pipeline.images.encode import ImageRefused, encode_image
from babelwire.pipeline.images.fetch import ImageFetchError, fetch_image
from babelwire.pipeline.images.store import MediaFolder
from babelwire.pipeline.translate.article import PathSettings, Route, SourceText, translate_texts
from babelwire.pipeline.translate.engine import EngineError
from babelwire.storage import Session, articles, images
from babelwire.storage.columns import fits
from babelwire.storage.database import is_database_failure
from babelwire.storage.tables import ArticleImageRow, ArticleRow

logger = logging.getLogger(__name__)

# Tries before a picture that fails (a timeout, a 503) is given up on.
MAX_PICTURE_TRIES = 3


@dataclass(slots=True)
class PictureResult:
    """What a round of picture fetching did."""

    stored: list[int] = field(default_factory=list)  # articles whose picture is now stored
    failed: dict[int, str] = field(default_factory=dict)  # article -> why its picture failed
    bytes_in: int = 0  # bytes fetched
    bytes_out: int = 0  # bytes written to the media folder


def pictures_wanted(newsroom: Newsroom, article: ArticleRow) -> bool:
    """Whether the site and the article's source show pictures."""
    return newsroom.config.settings.images.enabled and article.source.images


def note_picture(
    newsroom: Newsroom, session: Session, article: ArticleRow, extracted: ExtractedArticle
) -> None:
    """Record the lead picture the article's page named, to be fetched (or not, when
    pictures are off for the site or its source)."""
    url = extracted.image or article.image
    if not url or not fits(url, ArticleImageRow.url):
        return
    state = ImageState.PENDING if pictures_wanted(newsroom, article) else ImageState.OFF
    images.note_lead(session, article.id, url, extracted.image_alt, state)


def fetch_pictures(newsroom: Newsroom, article_ids: Sequence[int]) -> PictureResult:
    """Fetch, re-encode and store the pending pictures of these articles, each in a
    transaction of its own; a failure is recorded on the picture, never on the article."""
    result = PictureResult()
    with newsroom.sessions() as session:
        links = images.pending_links(session, article_ids)
        pending = [(link.id, link.article_id) for link in links]
    for link_id, article_id in pending:
        try:
            _fetch_one(newsroom, link_id, result)
        except Exception as exc:
            if is_database_failure(exc):
                raise
            # A bug met by one hostile file must not stop the others, nor the article.
            logger.warning(
                "picture of article %d raised %s",
                article_id,
                describe_error(exc),
                extra={"article_id": article_id},
            )
            _record_failure(newsroom, link_id, describe_error(exc), result, final=True)
    return result


def _fetch_one(newsroom: Newsroom, link_id: int, result: PictureResult) -> None:
    settings = newsroom.config.settings.images
    with newsroom.sessions() as session:
        link = session.get(ArticleImageRow, link_id)
        if link is None or link.state != ImageState.PENDING:
            return
        article = articles.load_article(session, link.article_id)
        if article is None:
            return
        if not pictures_wanted(newsroom, article):
            link.state, link.reason = ImageState.OFF, "pictures are off"
            session.commit()
            return
        url, allowance = link.url, source_allowance(article.source)
    try:
        # Fetched for the article's source, with that source's allowance only.
        with allowed(allowance):
            fetched = fetch_image(newsroom.image_fetcher, newsroom.robots, url)
        digest = hashlib.sha256(fetched.data).hexdigest()
        encoded = None
        with newsroom.sessions() as session:
            known = images.image_row(session, digest) is not None
        if not known:
            encoded = encode_image(
                fetched.data,
                newsroom.config.image_widths,
                max_pixels=settings.max_pixels,
                quality=settings.quality,
            )
    except (ImageFetchError, ImageRefused) as exc:
        final = isinstance(exc, ImageRefused) or exc.final
        _record_failure(newsroom, link_id, str(exc), result, final=final)
        return
    written = 0
    if encoded is not None:
        written = MediaFolder(newsroom.config.media_dir).write(digest, encoded.renditions)
    with newsroom.sessions() as session:
        link = session.get(ArticleImageRow, link_id)
        if link is None:
            return
        if encoded is not None and images.image_row(session, digest) is None:
            images.add_image(
                session,
                digest,
                width=encoded.width,
                height=encoded.height,
                sizes=encoded.sizes,
                bytes_in=len(fetched.data),
                bytes_out=encoded.bytes_out,
            )
        link.digest, link.state, link.reason = digest, ImageState.STORED, ""
        session.commit()
        result.stored.append(link.article_id)
    result.bytes_in += len(fetched.data)
    result.bytes_out += written


def _record_failure(
    newsroom: Newsroom, link_id: int, reason: str, result: PictureResult, *, final: bool
) -> None:
    """The picture failed: tried again on a later pass unless `final` or out of tries."""
    with newsroom.sessions() as session:
        link = session.get(ArticleImageRow, link_id)
        if link is None:
            return
        link.tries += 1
        link.reason = reason[:2000]
        if final or link.tries >= MAX_PICTURE_TRIES:
            link.state = ImageState.FAILED
        result.failed[link.article_id] = link.reason
        session.commit()
    logger.info("picture of article %d: %s", link.article_id, reason[:300])


def translate_alt_texts(
    session: Session,
    groups: dict[tuple[str, str], list[ArticleRow]],
    routes: dict[tuple[str, str], list[Route]],
    settings: PathSettings,
) -> None:
    """Translate the alt text of these articles' lead pictures, one batch per language
    pair by its first route; what an engine fails on keeps the source's words."""
    for (source, target), members in groups.items():
        links = [
            link
            for article in members
            if (link := images.lead_link(session, article.id)) is not None and link.alt.strip()
        ]
        if not links or not routes.get((source, target)):
            continue
        texts = [SourceText(link.alt, []) for link in links]
        try:
            done = translate_texts(routes[(source, target)][0], texts, settings=settings)
        except EngineError as exc:
            logger.info("alt texts %s -> %s not translated: %s", source, target, exc)
            continue
        for link, output in zip(links, done, strict=True):
            link.alt_translations = {**(link.alt_translations or {}), target: output.article.title}
