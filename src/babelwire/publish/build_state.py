"""A build's state file: when it was built and from what, so the next build knows
whether it may write only what changed since (the same site, templates and settings)
or must rebuild in full."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from babelwire import __version__
from babelwire.config import Config
from babelwire.publish.catalogues import catalogue_path, shipped_languages
from babelwire.publish.output_folder import STATE_FILE
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import STYLESHEET
from babelwire.publish.rendering import page_size


def fingerprint(pages: SitePages) -> str:
    """Changes when something every page depends on changes: then the build is full."""
    c = pages.config
    parts = {
        "site": site_id(c),
        "version": __version__,
        "style": hashlib.sha256(STYLESHEET).hexdigest(),
        "templates": templates_hash(),
        "languages": c.languages,
        # The names the menus show: configured, or given by a person in the desk.
        "sections": [
            (r.slug, dict(r.names), [pages.section_name(r, code) for code in c.languages])
            for r in c.sections
        ],
        # A section that gains its first article (or loses its last) enters (or leaves)
        # every page's menu.
        "shown_sections": {
            code: [r.slug for r in pages.shown_sections(code)] for code in c.languages
        },
        "title": c.title,
        "base_url": c.base_url,
        "description": c.settings.site.description,
        "about": c.settings.site.about,
        "timezone": c.settings.site.timezone,
        "contact": c.settings.site.contact,
        "page_size": page_size(c),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def site_id(config: Config) -> str:
    """Names the site a build was made from (its database) without revealing the URL,
    which may hold a password: another site's build in `outdir` is rebuilt in full."""
    return hashlib.sha256(config.database_url.encode("utf-8")).hexdigest()[:16]


def templates_hash() -> str:
    folder = Path(__file__).resolve().parent.parent / "web" / "templates"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.html")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    # The interface's words are the templates' too.
    for language in shipped_languages():
        digest.update(language.encode())
        digest.update(catalogue_path(language).read_bytes())
    return digest.hexdigest()


def write_state(root: Path, pages: SitePages, started: datetime) -> None:
    state = {
        "built_at": started.isoformat(),
        "fingerprint": fingerprint(pages),
        "site": site_id(pages.config),
    }
    (root / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def read_state(outdir: Path) -> dict[str, str] | None:
    try:
        state = json.loads((outdir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None
