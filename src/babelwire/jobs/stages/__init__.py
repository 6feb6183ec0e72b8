"""The article stages as use cases over stored state: extract, translate, publish.

Each takes article ids, works only on articles at the stage before its own (so
running it twice changes nothing), and records its result and the stage reached
on the article in the same transaction. A failure is written on the article and
the other articles go on; an article that fails one stage on every try is
quarantined: marked failed and listed in the dead letters, where the operator
retries or drops it, as for a task the Celery workers gave up on.

`result` holds what a stage reports and how it records a failure, `extract`,
`translate` and `publish` one stage each, and `steps` the table the runners
call them through.
"""
