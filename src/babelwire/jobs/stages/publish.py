"""The publish stage: file each TRANSLATED article under a section, index it for
search and place it in its story, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from babelwire.clock import utcnow
from babelwire.jobs.sections import Filing
from babelwire.jobs.stages.result import StageResult
from babelwire.jobs.stories import assign_stories, forget_desk
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.storage import articles


def publish_articles(newsroom: Newsroom, article_ids: Sequence[int]) -> StageResult:
    """File TRANSLATED articles under a section and make them visible on the site."""
    result = StageResult()
    filing = Filing.for_config(newsroom.config)
    with newsroom.sessions() as session:
        published = []
        for article in articles.articles_at_stage(session, article_ids, Stage.TRANSLATED):
            filing.file(session, article)  # tags, then the section (jobs/sections.py)
            if article.first_published_at is None:
                article.first_published_at = utcnow()
            article.stage = Stage.PUBLISHED.value
            result.done.append(article.id)
            published.append(article)
        session.flush()
        from babelwire.storage.published.search import index_articles

        index_articles(session, result.done)  # same transaction: searchable once visible
        assign_stories(newsroom, session, published)  # and in its story (jobs/stories.py)
        sections = {article.section for article in published}
        try:
            session.commit()
        except BaseException:
            forget_desk(newsroom)  # the cached stories are ahead of the database
            raise
    if published and newsroom.config.settings.websub.publisher_hub:
        from babelwire.jobs.websub_publish import ping_for_published

        ping_for_published(newsroom, sections)  # readers subscribed through it hear now
    return result
