"""What a site lacks for its editions, said by `babelwire init` and `babelwire check`:
an edition whose interface has no catalogue (its menus and notices would be English),
whose language CLDR does not know (English dates and numbers), or that no engine can
translate into from the languages its articles come in (with the Apertium package that
would give a route, where one exists)."""

from __future__ import annotations

from babelwire.config import Config
from babelwire.jobs.engine_routes import apertium_pairs
from babelwire.newsroom.services import Services
from babelwire.pipeline.translate.engines.apertium.packages import (
    package_pairs,
    suggest_packages,
)
from babelwire.pipeline.translate.registry import Translators
from babelwire.publish.catalogues import shipped_languages
from babelwire.publish.interface import knows_locale


def site_warnings(config: Config) -> list[str]:
    """A line for each thing an edition lacks; none for a site that has everything."""
    services = Services(config)
    try:
        return interface_warnings(config) + route_warnings(config, services.translators)
    finally:
        services.close()


def interface_warnings(config: Config) -> list[str]:
    shipped = shipped_languages()
    found = []
    for language in config.languages:
        if language not in shipped:
            found.append(
                f"edition {language}: no interface catalogue for {language!r}, so its menus, "
                f"labels and notices are in English (catalogues: {', '.join(shipped)}; "
                "docs/translating.md says how to add one)"
            )
        if not knows_locale(language):
            found.append(
                f"edition {language}: {language!r} is not a language Babel's CLDR data knows; "
                "its dates and numbers are written as in English"
            )
    return found


def route_warnings(config: Config, translators: Translators) -> list[str]:
    """Each edition that some language its articles come in (site.source_languages, else
    the other editions) cannot be translated into with the site's engines."""
    sources = config.settings.site.source_languages or config.languages
    engines = ", ".join(translators.names)
    installed = apertium_pairs(translators)
    reachable = {target for pairs in package_pairs().values() for _, target in pairs}
    found = []
    for target in config.languages:
        missing = [s for s in sources if s != target and not translators.routes(s, target)]
        if not missing:
            continue
        routes = {s: suggest_packages(s, target, installed) for s in missing}
        offered = sorted({p for found_ in routes.values() if found_ for p in found_.packages})
        if offered:
            hint = (
                f"the Apertium package{'s' if len(offered) > 1 else ''} {', '.join(offered)} "
                f"(apt install {' '.join(offered)}) would give "
                + ", ".join(f"{s}>{target}" for s, packages in routes.items() if packages)
            )
        elif target in reachable:
            hint = f"no Apertium package translates {', '.join(missing)} into {target}"
        else:
            hint = f"no Apertium package translates into {target}: add an engine that does"
        found.append(
            f"edition {target}: no translation route from {', '.join(missing)} into "
            f"{target} with the site's engines ({engines}); {hint} (docs/translation.md)"
        )
    return found
