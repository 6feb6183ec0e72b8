"""Tags: the gazetteer's entities found in each article as it is published, and names
that recur across sources, found now and then over recent articles.

Every write is an upsert keyed by (article, tag), so tagging an article again
changes nothing; a gazetteer entity the article no longer names loses its link.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from babelwire.clock import utcnow
from babelwire.config import Config
from babelwire.model import Block
from babelwire.newsroom import Newsroom
from babelwire.pipeline.entities.gazetteer import (
    Gazetteer,
    GazetteerError,
    glossary_terms,
    load_gazetteer,
)
from babelwire.pipeline.entities.matching import EntityMatcher
from babelwire.pipeline.entities.recurring import Document, RecurringName, recurring_names
from babelwire.pipeline.translate.glossary import Glossary, GlossaryError, load_glossary
from babelwire.publish.paths import slugify
from babelwire.storage import Session, tags
from babelwire.storage.stories import TEXT_STATUSES
from babelwire.storage.tables import ArticleRow, TagRow
from babelwire.storage.tags import GAZETTEER, RECURRING, IntegrityError


def gazetteer_path(config: Config) -> Path:
    path = Path(config.settings.tags.gazetteer)
    return path if path.is_absolute() else config.root / path


def site_gazetteer(config: Config) -> Gazetteer:
    """The site's gazetteer (empty when its file does not exist); GazetteerError if invalid."""
    return load_gazetteer(gazetteer_path(config))


# The last glossary merged for each site, with the two it was made of (read once per
# process, see load_glossary and load_gazetteer): merged again only when one changed.
_merged: dict[Path, tuple[Glossary, Gazetteer, Glossary]] = {}


def site_glossary(config: Config) -> Glossary:
    """The operator's glossary plus the gazetteer's names, so every edition spells them alike."""
    translation = config.settings.translation
    glossary = load_glossary(
        config.root, None, list(translation.glossary_files), [translation.desk_glossary]
    )
    try:
        gazetteer = site_gazetteer(config)
    except GazetteerError as exc:
        raise GlossaryError(f"gazetteer: {exc}") from exc
    last = _merged.get(config.root)
    if last is not None and last[0] is glossary and last[1] is gazetteer:
        return last[2]
    # The operator's own entries come first: they win over the gazetteer's for a term.
    names = [t for t in glossary_terms(gazetteer) if t.term not in {g.term for g in glossary.terms}]
    merged = Glossary(glossary.terms + tuple(names))
    _merged[config.root] = (glossary, gazetteer, merged)
    return merged


def article_texts(article: ArticleRow) -> list[str]:
    """The article's original text and each translation's, title first."""
    texts = [_text(article.title, article.blocks)]
    for translation in article.translations:
        if translation.status in TEXT_STATUSES and translation.blocks:
            texts.append(_text(translation.title, translation.blocks))
    return texts


def _text(title: str, blocks: Iterable[dict[str, str]]) -> str:
    return "\n".join([title, *(Block.from_json(b).text for b in blocks)])


@dataclass
class Tagger:
    """The gazetteer of a site, loaded once for a batch of articles.

    A gazetteer that cannot be read leaves `problem` set and tags nothing, so
    articles are still published; the problem is written on each article.
    """

    gazetteer: Gazetteer
    problem: str = ""
    _matcher: EntityMatcher | None = field(default=None, repr=False)
    _ids: dict[str, int] | None = field(default=None, repr=False)  # gazetteer tags by slug

    @classmethod
    def for_config(cls, config: Config) -> Tagger:
        try:
            return cls(site_gazetteer(config))
        except GazetteerError as exc:
            return cls(Gazetteer(), problem=f"gazetteer not used: {exc}")

    @property
    def matcher(self) -> EntityMatcher:
        if self._matcher is None:
            self._matcher = EntityMatcher(self.gazetteer)
        return self._matcher

    def tag(self, session: Session, article: ArticleRow) -> dict[str, int]:
        """Link the article to the entities it names; returns slug -> mentions.

        With an unreadable gazetteer it changes nothing: the links made before stay.
        """
        if self.problem:
            return {}
        if self._ids is None:
            sync_gazetteer_tags(session, self.gazetteer)
            self._ids = tags.gazetteer_tag_ids(session)
        ids = self._ids
        counts = self.matcher.count(article_texts(article))
        tags.unlink_tags(session, article.id, [i for s, i in ids.items() if s not in counts])
        for slug, mentions in counts.items():
            if slug in ids:
                tags.link_tag(session, article.id, ids[slug], mentions)
        return counts


