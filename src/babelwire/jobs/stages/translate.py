"""The translate stage: every EXTRACTED article into every edition's language.

Articles are grouped by language pair and sent to the engines many at a time
(`translate_in_batches`, which re-translation shares); each output is scored
(the form checks and the quality estimate: a round trip through the reverse
route, and agreement with a second route where there is one) and goes through
the quality gate: what fails or scores low is tried by the next route, and
what no route brings above the threshold is held, or shown with a stronger
notice, or shown as its title and summary (`translation.below_threshold`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from babelwire.clock import utcnow
from babelwire.jobs.stages.pictures import translate_alt_texts
from babelwire.jobs.stages.result import StageResult, fail_article
from babelwire.jobs.tags import site_glossary
from babelwire.model import Block, LowQuality, Stage, Step, TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate import untranslated
from babelwire.pipeline.translate.article import (
    PathSettings,
    PathStats,
    Route,
    SourceText,
    Translation,
    translate_texts,
)
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.estimate import EstimateOptions, estimate
from babelwire.pipeline.translate.gate_offsets import offset
from babelwire.pipeline.translate.glossary import GlossaryError
from babelwire.pipeline.translate.registry import Translators
from babelwire.storage import Session, articles, translation_runs, translations
from babelwire.storage.memory import SqlMemory
from babelwire.storage.tables import ArticleRow, TranslationRow
from babelwire.storage.translations import edited_by_a_person


@dataclass(frozen=True, slots=True)
class Gate:
    """The operator's quality threshold and what happens below it."""

    threshold: float
    retry: bool
    below: LowQuality = LowQuality.HOLD
    estimate: EstimateOptions = field(default_factory=EstimateOptions)
    calibrated: bool = True

    def threshold_for(self, route: Route) -> float:
        """The threshold of a route's output: the site's, moved by the offset
        calibrated for the route's pair where it is one hop (gate_offsets.py)."""
        if not self.calibrated or len(route.hops) != 1:
            return self.threshold
        hop = route.hops[0]
        return round(self.threshold + offset(hop.engine.name, hop.source, hop.target), 4)


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
    settings = newsroom.config.settings.translation
    action = settings.on_low_quality
    if action not in ("retry", "hold"):
        raise EngineError(f'translation.on_low_quality must be "retry" or "hold", not {action!r}')
    below = settings.below_threshold
    if below not in set(LowQuality):
        choices = ", ".join(f'"{c.value}"' for c in LowQuality)
        raise EngineError(f"translation.below_threshold must be one of {choices}, not {below!r}")
    options = EstimateOptions(
        round_trip_share=max(0.0, settings.quality_round_trip_share),
        agreement=settings.quality_agreement,
    )
    return Gate(
        settings.quality_threshold,
        action == "retry",
        LowQuality(below),
        options,
        calibrated=settings.quality_calibrated,
    )


@dataclass(slots=True)
class LanguagePairs:
    """Articles to translate grouped by (source, target) language, and each pair's routes.

    ``only`` limits the routes to that engine (with pivots if it has no direct pair).
    """

    translators: Translators
    only: str | None = None
    groups: dict[tuple[str, str], list[ArticleRow]] = field(
        default_factory=lambda: defaultdict(list)
    )
    routes: dict[tuple[str, str], list[Route]] = field(default_factory=dict)
    reverses: dict[tuple[str, str], Route | None] = field(default_factory=dict)

    def routes_for(self, source: str, target: str) -> list[Route]:
        """The routes for a pair, looked up once per pair."""
        pair = (source, target)
        if pair not in self.routes:
            self.routes[pair] = self.translators.routes(source, target, only=self.only)
        return self.routes[pair]

    def reverse_for(self, source: str, target: str) -> Route | None:
        """The route back from target to source (for the round trip), or None."""
        pair = (source, target)
        if pair not in self.reverses:
            try:
                found = self.translators.routes(target, source, only=self.only)
            except EngineError:
                found = []
            self.reverses[pair] = found[0] if found else None
        return self.reverses[pair]

    def add(self, article: ArticleRow, source: str, target: str) -> None:
        self.groups[(source, target)].append(article)

    def members(self) -> set[int]:
        """The ids of the articles in some group."""
        return {a.id for members in self.groups.values() for a in members}


