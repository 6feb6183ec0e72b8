"""The desk's routes, each with the least role that may use it, and the app serving them.

`DESK_ROUTES` is the one table of what the desk answers: a route not in it does not
exist, and one in it is guarded by its role (None: anyone, for the sign-in page and
the style sheet). tests/test_desk_access.py checks every route against every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from babelwire.model import Role
from babelwire.newsroom import Newsroom
from babelwire.web.desk import articles, glossary, pages, review, sources, stories
from babelwire.web.desk.auth import Desk, Endpoint, guard, public


@dataclass(frozen=True, slots=True)
class DeskRoute:
    path: str
    endpoint: Endpoint
    methods: tuple[str, ...]
    role: Role | None  # None: open to anyone
    upload: bool = False  # its form carries a file (auth.read_upload)


VIEWER, EDITOR, ADMIN = Role.VIEWER, Role.EDITOR, Role.ADMIN
GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")

DESK_ROUTES: tuple[DeskRoute, ...] = (
    DeskRoute("/login", pages.login, BOTH, None),
    DeskRoute("/desk.css", pages.style, GET, None),
    DeskRoute("/language/{code}", pages.choose_interface_language, GET, None),
    DeskRoute("/logout", pages.logout, POST, VIEWER),
    DeskRoute("/", pages.dashboard, GET, VIEWER),
    DeskRoute("/account", pages.account, BOTH, VIEWER),
    DeskRoute("/sources", sources.source_list, GET, VIEWER),
    DeskRoute("/sources/new", sources.source_new, GET, EDITOR),
    DeskRoute("/sources/preview", sources.source_preview, POST, EDITOR),
    DeskRoute("/sources/add", sources.source_add, POST, EDITOR),
    DeskRoute("/sources/export.opml", sources.source_export, GET, VIEWER),
    DeskRoute("/sources/import", sources.source_import, BOTH, EDITOR, upload=True),
    # After the fixed paths above, which it would otherwise match.
    DeskRoute("/sources/{source_id}", sources.source_page, GET, VIEWER),
    DeskRoute("/sources/{source_id}/edit", sources.source_edit, POST, EDITOR),
    DeskRoute("/sources/{source_id}/pause", sources.source_pause, POST, EDITOR),
    DeskRoute("/sources/{source_id}/resume", sources.source_resume, POST, EDITOR),
    DeskRoute("/sources/{source_id}/remove", sources.source_remove, POST, EDITOR),
    DeskRoute("/users", pages.users, GET, ADMIN),
    DeskRoute("/users/add", pages.users_add, POST, ADMIN),
    DeskRoute("/users/{name}/role", pages.users_role, POST, ADMIN),
    DeskRoute("/users/{name}/password", pages.users_password, POST, ADMIN),
    DeskRoute("/users/{name}/remove", pages.users_remove, POST, ADMIN),
    DeskRoute("/audit", pages.audit, GET, ADMIN),
    DeskRoute("/review", review.queue, GET, VIEWER),
    DeskRoute("/review/{translation_id:int}", review.edit, GET, VIEWER),
    DeskRoute("/review/{translation_id:int}", review.save, POST, EDITOR),
    DeskRoute("/review/{translation_id:int}/restore", review.restore, POST, EDITOR),
    DeskRoute("/review/{translation_id:int}/release", review.release, POST, EDITOR),
    # Articles and takedowns
    DeskRoute("/articles", articles.articles, GET, VIEWER),
    DeskRoute("/articles/{article_id}", articles.article, GET, VIEWER),
    DeskRoute("/articles/{article_id}/takedown", articles.article_takedown, POST, EDITOR),
    DeskRoute("/takedowns", articles.takedowns, GET, VIEWER),
    DeskRoute("/takedowns/{tombstone_id}/undo", articles.takedown_undo, POST, ADMIN),
    # Glossary and gazetteer
    DeskRoute("/glossary", glossary.glossary_page, GET, VIEWER),
    DeskRoute("/glossary", glossary.glossary_save, POST, EDITOR),
    DeskRoute("/gazetteer", glossary.gazetteer_page, GET, VIEWER),
    DeskRoute("/gazetteer", glossary.gazetteer_save, POST, EDITOR),
    # Stories and sections
    DeskRoute("/stories", stories.stories, GET, VIEWER),
    DeskRoute("/stories/{story_id}", stories.story, GET, VIEWER),
    DeskRoute("/stories/{story_id}/merge", stories.story_merge, POST, EDITOR),
    DeskRoute("/stories/{story_id}/headline", stories.story_headline, POST, EDITOR),
    DeskRoute("/articles/{article_id}/story", stories.article_story, POST, EDITOR),
    DeskRoute("/articles/{article_id}/section", stories.article_section, POST, EDITOR),
    DeskRoute("/sections", stories.sections, GET, VIEWER),
    DeskRoute("/sections/retrain", stories.sections_retrain, POST, EDITOR),
    DeskRoute("/sections/name", stories.section_name, POST, EDITOR),
)


async def _not_found(request: Request, exc: Exception) -> Response:
    request.state.session = getattr(request.state, "session", None)
    return pages.render(request, "message.html", status_code=404, message_key="not_found")


def create_desk_app(newsroom: Newsroom) -> Starlette:
    """The desk of `newsroom`, to be mounted at `desk.path` of the site's app."""
    config = newsroom.config
    routes = [
        Route(
            r.path,
            public(r.endpoint)
            if r.role is None
            else guard(r.role, r.endpoint, pages.refuse, upload=r.upload),
            methods=list(r.methods),
        )
        for r in DESK_ROUTES
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found})
    # Starlette's own slash redirect names the request's Host header: a 404 instead.
    app.router.redirect_slashes = False
    app.state.desk = Desk(
        newsroom=newsroom,
        base=config.settings.desk.path.rstrip("/"),
        secure=config.base_url.startswith("https://"),
    )
    return app