def sync_gazetteer_tags(session: Session, gazetteer: Gazetteer) -> dict[str, TagRow]:
    """A tag per gazetteer entity, with its kind and names as the file says now."""
    existing = tags.tags_by_slug(session, [e.slug for e in gazetteer.entities])
    for entity in gazetteer.entities:
        row = existing.get(entity.slug)
        if row is None:
            row = tags.add_tag(session, entity.slug, origin=GAZETTEER, created_at=utcnow())
            existing[entity.slug] = row
        row.kind = entity.kind
        row.name = entity.name[:300]
        row.names = {k: v[:300] for k, v in entity.names.items()}
        row.origin = GAZETTEER
    session.flush()
    return existing


# --- recurring names -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshReport:
    names: list[RecurringName]
    articles: int  # articles read
    problem: str = ""


_last_refresh: dict[str, float] = {}


def refresh_recurring(newsroom: Newsroom, *, now: datetime | None = None) -> RefreshReport:
    """Tag the names that recent articles from several sources share (`origin="recurring"`)."""
    config = newsroom.config
    now = now or utcnow()
    since = now - timedelta(days=config.settings.tags.recurring_days)
    try:
        known = {s for e in site_gazetteer(config).entities for _, s in e.spellings()}
        problem = ""
    except GazetteerError as exc:
        known, problem = set(), f"gazetteer not used: {exc}"
    with newsroom.sessions() as session:
        rows = tags.published_since(session, since)
        documents = [Document(i, s, _text(t, b)) for i, s, t, b in rows]
        found = recurring_names(
            documents,
            min_articles=config.settings.tags.recurring_min_articles,
            min_sources=config.settings.tags.recurring_min_sources,
            known=known,
        )
        kept = [name for name in found if _store_recurring(session, name)]
        session.commit()
    _last_refresh[config.database_url] = time.monotonic()
    return RefreshReport(kept, len(documents), problem)


def _store_recurring(session: Session, name: RecurringName) -> bool:
    slug = slugify(name.name, 200)
    row = tags.tag_by_slug(session, slug)
    if row is None:
        row = tags.add_tag(
            session, slug, origin=RECURRING, created_at=utcnow(), name=name.name[:300]
        )
        session.flush()
    elif row.origin != RECURRING:
        return False  # the gazetteer has it (under another spelling)
    for article_id, mentions in name.mentions.items():
        tags.link_tag(session, article_id, row.id, mentions)
    return True


def refresh_if_due(newsroom: Newsroom) -> RefreshReport | None:
    """`refresh_recurring` when `tags.refresh_minutes` have passed in this process."""
    minutes = float(newsroom.config.settings.tags.refresh_minutes)
    last = _last_refresh.get(newsroom.config.database_url)
    if last is not None and time.monotonic() - last < minutes * 60:
        return None
    try:
        return refresh_recurring(newsroom)
    except IntegrityError as exc:
        # Another worker stored the same name at the same moment: the next search has it.
        _last_refresh[newsroom.config.database_url] = time.monotonic()
        return RefreshReport([], 0, f"recurring names: {exc.orig}")


# --- listing and re-tagging ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagSummary:
    slug: str
    kind: str
    origin: str
    name: str
    names: dict[str, str]
    articles: int


def list_tags(newsroom: Newsroom) -> list[TagSummary]:
    """Every tag with the number of articles naming it, most named first."""
    with newsroom.sessions() as session:
        return [
            TagSummary(r.slug, r.kind, r.origin, r.name, dict(r.names or {}), n)
            for r, n in tags.tags_with_counts(session)
        ]


def retag_published(newsroom: Newsroom) -> tuple[int, Tagger]:
    """Tag every published article again with the current gazetteer (after editing it)."""
    tagger = Tagger.for_config(newsroom.config)
    done = 0
    with newsroom.sessions() as session:
        ids = tags.published_article_ids(session)
        for start in range(0, len(ids), 200):
            for article in tags.articles_by_id(session, ids[start : start + 200]):
                tagger.tag(session, article)
                done += 1
            session.commit()
    return done, tagger
