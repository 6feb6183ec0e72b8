"""The Celery runner: the pipeline's stages as tasks on queues, run by any number of workers.

- app.py: the Celery application, configured from the site's `[workers]` settings;
- tasks.py: one task per stage, calling the same stage functions as `babelwire run`;
- dispatch.py: sending work to a stage's queue (recorded in task_runs first);
- scheduler.py: the periodic round that sends due sources and waiting articles.
"""
