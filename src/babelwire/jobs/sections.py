"""Sections: filing each article as it is published, the operator's labels, training the
classifier and explaining a choice.

An article is filed after translation, at publish, because the classifier reads
its text in the pivot language (the site's first edition). The steps, in order:
the source's declared section, the operator's rules (keywords and gazetteer
entities), the classifier, the default.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babelwire.clock import utcnow
from babelwire.config import Config
from babelwire.jobs.audit import Actor, record, record_in
from babelwire.jobs.tags import Tagger, article_texts
from babelwire.jobs.takedown import find_article
from babelwire.model import Block, Stage
from babelwire.newsroom import Newsroom, Site
from babelwire.pipeline.classify.model import ModelError, SectionModel, load_model, train_model
from babelwire.pipeline.classify.sections import Guess, SectionChoice, choose_section
from babelwire.storage import Session, articles, sections
from babelwire.storage.stories import TEXT_STATUSES
from babelwire.storage.tables import ArticleRow


class SectionsError(ValueError):
    """A label, a training file or an article reference is wrong (the message says how)."""


def model_path(config: Config) -> Path:
    path = Path(config.settings.sections.model_file)
    return path if path.is_absolute() else config.root / path


def pivot_text(article: ArticleRow, language: str) -> str | None:
    """The article in the pivot language: its translation, or the original when it is
    written in it; None when neither exists yet."""
    for translation in article.translations:
        usable = translation.status in TEXT_STATUSES and translation.blocks
        if translation.language == language and usable:
            return _text(translation.title, translation.blocks)
    if article.language == language and article.blocks:
        return _text(article.title, article.blocks)
    return None


def _text(title: str, blocks: Sequence[dict[str, str]]) -> str:
    # The title twice: it says most about what the article is about.
    return "\n".join([title, title, *(Block.from_json(b).text for b in blocks)])


@dataclass
class Filing:
    """What filing needs, loaded once per batch: settings, gazetteer and classifier."""

    config: Config
    tagger: Tagger
    model: SectionModel | None = None
    model_problem: str = "no classifier trained"
    _entities: dict[int, dict[str, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def for_config(cls, config: Config) -> Filing:
        filing = cls(config, Tagger.for_config(config))
        path = model_path(config)
        if path.exists():
            try:
                filing.model = load_model(path)
                filing.model_problem = ""
            except ModelError as exc:
                filing.model_problem = f"classifier unusable: {exc}"
        return filing

    @property
    def language(self) -> str:
        return self.config.languages[0]

    def guess(self, article: ArticleRow) -> Guess | None:
        if self.model is None:
            return None
        text = pivot_text(article, self.model.language)
        found = None if text is None else self.model.guess(text)
        # A section removed from babelwire.toml since training is not a place to file.
        return found if found is not None and self.config.section(found.slug) else None

    def choose(
        self,
        article: ArticleRow,
        entities: dict[str, int],
        *,
        declared: bool = True,
        rules: bool = True,
        classify: bool = True,
    ) -> SectionChoice:
        texts = [article.title, article.title, *(Block.from_json(b).text for b in article.blocks)]
        no_guess = self.model_problem or f"no {self.model_language()} text to classify"
        return choose_section(
            source_section=article.source.section if declared else None,
            rules=self.config.sections if rules else (),
            texts=texts,
            default=self.config.settings.sections.default,
            entities=entities,
            guess=(lambda: self.guess(article)) if classify else None,
            min_probability=self.config.settings.sections.min_probability,
            no_guess=no_guess if classify else "classifier not asked",
        )

    def model_language(self) -> str:
        return self.model.language if self.model is not None else self.language

    def file(self, session: Session, article: ArticleRow) -> SectionChoice:
        """Tag the article, then file it under a section (both recorded on it)."""
        entities = self.tagger.tag(session, article)
        choice = self.choose(article, entities)
        article.section = choice.slug
        article.section_reason = choice.reason[:300]
        if self.tagger.problem:
            article.error = f"tags: {self.tagger.problem}"[:2000]
        return choice


# --- labels and training ---------------------------------------------------------------


class ArticleNotFoundError(SectionsError, LookupError):
    """No article has the id a change names."""


def _known_section(config: Config, section: str) -> None:
    if config.section(section) is None:
        known = ", ".join(s.slug for s in config.sections)
        raise SectionsError(f"unknown section {section!r}: the site has {known}")


def _set_section(session: Session, article: ArticleRow, section: str, actor: Actor | None) -> None:
    """The label, and the article filed under it at once (its pages and lists change)."""
    if article.stage == Stage.REMOVED:
        raise SectionsError(f"article {article.id} was taken down")
    now = utcnow()
    before = article.section
    sections.set_label(session, article.id, section, now)
    article.section = section
    article.section_reason = "labelled by an editor"
    if before != section:
        article.updated_at = now  # a static build rewrites its page and both lists
    if actor is not None:
        record_in(
            session, actor, "article.section", str(article.id), section=section, before=before
        )


def label_article(newsroom: Newsroom, ref: str, section: str, *, actor: Actor | None = None) -> int:
    """Record that the article `ref` belongs in `section` (an example for the
    classifier) and file it there; returns the article's id."""
    _known_section(newsroom.config, section)
    with newsroom.sessions() as session:
        article = find_article(newsroom, session, ref)
        if article is None:
            raise SectionsError(f"no article matches {ref!r}")
        _set_section(session, article, section, actor)
        session.commit()
        return article.id