def translate_in_batches(
    newsroom: Newsroom,
    session: Session,
    pairs: LanguagePairs,
    settings: PathSettings,
    gate: Gate,
    result: StageResult,
    *,
    before_commit: Callable[[list[ArticleRow]], None] | None = None,
) -> dict[int, str]:
    """Translate each pair's articles, `translation.batch_articles` per engine batch.

    Each batch is committed as soon as it is translated (after `before_commit`,
    given the batch), so a pass killed midway keeps what it had. Returns, for
    each article that some route could not translate, why.
    """
    batch_size = max(1, newsroom.config.settings.translation.batch_articles)
    errors: dict[int, str] = {}
    for pair, members in pairs.groups.items():
        for start in range(0, len(members), batch_size):
            chunk = members[start : start + batch_size]
            translate_chunk(
                session,
                pairs.routes[pair],
                chunk,
                settings,
                gate,
                result,
                errors,
                reverse=pairs.reverse_for(*pair),
            )
            if before_commit is not None:
                before_commit(chunk)
            session.commit()
    return errors


def translate_articles(
    newsroom: Newsroom, article_ids: Sequence[int], *, overwrite_edits: bool = False
) -> StageResult:
    """Translate EXTRACTED articles into every edition's language, many per engine batch.

    A translation a person revised (post-editing) is kept as it is, unless
    ``overwrite_edits``: its revisions stay on record either way.
    """
    result = StageResult()
    targets = newsroom.config.languages
    with newsroom.sessions() as session:
        waiting = articles.articles_at_stage(session, article_ids, Stage.EXTRACTED)
        if not waiting:
            return result
        try:
            settings = path_settings(newsroom, session)
            gate = quality_gate(newsroom)
        except (GlossaryError, EngineError) as exc:
            # The site's settings are wrong, not the articles: they wait, unchanged.
            for article in waiting:
                article.error = f"translation settings: {exc}"
                result.failed[article.id] = article.error
            session.commit()
            return result
        pairs = LanguagePairs(newsroom.translators)
        for article in waiting:
            source_language = article.language or "und"
            kept = {t.language for t in article.translations if edited_by_a_person(t)}
            for target in targets:
                if target in kept and not overwrite_edits:
                    continue
                if source_language == target:
                    _store_original(session, article)
                    continue
                if not pairs.routes_for(source_language, target):
                    _store_skipped(
                        session,
                        article,
                        target,
                        f"no installed engine translates {source_language} -> {target}, "
                        "directly or through a pivot language",
                    )
                    continue
                pairs.add(article, source_language, target)
        session.commit()
        errors = translate_in_batches(newsroom, session, pairs, settings, gate, result)
        translate_alt_texts(session, pairs.groups, pairs.routes, settings)
        for article in waiting:
            if article.id in errors:
                fail_article(session, article, Step.TRANSLATE, errors[article.id], result)
            else:
                article.stage = Stage.TRANSLATED.value
                article.error = article.error if article.from_feed else None
                result.done.append(article.id)
        session.commit()
    return result


def _scored(
    outputs: list[Translation],
    texts: list[SourceText],
    gate: Gate,
    reverse: Route | None,
    second: Route | None,
) -> list[Translation]:
    """The outputs scored by the quality estimate; if the reverse or second route
    fails, scored without the round trip and the agreement (the failure is noted)."""
    try:
        return estimate(outputs, texts, reverse=reverse, second=second, options=gate.estimate)
    except EngineError as exc:
        scored = estimate(outputs, texts, options=gate.estimate)
        for output in scored:
            output.verdict.details["estimate_error"] = str(exc)[:200]
        return scored


