"""The desk: the web admin where people run the newsroom and correct the machine.

Served by `babelwire serve` under `desk.path` (never by a static build). Every route
is declared with the least role that may use it (`routes.DESK_ROUTES`); `guard` checks
the session, the role and, on a form, its CSRF token, on the server, before the page
runs.
"""
