"""The article steps in order, each the function that runs it; which articles wait
for a step; and how the embedded runner keeps one article that makes a step raise
from failing its batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from babelwire.clock import utcnow
from babelwire.failure import describe_error
from babelwire.jobs.stages.extract import extract_articles
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.result import (
    StageResult,
    log_raised,
    merge_results,
    record_failure,
)
from babelwire.jobs.stages.translate import translate_articles
from babelwire.jobs.task_runs import record_stage_run
from babelwire.model import Stage, Step
from babelwire.newsroom import Newsroom
from babelwire.storage import articles
from babelwire.storage.database import is_database_failure

logger = logging.getLogger(__name__)

#: The article steps in order, each the function that runs it: `babelwire run` calls
#: them one after another, the Celery runner as the tasks of their queues.
ARTICLE_STEPS: dict[str, Callable[[Newsroom, Sequence[int]], StageResult]] = {
    Step.EXTRACT: extract_articles,
    Step.TRANSLATE: translate_articles,
    Step.PUBLISH: publish_articles,
}


def run_stage_isolated(newsroom: Newsroom, stage: str, article_ids: Sequence[int]) -> StageResult:
    """Run an article stage on a batch; if it raises, run it on each article alone.

    The second line of defence for the embedded runner: whatever a hostile
    article makes the stage raise becomes that article's recorded failure
    ("ValueError: ..."), and the other articles of the batch go on. What the
    batch had committed before it raised is kept (every stage skips articles
    no longer at its input). KeyboardInterrupt and SystemExit are not caught, nor
    is a failure of the database itself: the pass fails and is tried again, with
    no attempt counted against the articles.
    """
    function = ARTICLE_STEPS[stage]
    try:
        return function(newsroom, article_ids)
    except Exception as exc:
        if is_database_failure(exc):
            raise
        logger.warning(
            "%s of %d articles raised; each alone now",
            stage,
            len(article_ids),
            extra={"stage": stage},
        )
    result = StageResult()
    for article_id in article_ids:
        try:
            single = function(newsroom, [article_id])
        except Exception as exc:
            if is_database_failure(exc):
                raise
            log_raised(f"{stage} of article {article_id}", exc, article_id=article_id, stage=stage)
            record_failure(newsroom, stage, article_id, describe_error(exc), result)
            continue
        merge_results(result, single)
    return result


def pending_article_ids(newsroom: Newsroom, stage: Stage) -> list[int]:
    """The articles waiting at `stage`, oldest first."""
    with newsroom.sessions() as session:
        return articles.ids_waiting_at(session, stage)


def run_recorded_stage(
    newsroom: Newsroom, stage: str, article_ids: Sequence[int]
) -> tuple[StageResult, float]:
    """`run_stage_isolated`, recorded as a finished run (what `babelwire status` reads);
    the result and the seconds it took."""
    began, began_at = time.perf_counter(), utcnow()
    result = run_stage_isolated(newsroom, stage, article_ids)
    seconds = time.perf_counter() - began
    record_stage_run(
        newsroom,
        stage=stage,
        items=article_ids,
        started_at=began_at,
        seconds=seconds,
        done=len(result.done) + len(result.unchanged),
        failed=len(result.failed),
        words=result.words,
    )
    return result, seconds