def _run_route(
    session: Session,
    route: Route,
    texts: list[SourceText],
    settings: PathSettings,
    result: StageResult,
    gate: Gate,
    checks: tuple[Route | None, Route | None] = (None, None),
) -> tuple[dict[int, Translation], dict[int, str]]:
    """Translate texts in one batch; if the engine fails, one by one to find the culprit.

    What the batch cost is recorded with the route, in the transaction that stores the
    translations (`/metrics` sums these rows)."""
    stats = PathStats()
    done: dict[int, Translation] = {}
    failed: dict[int, str] = {}
    try:
        outputs = translate_texts(route, texts, settings=settings, stats=stats)
        done = dict(enumerate(_scored(outputs, texts, gate, *checks)))
    except EngineError:
        for i, text in enumerate(texts):
            try:
                (output,) = translate_texts(route, [text], settings=settings, stats=stats)
            except EngineError as exc:
                failed[i] = f"{route.describe()}: {exc}"
                continue
            (done[i],) = _scored([output], [text], gate, *checks)
    result.engine_seconds += stats.engine_seconds
    result.engine_words += stats.engine_words
    result.segments += stats.segments
    result.memory_hits += stats.memory_hits
    result.human_hits += stats.human_hits
    translation_runs.add_run(
        session,
        engine=route.engine_name,
        source_language=route.source,
        target_language=route.target,
        articles=len(done),
        segments=stats.segments,
        memory_hits=stats.memory_hits,
        engine_words=stats.engine_words,
        engine_seconds=stats.engine_seconds,
    )
    return done, failed


def translate_chunk(
    session: Session,
    routes: Sequence[Route],
    chunk: list[ArticleRow],
    settings: PathSettings,
    gate: Gate,
    result: StageResult,
    errors: dict[int, str],
    *,
    reverse: Route | None = None,
) -> None:
    """Translate a chunk by the first route; what fails or scores low goes to the next.

    Each output is scored with a round trip through ``reverse`` and, where the pair
    has two routes, agreement with the other one."""
    texts = [SourceText(a.title, blocks_of(a.blocks)) for a in chunk]
    best: dict[int, Translation] = {}
    problems: dict[int, str] = {}
    pending = list(range(len(chunk)))
    for index, route in enumerate(routes):
        # The first route is compared with the second; a retry is not compared with the
        # route whose output it replaces (disagreeing with a failure says nothing).
        second = routes[1] if index == 0 and len(routes) > 1 else None
        checks = (reverse, second)
        batch = [texts[i] for i in pending]
        done, failed = _run_route(session, route, batch, settings, result, gate, checks)
        retry: list[int] = []
        for k, i in enumerate(pending):
            if k in failed:
                problems[i] = failed[k]
                retry.append(i)
                continue
            output = done[k]
            if i not in best or output.verdict.score > best[i].verdict.score:
                best[i] = output
            if output.verdict.score < gate.threshold_for(route) and gate.retry:
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


def _store_translation(
    session: Session, article: ArticleRow, output: Translation, gate: Gate
) -> None:
    translated = output.article
    verdict = output.verdict
    row = translations.translation_to_save(session, article, translated.language)
    row.published_as = ""
    threshold = gate.threshold_for(output.route)
    if verdict.score >= threshold:
        row.status = TranslationStatus.TRANSLATED
        row.reason = None
    else:
        row.reason = f"quality {verdict.score:.2f} below {threshold:.2f}: " + (
            ", ".join(verdict.flags) or "low estimate"
        )
        if gate.below == LowQuality.HOLD:
            row.status = TranslationStatus.HELD
        else:
            row.status = TranslationStatus.TRANSLATED
            row.published_as = gate.below.value
            row.reason += f"; published as {gate.below.value}"
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
    # The quality measurements, and the words the engine left untranslated (if any).
    left = untranslated.record(output.untranslated, output.route.source)
    row.checks = {**verdict.details, **left}
    row.translated_at = utcnow()
    row.first_translated_at = row.first_translated_at or row.translated_at


def _store_original(session: Session, article: ArticleRow) -> None:
    row = translations.translation_to_save(session, article, article.language or "und")
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
    row.first_translated_at = row.first_translated_at or utcnow()


def _store_skipped(session: Session, article: ArticleRow, language: str, reason: str) -> None:
    row = translations.translation_to_save(session, article, language)
    row.status = TranslationStatus.SKIPPED
    row.reason = reason
    row.title = ""
    row.blocks = []
    row.engine = ""
    row.flags = []
    _clear_provenance(row)


def _clear_provenance(row: TranslationRow) -> None:
    row.published_as = ""
    row.quality = None
    row.pivot = ""
    row.glossary_version = ""
    row.checks = {}
    row.translated_at = None


def blocks_of(rows: Iterable[dict[str, str]]) -> list[Block]:
    return [Block.from_json(r) for r in rows]
