"""Post-editing: a person revises a machine translation, and the site shows their text.

The use cases a desk (web pages, a command) is built on. Each takes the newsroom and
returns plain dataclasses; none hands out a database row.

- `editable_translation`: a translation with its original, segment by segment.
- `save_edit`: a draft (the public text is unchanged) or a published revision.
- `revisions` and `restore_revision`: the texts a translation had, and going back.
- `human_segments`: how many segments of the translation memory people wrote.

How a translation is cut: segment 0 of an article is its title, and then one
segment per block of its body (a paragraph, subheading, list item or quotation),
in order. The translation's blocks follow the original's one for one (block i of
the translation is block i of the original, with the same kind), and an edit
gives the text of every block, in the same order, as plain text: nothing typed
is read as HTML (the site escapes it).

Every edit names the revision it was made on (`base_revision`); if the text has
changed since (another editor, a re-translation), `StaleEditError` says what it
is now and who changed it, and nothing is written. The machine's text is kept as
a revision the first time a person changes it, so it can be restored. A published
edit releases a translation the quality gate held, shows on the site at once (the
page cache sees the commit, a static build sees the article as changed, the search
index is refreshed in the same transaction), and its changed segments go into the
translation memory as a person's: a later article with the same title or block, in
the same language pair, gets the person's text whatever engine translates it.

Why one module just over 500 lines: reading, saving, drafts, revisions and restore
share the checks of one translation row (its revision, its status) and its memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.retranslate import reindex_articles
from babelwire.model import BlockKind, TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.memory import MemoryEntry, human_channel, memory_key
from babelwire.storage import Session, translations
from babelwire.storage import revisions as revision_queries
from babelwire.storage.memory import SqlMemory, human_segment_count
from babelwire.storage.revisions import DRAFT, HUMAN, MACHINE, RESTORE
from babelwire.storage.tables import TranslationRevisionRow, TranslationRow

__all__ = [
    "CurrentText",
    "Draft",
    "EditError",
    "EditResult",
    "EditableTranslation",
    "NotEditableError",
    "RevisionInfo",
    "Segment",
    "StaleEditError",
    "TranslationNotFoundError",
    "editable_translation",
    "human_segments",
    "restore_revision",
    "revisions",
    "save_edit",
]

#: Statuses of a translation a person may revise (an edition in the article's own
#: language, or one no engine could write, has no machine text to revise).
EDITABLE_STATUSES = (TranslationStatus.TRANSLATED, TranslationStatus.HELD)


class TranslationNotFoundError(LookupError):
    """No translation (or no kept revision of it) has this id or number."""


class NotEditableError(ValueError):
    """The translation is not a machine translation (an original, or skipped)."""


class EditError(InputError):
    """The edit cannot be used as it is (the wrong number of blocks, no editor)."""


@dataclass(frozen=True, slots=True)
class CurrentText:
    """A translation's text as it is now, and who changed it last."""

    revision: int
    title: str
    blocks_text: tuple[str, ...]
    revised_by: str | None  # None: the machine's text
    revised_by_display: str | None
    changed_at: datetime | None


class StaleEditError(Exception):
    """The edit was made on an older text; `current` is the text as it is now."""

    def __init__(self, base_revision: int, current: CurrentText) -> None:
        who = current.revised_by or "the machine"
        super().__init__(
            f"the translation changed since revision {base_revision}: "
            f"it is at revision {current.revision}, by {who}"
        )
        self.base_revision = base_revision
        self.current = current


@dataclass(frozen=True, slots=True)
class Segment:
    """One block of the body: the original's text and the translation's, at one index."""

    index: int  # position in the body (0 = the first block; the title is apart)
    kind: str  # a BlockKind: "p", "h", "li" or "quote"
    original: str
    text: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An editor's unpublished text; `stale` when the translation changed since."""

    base_revision: int
    title: str
    blocks_text: tuple[str, ...]
    who: str
    saved_at: datetime
    stale: bool


