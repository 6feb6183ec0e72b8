"""The search page: results from the database in serve mode, Pagefind's box in a static build."""

from __future__ import annotations

from urllib.parse import urlencode

from babelwire.publish.paths import url_for_search
from babelwire.publish.rendering import SiteRenderer, page_size
from babelwire.storage.published import search


class SearchPage(SiteRenderer):
    """An edition's search page."""

    def search(self, language: str, query: str = "", page: int = 1) -> str | None:
        """The search page: results from the database, or Pagefind's box in a static build."""
        if not self.has_edition(language):
            return None
        query = query.strip()[:200]
        results = None
        if query and not self.static:
            with self.sessions() as session:
                results = search.search(session, language, query, page, page_size(self.config))
        context = self._context(language, path=url_for_search(language))
        context.update(query=query, results=results, robots="noindex, follow")
        if results is not None:
            base = url_for_search(language) + "?" + urlencode({"q": query})
            words = self.interface(language)
            context["pager_label"] = words.gettext(
                "Page %(page)s of %(pages)s",
                page=words.number(results.page),
                pages=words.number(results.page_count),
            )
            if results.page > 1:
                context["prev_href"] = f"{base}&page={results.page - 1}"
            if results.page < results.page_count:
                context["next_href"] = f"{base}&page={results.page + 1}"
        return self._render("search.html", context)