def set_article_section(
    site: Site, article_id: int, section: str, *, actor: Actor | None = None
) -> str | None:
    """An editor files the article under `section`: stored as a label the classifier
    learns from, and applied to the article at once. Returns its section before.

    ArticleNotFoundError when no article has that id; SectionsError for a section the
    site does not have.
    """
    _known_section(site.config, section)
    with site.sessions() as session:
        article = articles.load_article(session, article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article {article_id}")
        before = article.section
        _set_section(session, article, section, actor)
        session.commit()
        return before


def section_label(site: Site, article_id: int) -> str | None:
    """The section an editor said the article belongs in, if one did."""
    with site.sessions() as session:
        return sections.label_of(session, article_id)


@dataclass(frozen=True, slots=True)
class SectionLine:
    slug: str
    name: str
    published: int  # published articles filed under it
    labels: int
    # Per edition language: the name a person gave it there ("" where none).
    edited_names: tuple[tuple[str, str], ...] = ()


def section_lines(site: Site, language: str) -> list[SectionLine]:
    """The site's sections in order, with their published articles and labels."""
    with site.sessions() as session:
        counts = sections.published_counts(session)
        labels = sections.label_counts(session)
        edited = sections.edited_names(session)
    return [
        SectionLine(
            s.slug,
            edited.get(s.slug, {}).get(language) or s.name(language),
            counts.get(s.slug, 0),
            labels.get(s.slug, 0),
            tuple((code, edited.get(s.slug, {}).get(code, "")) for code in site.config.languages),
        )
        for s in site.config.sections
    ]


#: The longest section name a person may give.
SECTION_NAME_LENGTH = 100


def set_section_name(
    site: Site, slug: str, language: str, name: str | None, *, actor: Actor
) -> None:
    """A person's name of section `slug` in edition `language`, shown on the site there
    instead of the configured one; None or blank: the configured name again. Syncing the
    configured sections leaves it as it is.

    SectionsError for a section that is not configured, a language that is no edition
    of the site, or a name over SECTION_NAME_LENGTH characters.
    """
    _known_section(site.config, slug)
    if language not in site.config.languages:
        raise SectionsError(f"{language!r} is not an edition of this site.")
    text = " ".join((name or "").split()) or None
    if text is not None and len(text) > SECTION_NAME_LENGTH:
        raise SectionsError(f"A section name has at most {SECTION_NAME_LENGTH} characters.")
    with site.sessions() as session:
        before = sections.set_edited_name(session, slug, language, text)
        if before == text:
            return
        record_in(session, actor, "section.name", slug, language=language, name=text, before=before)
        session.commit()


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, section) pairs from a JSONL file ({"text": ..., "section": ...} per line)
    or a CSV file with the columns text and section."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SectionsError(f"{path}: {exc}") from exc
    examples: list[tuple[str, str]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        if not reader.fieldnames or not {"text", "section"} <= set(reader.fieldnames):
            raise SectionsError(f"{path}: a CSV file needs the columns text and section")
        for number, record in enumerate(reader, 2):
            examples.append(_example(record, f"{path}:{number}"))
        return examples
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SectionsError(f"{path}:{number}: not JSON ({exc})") from exc
        examples.append(_example(record, f"{path}:{number}"))
    return examples


def _example(record: object, where: str) -> tuple[str, str]:
    if not isinstance(record, dict):
        raise SectionsError(f'{where}: expected {{"text": ..., "section": ...}}')
    text, section = record.get("text"), record.get("section")
    if not isinstance(text, str) or not isinstance(section, str) or not section.strip():
        raise SectionsError(f"{where}: text and section must be strings")
    return text, section.strip()


@dataclass(frozen=True, slots=True)
class TrainReport:
    path: Path
    model: SectionModel
    from_labels: int
    from_file: int
    skipped: list[int]  # labelled articles with no text in the pivot language yet


def train_sections(
    newsroom: Site, examples_file: Path | None = None, *, actor: Actor | None = None
) -> TrainReport:
    """Train the classifier from the operator's labels (and a file of examples) and save
    it; logged for `actor` when given."""
    config = newsroom.config
    language = config.languages[0]
    texts: list[str] = []
    labels: list[str] = []
    skipped: list[int] = []
    with newsroom.sessions() as session:
        for article_id, section in sections.labels(session):
            article = articles.load_article(session, article_id)
            text = pivot_text(article, language) if article is not None else None
            if text is None:
                skipped.append(article_id)
                continue
            texts.append(text)
            labels.append(section)
    from_labels = len(texts)
    extra = read_examples(examples_file) if examples_file is not None else []
    for text, section in extra:
        texts.append(text)
        labels.append(section)
    unknown = sorted({s for s in labels if config.section(s) is None})
    if unknown:
        raise SectionsError(f"examples name sections the site does not have: {', '.join(unknown)}")
    try:
        model = train_model(texts, labels, language=language)
    except ModelError as exc:
        raise SectionsError(str(exc)) from exc
    path = model_path(config)
    model.save(path)
    if actor is not None:
        record(
            newsroom,
            actor,
            "sections.train",
            str(path.name),
            labels=from_labels,
            from_file=len(extra),
            accuracy=model.cv_accuracy,
        )
    return TrainReport(path, model, from_labels, len(extra), skipped)


# --- explaining ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    article_id: int
    title: str
    stored: tuple[str | None, str | None]  # section and reason recorded at publish
    steps: list[tuple[str, str]]  # (step, what it found), in the order they are tried
    decision: SectionChoice


def explain_article(newsroom: Newsroom, ref: str) -> Explanation:
    """What each step makes of an article now, and which one decides."""
    filing = Filing.for_config(newsroom.config)
    with newsroom.sessions() as session:
        article = find_article(newsroom, session, ref)
        if article is None:
            raise SectionsError(f"no article matches {ref!r}")
        entities = filing.tagger.matcher.count(article_texts(article))
        declared = article.source.section
        steps = [("source", f"declared {declared}" if declared else "declares no section")]
        rule = filing.choose(article, entities, declared=False, classify=False)
        steps.append(("rules", rule.reason if rule.step == "rule" else "no rule matched"))
        steps.append(("classifier", _classifier_note(filing, article)))
        steps.append(("default", newsroom.config.settings.sections.default))
        if filing.tagger.problem:
            steps.append(("gazetteer", filing.tagger.problem))
        return Explanation(
            article.id,
            article.title,
            (article.section, article.section_reason),
            steps,
            filing.choose(article, entities),
        )


def _classifier_note(filing: Filing, article: ArticleRow) -> str:
    if filing.model is None:
        return filing.model_problem
    guess = filing.guess(article)
    if guess is None:
        return f"no {filing.model.language} text to classify"
    terms = f"; top terms: {', '.join(guess.terms)}" if guess.terms else ""
    return f"{guess.slug} p={guess.probability:.2f}{terms}"
