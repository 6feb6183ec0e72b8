"""Pictures: the stored images (by content hash) and what each article's page named."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select

from babelwire.clock import utcnow
from babelwire.model import ImageState
from babelwire.storage import Session
from babelwire.storage.published.views import Picture
from babelwire.storage.tables import ArticleImageRow, ArticleRow, ImageRow, SourceRow

LEAD = 0  # the position of an article's lead picture


def lead_link(session: Session, article_id: int) -> ArticleImageRow | None:
    return session.scalar(
        select(ArticleImageRow).where(
            ArticleImageRow.article_id == article_id, ArticleImageRow.position == LEAD
        )
    )


def note_lead(session: Session, article_id: int, url: str, alt: str, state: ImageState) -> None:
    """Record the picture an article's page names, to be fetched (PENDING) or not (OFF).

    The same picture already stored keeps its files and state (its alt text may change);
    another picture replaces it, and waits to be fetched."""
    link = lead_link(session, article_id)
    if link is None:
        link = ArticleImageRow(article_id=article_id, position=LEAD, tries=0, reason="")
        link.alt_translations = {}
        session.add(link)
    elif link.url == url and link.state == ImageState.STORED and state == ImageState.PENDING:
        if link.alt != alt:
            link.alt, link.alt_translations = alt, {}
        return
    link.url, link.alt, link.alt_translations = url, alt, {}
    link.digest = None
    link.state = state
    link.reason = "" if state == ImageState.PENDING else "pictures are off"
    link.tries = 0
    link.updated_at = utcnow()


def pending_links(session: Session, article_ids: Collection[int]) -> list[ArticleImageRow]:
    """The pictures of these articles waiting to be fetched."""
    if not article_ids:
        return []
    return list(
        session.scalars(
            select(ArticleImageRow)
            .where(
                ArticleImageRow.article_id.in_(article_ids),
                ArticleImageRow.state == ImageState.PENDING,
            )
            .order_by(ArticleImageRow.article_id, ArticleImageRow.position)
        )
    )


def image_row(session: Session, digest: str) -> ImageRow | None:
    return session.get(ImageRow, digest)


def add_image(
    session: Session,
    digest: str,
    *,
    width: int,
    height: int,
    sizes: list[list[int]],
    bytes_in: int,
    bytes_out: int,
) -> ImageRow:
    row = ImageRow(
        digest=digest,
        width=width,
        height=height,
        sizes=sizes,
        bytes_in=bytes_in,
        bytes_out=bytes_out,
        created_at=utcnow(),
    )
    session.add(row)
    return row


def remove_article_pictures(session: Session, article_ids: Collection[int]) -> list[str]:
    """Forget the pictures of these articles; returns the digests of the images no other
    article shows, whose rows are deleted too (their files are the caller's to delete)."""
    if not article_ids:
        return []
    digests = set(
        session.scalars(
            select(ArticleImageRow.digest).where(
                ArticleImageRow.article_id.in_(article_ids), ArticleImageRow.digest.is_not(None)
            )
        )
    )
    session.execute(delete(ArticleImageRow).where(ArticleImageRow.article_id.in_(article_ids)))
    if not digests:
        return []
    still = set(
        session.scalars(
            select(ArticleImageRow.digest).where(ArticleImageRow.digest.in_(digests)).distinct()
        )
    )
    gone = sorted(d for d in digests if d not in still and d is not None)
    if gone:
        session.execute(delete(ImageRow).where(ImageRow.digest.in_(gone)))
    return gone


def pictures_of(session: Session, language: str, article_ids: Sequence[int]) -> dict[int, Picture]:
    """The stored lead picture of each of these articles that has one, for edition
    `language`; none for a source whose pictures are off."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(
            ArticleImageRow.article_id,
            ArticleImageRow.alt,
            ArticleImageRow.alt_translations,
            ImageRow.digest,
            ImageRow.sizes,
            SourceRow.name,
        )
        .join(ImageRow, ImageRow.digest == ArticleImageRow.digest)
        .join(ArticleRow, ArticleRow.id == ArticleImageRow.article_id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(
            ArticleImageRow.article_id.in_(set(article_ids)),
            ArticleImageRow.position == LEAD,
            ArticleImageRow.state == ImageState.STORED,
            SourceRow.images.is_(True),
        )
    )
    found = {}
    for article_id, alt, translated, digest, sizes, source_name in rows:
        pairs = tuple((int(w), int(h)) for w, h in sizes or ())
        if not pairs:
            continue
        shown_alt = (translated or {}).get(language) or alt or ""
        found[article_id] = Picture(
            digest=digest,
            width=pairs[-1][0],
            height=pairs[-1][1],
            sizes=pairs,
            alt=shown_alt,
            credit=source_name,
        )
    return found


def stored_digests(session: Session, articles: Collection[int] | None = None) -> set[str]:
    """Every picture some article shows (a build copies their files), or those of
    `articles` only."""
    query = (
        select(ArticleImageRow.digest)
        .join(ArticleRow, ArticleRow.id == ArticleImageRow.article_id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(
            ArticleImageRow.state == ImageState.STORED,
            ArticleRow.first_published_at.is_not(None),
            SourceRow.images.is_(True),
        )
    )
    if articles is not None:
        query = query.where(ArticleRow.id.in_(list(articles)))
    return set(session.scalars(query.distinct()))


def image_totals(session: Session) -> tuple[int, int, int]:
    """(images stored, bytes fetched, bytes stored) over every stored image."""
    count, bytes_in, bytes_out = session.execute(
        select(
            func.count(ImageRow.digest),
            func.coalesce(func.sum(ImageRow.bytes_in), 0),
            func.coalesce(func.sum(ImageRow.bytes_out), 0),
        )
    ).one()
    return int(count), int(bytes_in), int(bytes_out)