@dataclass(frozen=True, slots=True)
class EditableTranslation:
    translation_id: int
    article_id: int
    source_language: str | None
    target_language: str
    original_title: str
    title: str
    segments: tuple[Segment, ...]  # one per block of the original, in order
    status: str  # "translated" or "held" (not shown on the site until released)
    reason: str | None  # why it is held, or how it was released
    quality: float | None
    flags: tuple[str, ...]
    engine: str
    engine_version: str
    revision: int
    revised_by: str | None
    revised_by_display: str | None
    revised_at: datetime | None
    draft: Draft | None


@dataclass(frozen=True, slots=True)
class EditResult:
    translation_id: int
    article_id: int
    language: str
    revision: int  # the translation's revision after the edit (unchanged by a draft)
    published: bool  # False: saved as a draft, the public text is unchanged
    status: str
    memory_segments: int = 0  # segments written to the translation memory


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    number: int
    kind: str  # "machine", "human" or "restore"
    who: str  # "" for the machine
    display_name: str | None
    created_at: datetime | None
    title: str
    blocks_text: tuple[str, ...]
    current: bool  # the text the translation has now


def _texts(blocks: Sequence[dict[str, str]]) -> tuple[str, ...]:
    return tuple(str(b.get("text", "")) for b in blocks)


def _current(row: TranslationRow) -> CurrentText:
    return CurrentText(
        revision=row.revision,
        title=row.title,
        blocks_text=_texts(row.blocks),
        revised_by=row.revised_by,
        revised_by_display=row.revised_by_display,
        changed_at=row.revised_at or row.translated_at or row.updated_at,
    )


def _editable_row(session: Session, translation_id: int) -> TranslationRow:
    row = translations.translation_by_id(session, translation_id)
    if row is None:
        raise TranslationNotFoundError(f"no translation {translation_id}")
    if row.status not in EDITABLE_STATUSES:
        raise NotEditableError(
            f"translation {translation_id} is {row.status}, not a machine translation"
        )
    return row


def _check_base(row: TranslationRow, base_revision: int) -> None:
    if base_revision != row.revision:
        raise StaleEditError(base_revision, _current(row))


def _claim(session: Session, row: TranslationRow, base_revision: int) -> None:
    """Take the next revision number, or say what the text became meanwhile."""
    if not revision_queries.claim_revision(session, row, base_revision):
        session.rollback()
        session.refresh(row)
        raise StaleEditError(base_revision, _current(row))


def _keep_previous(session: Session, row: TranslationRow, previous: int) -> None:
    """Keep the text of revision `previous` (the machine's, the first time a person
    changes it) unless it is already on record."""
    if revision_queries.published_revision(session, row.id, previous) is None:
        revision_queries.add_revision(
            session,
            row.id,
            number=previous,
            title=row.title,
            blocks=list(row.blocks),
            kind=MACHINE if row.revised_by is None else HUMAN,
            who=row.revised_by or "",
            display_name=row.revised_by_display,
        )


def _blocks(row: TranslationRow, blocks_text: Sequence[str]) -> list[dict[str, str]]:
    """The edited body in the original's structure (kinds from the original)."""
    original = row.article.blocks
    if len(blocks_text) != len(original):
        raise EditError(
            f"the article has {len(original)} blocks; the edit gives {len(blocks_text)}"
        )
    return [
        {"kind": BlockKind(b["kind"]).value, "text": str(text)}
        for b, text in zip(original, blocks_text, strict=True)
    ]


def _remember(
    session: Session,
    row: TranslationRow,
    before: tuple[str, Sequence[str]],
) -> int:
    """Write the segments this change altered into the memory, as a person's."""
    article = row.article
    sources = [article.title, *(str(b.get("text", "")) for b in article.blocks)]
    old = [before[0], *before[1]]
    new = [row.title, *_texts(row.blocks)]
    entries = [
        MemoryEntry(memory_key(source), source, text)
        for source, previous, text in zip(sources, old, new, strict=False)
        if source.strip() and text.strip() and text != previous
    ]
    channel = human_channel(article.language or "und", row.language)
    SqlMemory(session).store_human(channel, entries)
    return len({e.key for e in entries})


