"""Queries on a translation's revisions: the texts it had, and an editor's draft.

Numbers follow the translation's `revision`: the row numbered n of kind "machine",
"human" or "restore" is the text the translation had at revision n. A draft (kind
"draft") is numbered as the revision it was written on; a translation has at most one.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.storage.tables import TranslationRevisionRow, TranslationRow

__all__ = [
    "DRAFT",
    "HUMAN",
    "MACHINE",
    "PUBLISHED_KINDS",
    "RESTORE",
    "add_revision",
    "claim_revision",
    "draft_of",
    "drop_drafts",
    "published_revision",
    "published_revisions",
]

MACHINE = "machine"
HUMAN = "human"
DRAFT = "draft"
RESTORE = "restore"
PUBLISHED_KINDS = (MACHINE, HUMAN, RESTORE)


def published_revisions(session: Session, translation_id: int) -> list[TranslationRevisionRow]:
    """The texts the translation had and that were kept, oldest first (no drafts)."""
    t = TranslationRevisionRow
    return list(
        session.scalars(
            select(t)
            .where(t.translation_id == translation_id, t.kind.in_(PUBLISHED_KINDS))
            .order_by(t.number)
        )
    )


def published_revision(
    session: Session, translation_id: int, number: int
) -> TranslationRevisionRow | None:
    """The text the translation had at revision `number`, if it was kept."""
    t = TranslationRevisionRow
    return session.scalar(
        select(t).where(
            t.translation_id == translation_id, t.number == number, t.kind.in_(PUBLISHED_KINDS)
        )
    )


def draft_of(session: Session, translation_id: int) -> TranslationRevisionRow | None:
    """The translation's unpublished draft, if an editor saved one."""
    t = TranslationRevisionRow
    return session.scalar(select(t).where(t.translation_id == translation_id, t.kind == DRAFT))


def drop_drafts(session: Session, translation_id: int) -> None:
    t = TranslationRevisionRow
    session.execute(delete(t).where(t.translation_id == translation_id, t.kind == DRAFT))


def add_revision(
    session: Session,
    translation_id: int,
    *,
    number: int,
    title: str,
    blocks: list[dict[str, str]],
    kind: str,
    who: str = "",
    display_name: str | None = None,
) -> TranslationRevisionRow:
    row = TranslationRevisionRow(
        translation_id=translation_id,
        number=number,
        title=title,
        blocks=blocks,
        kind=kind,
        who=who,
        display_name=display_name,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def claim_revision(session: Session, translation: TranslationRow, base: int) -> bool:
    """Raise the translation's revision from `base` to `base + 1`, in the database,
    only if it is still `base`: of two edits made on the same text, one wins."""
    t = TranslationRow
    done = session.execute(
        update(t).where(t.id == translation.id, t.revision == base).values(revision=base + 1),
        execution_options={"synchronize_session": False},
    )
    if getattr(done, "rowcount", 0) != 1:
        return False
    session.refresh(translation)
    return True