def _publish(
    session: Session,
    row: TranslationRow,
    base_revision: int,
    *,
    title: str,
    blocks: list[dict[str, str]],
    kind: str,
    editor: str,
    display_name: str | None,
    by_a_person: bool,
) -> EditResult:
    """Make `title` and `blocks` the public text, as the revision after `base_revision`
    (the text before it kept), and commit."""
    _claim(session, row, base_revision)
    _keep_previous(session, row, base_revision)
    before = (row.title, _texts(row.blocks))
    now = utcnow()
    row.title = title
    row.blocks = blocks
    if row.status == TranslationStatus.HELD:
        row.reason = f"released by an editor ({row.reason})" if row.reason else None
    row.status = TranslationStatus.TRANSLATED
    if by_a_person:
        row.published_as = ""  # a person's text is shown whole, with the usual notice
    row.revised_by = editor if by_a_person else None
    row.revised_by_display = (display_name or None) if by_a_person else None
    row.revised_at = now
    row.updated_at = now
    row.article.updated_at = now  # a static build rewrites the article's pages
    revision_queries.add_revision(
        session,
        row.id,
        number=row.revision,
        title=title,
        blocks=blocks,
        kind=kind,
        who=editor,
        display_name=display_name or None,
    )
    revision_queries.drop_drafts(session, row.id)
    remembered = _remember(session, row, before) if by_a_person else 0
    session.flush()
    reindex_articles(session, [row.article_id])
    session.commit()
    return _result(row, published=True, remembered=remembered)


def _result(row: TranslationRow, *, published: bool, remembered: int = 0) -> EditResult:
    return EditResult(
        translation_id=row.id,
        article_id=row.article_id,
        language=row.language,
        revision=row.revision,
        published=published,
        status=row.status,
        memory_segments=remembered,
    )


def _draft(row: TranslationRow, draft: TranslationRevisionRow | None) -> Draft | None:
    if draft is None:
        return None
    return Draft(
        base_revision=draft.number,
        title=draft.title,
        blocks_text=_texts(draft.blocks),
        who=draft.who,
        saved_at=draft.created_at,
        stale=draft.number != row.revision,
    )


def editable_translation(newsroom: Newsroom, translation_id: int) -> EditableTranslation:
    """A machine translation as a desk shows it: the original beside the translation,
    block by block, with its quality, its revision and any saved draft.

    Raises TranslationNotFoundError, or NotEditableError for an original or skipped one.
    """
    with newsroom.sessions() as session:
        row = _editable_row(session, translation_id)
        article = row.article
        texts = _texts(row.blocks)
        segments = tuple(
            Segment(
                index=i,
                kind=str(block.get("kind", BlockKind.PARAGRAPH.value)),
                original=str(block.get("text", "")),
                text=texts[i] if i < len(texts) else "",
            )
            for i, block in enumerate(article.blocks)
        )
        return EditableTranslation(
            translation_id=row.id,
            article_id=row.article_id,
            source_language=article.language,
            target_language=row.language,
            original_title=article.title,
            title=row.title,
            segments=segments,
            status=row.status,
            reason=row.reason,
            quality=row.quality,
            flags=tuple(row.flags or ()),
            engine=row.engine,
            engine_version=row.engine_version,
            revision=row.revision,
            revised_by=row.revised_by,
            revised_by_display=row.revised_by_display,
            revised_at=row.revised_at,
            draft=_draft(row, revision_queries.draft_of(session, row.id)),
        )


def save_edit(
    newsroom: Newsroom,
    translation_id: int,
    *,
    title: str,
    blocks_text: list[str],
    base_revision: int,
    editor: str,
    display_name: str | None,
    publish: bool,
) -> EditResult:
    """Save a person's text for a translation: every block's text, in order.

    ``publish=False`` keeps it as the translation's draft (one per translation; a
    later draft replaces it) and the public text is unchanged. ``publish=True``
    makes it the public text at once (released if held), records it as a revision,
    and writes its changed segments to the translation memory as a person's.
    ``editor`` is the user name on record, ``display_name`` what readers may see
    (with `desk.show_editor_names`). Raises StaleEditError when ``base_revision``
    is not the translation's current revision, EditError for the wrong number of
    blocks or no editor.
    """
    if not editor.strip():
        raise EditError("an edit names its editor")
    with newsroom.sessions() as session:
        row = _editable_row(session, translation_id)
        blocks = _blocks(row, blocks_text)
        _check_base(row, base_revision)
        if not publish:
            revision_queries.drop_drafts(session, row.id)
            revision_queries.add_revision(
                session,
                row.id,
                number=base_revision,
                title=title,
                blocks=blocks,
                kind=DRAFT,
                who=editor,
                display_name=display_name or None,
            )
            session.commit()
            return _result(row, published=False)
        return _publish(
            session,
            row,
            base_revision,
            title=title,
            blocks=blocks,
            kind=HUMAN,
            editor=editor,
            display_name=display_name,
            by_a_person=True,
        )


def revisions(newsroom: Newsroom, translation_id: int) -> list[RevisionInfo]:
    """The texts the translation had, oldest first, its current one last (a machine
    text no one has changed yet is listed, though not yet kept as a revision)."""
    with newsroom.sessions() as session:
        row = _editable_row(session, translation_id)
        kept = revision_queries.published_revisions(session, row.id)
        found = [
            RevisionInfo(
                number=r.number,
                kind=r.kind,
                who=r.who,
                display_name=r.display_name,
                created_at=r.created_at,
                title=r.title,
                blocks_text=_texts(r.blocks),
                current=r.number == row.revision,
            )
            for r in kept
        ]
        if not any(r.current for r in found):
            found.append(
                RevisionInfo(
                    number=row.revision,
                    kind=MACHINE if row.revised_by is None else HUMAN,
                    who=row.revised_by or "",
                    display_name=row.revised_by_display,
                    created_at=row.revised_at or row.translated_at,
                    title=row.title,
                    blocks_text=_texts(row.blocks),
                    current=True,
                )
            )
        return found


def restore_revision(
    newsroom: Newsroom,
    translation_id: int,
    number: int,
    *,
    editor: str,
    display_name: str | None,
    base_revision: int,
) -> EditResult:
    """Make an earlier revision's text the public text again, as a new revision.

    Restoring the machine's text makes the translation the machine's again (its
    notice no longer names a person, and a re-translation may replace it); restoring
    a person's text counts as ``editor``'s revision. Raises StaleEditError as
    `save_edit` does, TranslationNotFoundError for a revision not on record.
    """
    if not editor.strip():
        raise EditError("a restore names its editor")
    with newsroom.sessions() as session:
        row = _editable_row(session, translation_id)
        _check_base(row, base_revision)
        if number == row.revision:
            return _result(row, published=True)  # already the text
        kept = revision_queries.published_revision(session, row.id, number)
        if kept is None:
            raise TranslationNotFoundError(
                f"translation {translation_id} has no revision {number} on record"
            )
        return _publish(
            session,
            row,
            base_revision,
            title=kept.title,
            blocks=list(kept.blocks),
            kind=RESTORE,
            editor=editor,
            display_name=display_name,
            by_a_person=kept.kind != MACHINE,
        )


def human_segments(newsroom: Newsroom) -> int:
    """How many segments of the translation memory people wrote (post-editing)."""
    with newsroom.sessions() as session:
        return human_segment_count(session)
