"""Post-editing: a person revises a machine translation (real Apertium, es -> en), the
site shows their text with a notice saying so, the machine's text can be restored,
the memory gives their segments to later articles, and re-translation keeps them."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.clock import utcnow
from babelwire.jobs.post_edit import (
    EditError,
    StaleEditError,
    editable_translation,
    human_segments,
    restore_revision,
    revisions,
    save_edit,
)
from babelwire.jobs.retranslate import retranslate
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import translate_articles
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage.published.changes import changed_articles
from babelwire.storage.published.search import search
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow
from tests.factory import make_article, make_source, small_site

TITLE = "El ayuntamiento abre una nueva biblioteca en el centro"
LIBRARY = (
    "La nueva biblioteca municipal abrió sus puertas el lunes con 12.000 libros. "
    "El alcalde dijo que es un día importante para la ciudad."
)
PARAGRAPHS = [LIBRARY, "La oposición votó en contra y pidió más inversión en las escuelas."]
EDITED = "The new city library opened its doors on Monday with 12,000 books."


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    newsroom = small_site(tmp_path / "site", languages=("es", "en"), database_url=database_url)
    try:
        yield newsroom
    finally:
        newsroom.close()


def _publish(newsroom: Newsroom, title: str, paragraphs: list[str], n: int) -> int:
    with newsroom.sessions() as session:
        source = session.scalar(select(SourceRow)) or make_source(
            session, url="http://127.0.0.1:9/feed", name="Diario", language="es"
        )
        article = make_article(
            session,
            source,
            url=f"http://127.0.0.1:9/{n}",
            title=title,
            blocks=[{"kind": "p", "text": p} for p in paragraphs],
            stage=Stage.EXTRACTED.value,
        )
        session.commit()
        article_id = article.id
    translate_articles(newsroom, [article_id])
    publish_articles(newsroom, [article_id])
    return article_id


def _translation_id(newsroom: Newsroom, article_id: int) -> int:
    with newsroom.sessions() as session:
        row = session.scalar(
            select(TranslationRow).where(
                TranslationRow.article_id == article_id, TranslationRow.language == "en"
            )
        )
        assert row is not None
        return row.id


def _page(newsroom: Newsroom, article_id: int) -> str:
    page = SitePages.for_site(newsroom).article("en", article_id)
    assert page is not None
    return page


def _edit(newsroom: Newsroom, tid: int, *, publish: bool = True, **changes: object) -> object:
    current = editable_translation(newsroom, tid)
    fields: dict[str, object] = {
        "title": "City opens a new library downtown",
        "blocks_text": [EDITED, current.segments[1].text],
        "base_revision": current.revision,
        "editor": "maria",
        "display_name": "María Pérez",
        "publish": publish,
    }
    fields.update(changes)
    return save_edit(newsroom, tid, **fields)  # type: ignore[arg-type]


def _show_names(newsroom: Newsroom) -> None:
    settings = newsroom.config.settings
    desk = replace(settings.desk, show_editor_names=True)
    newsroom.config = replace(newsroom.config, settings=replace(settings, desk=desk))


def test_the_desk_sees_the_original_beside_the_translation(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    item = editable_translation(site, _translation_id(site, article_id))
    assert item.article_id == article_id
    assert (item.source_language, item.target_language) == ("es", "en")
    assert item.original_title == TITLE and item.title and item.title != TITLE
    assert [s.original for s in item.segments] == PARAGRAPHS
    assert [s.index for s in item.segments] == [0, 1] and all(s.text for s in item.segments)
    assert item.status == "translated" and item.engine == "apertium"
    assert item.revision == 1 and item.revised_by is None and item.draft is None


def test_a_published_edit_changes_the_page_and_the_notice(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    before = _page(site, article_id)
    assert "not edited by a person" in before
    edited_from = utcnow()
    result = _edit(site, tid)
    assert result.published and result.revision == 2 and result.memory_segments == 2  # type: ignore[attr-defined]
    page = _page(site, article_id)
    assert EDITED in page and "City opens a new library downtown" in page
    assert "revised by a person" in page and "Apertium" in page
    assert "María Pérez" not in page  # the site does not name editors by default
    _show_names(site)
    named = _page(site, article_id)
    assert "revised by María Pérez" in html.unescape(named)
    # the search index and a static build follow the new text
    with site.sessions() as session:
        assert [h.id for h in search(session, "en", "downtown").teasers] == [article_id]
        assert article_id in changed_articles(session, edited_from)
    item = editable_translation(site, tid)
    assert item.revised_by == "maria" and item.revised_by_display == "María Pérez"


def test_the_notice_speaks_the_editions_language(site: Newsroom) -> None:
    with site.sessions() as session:
        source = make_source(session, url="http://127.0.0.1:9/f", name="Daily", language="en")
        article = make_article(
            session,
            source,
            url="http://127.0.0.1:9/en",
            title="The council opens a new library",
            blocks=[{"kind": "p", "text": "The library opened on Monday."}],
            stage=Stage.EXTRACTED.value,
        )
        session.commit()
        article_id = article.id
    translate_articles(site, [article_id])
    publish_articles(site, [article_id])
    with site.sessions() as session:
        tid = session.scalar(
            select(TranslationRow.id).where(
                TranslationRow.article_id == article_id, TranslationRow.language == "es"
            )
        )
    assert tid is not None
    item = editable_translation(site, tid)
    save_edit(
        site,
        tid,
        title="El ayuntamiento abre una biblioteca",
        blocks_text=["La biblioteca abrió el lunes."],
        base_revision=item.revision,
        editor="joan",
        display_name=None,
        publish=True,
    )
    page = SitePages.for_site(site).article("es", article_id)
    assert page is not None and "revisado por una persona" in page


def test_a_draft_leaves_the_page_as_it_was(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    before = _page(site, article_id)
    result = _edit(site, tid, publish=False)
    assert not result.published and result.revision == 1  # type: ignore[attr-defined]
    assert _page(site, article_id) == before
    item = editable_translation(site, tid)
    assert item.draft is not None and item.draft.blocks_text[0] == EDITED
    assert item.draft.who == "maria" and not item.draft.stale and item.revision == 1
    assert human_segments(site) == 0


def test_an_edit_on_an_older_text_is_refused_with_the_current_one(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    _edit(site, tid)
    with pytest.raises(StaleEditError) as stale:
        _edit(site, tid, base_revision=1, title="Another title", editor="joan")
    current = stale.value.current
    assert current.revision == 2 and current.revised_by == "maria"
    assert current.title == "City opens a new library downtown"
    assert current.blocks_text[0] == EDITED
    assert editable_translation(site, tid).title == "City opens a new library downtown"
    with pytest.raises(EditError):
        _edit(site, tid, blocks_text=["only one block"])


def test_restoring_brings_back_the_machine_text(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    machine = editable_translation(site, tid)
    _edit(site, tid)
    history = revisions(site, tid)
    assert [(r.number, r.kind, r.who) for r in history] == [
        (1, "machine", ""),
        (2, "human", "maria"),
    ]
    assert history[0].blocks_text == tuple(s.text for s in machine.segments)
    result = restore_revision(
        site, tid, 1, editor="maria", display_name="María Pérez", base_revision=2
    )
    assert result.revision == 3
    item = editable_translation(site, tid)
    assert item.title == machine.title and item.segments == machine.segments
    assert item.revised_by is None
    page = _page(site, article_id)
    assert EDITED not in page and "not edited by a person" in page
    assert [r.kind for r in revisions(site, tid)] == ["machine", "human", "restore"]
    # and the person's text can come back in turn
    restore_revision(site, tid, 2, editor="joan", display_name=None, base_revision=3)
    assert editable_translation(site, tid).revised_by == "joan"
    assert EDITED in _page(site, article_id)


def test_a_later_article_gets_the_persons_segment_from_memory(site: Newsroom) -> None:
    first = _publish(site, TITLE, PARAGRAPHS, 0)
    _edit(site, _translation_id(site, first))
    assert human_segments(site) == 2
    later = _publish(site, "Otra noticia sobre la ciudad", [LIBRARY, "Hoy llueve."], 1)
    item = editable_translation(site, _translation_id(site, later))
    assert item.segments[0].text == EDITED
    assert item.segments[1].text and item.segments[1].text != EDITED
    assert item.revised_by is None  # the article itself is still the machine's


def test_retranslation_keeps_an_edit_unless_told_to_overwrite(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    _edit(site, tid)
    retranslate(site)
    kept = editable_translation(site, tid)
    assert kept.segments[0].text == EDITED and kept.revised_by == "maria" and kept.revision == 2
    retranslate(site, overwrite_edits=True)
    again = editable_translation(site, tid)
    assert again.revised_by is None and again.revision == 3
    # the person's segment is in memory, so even the machine pass writes it; the
    # title it never changed is the engine's again
    assert again.segments[0].text == EDITED
    assert [r.number for r in revisions(site, tid)][:2] == [1, 2]


def test_the_command_line_overwrites_edits_only_when_told(site: Newsroom) -> None:
    first = _publish(site, TITLE, PARAGRAPHS, 0)
    later = _publish(site, "Otra noticia sobre la ciudad", [LIBRARY, "Hoy llueve."], 1)
    tid = _translation_id(site, first)
    _edit(site, tid)
    root = str(site.config.root)
    kept = CliRunner().invoke(app, ["retranslate", "-s", root])
    assert kept.exit_code == 0, kept.output
    # only the other article was translated again, and it took the person's block
    assert "Re-translated 1 article(s)" in kept.output and "1 written by people" in kept.output
    assert editable_translation(site, tid).revised_by == "maria"
    assert editable_translation(site, _translation_id(site, later)).segments[0].text == EDITED
    overwritten = CliRunner().invoke(app, ["retranslate", "--overwrite-edits", "-s", root])
    assert overwritten.exit_code == 0, overwritten.output
    assert "Re-translated 2 article(s)" in overwritten.output
    assert editable_translation(site, tid).revised_by is None


def test_the_translate_stage_keeps_an_edit(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    _edit(site, tid, title="A title a person wrote")
    with site.sessions() as session:
        article = session.get(ArticleRow, article_id)
        assert article is not None
        article.stage = Stage.EXTRACTED.value  # the source changed it: translated again
        session.commit()
    assert translate_articles(site, [article_id]).done == [article_id]
    item = editable_translation(site, tid)
    assert item.title == "A title a person wrote" and item.revision == 2


def test_the_page_data_names_the_editor_only_when_allowed(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    _edit(site, _translation_id(site, article_id))
    data = _json_ld(_page(site, article_id))
    assert data["editor"] == {"@type": "Person"}
    assert "Apertium" in data["translator"]["additionalProperty"]["value"]
    _show_names(site)
    named = _json_ld(_page(site, article_id))
    assert named["editor"] == {"@type": "Person", "name": "María Pérez"}


def _json_ld(page: str) -> dict[str, Any]:
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return data


def test_html_typed_in_an_edit_is_shown_as_text(site: Newsroom) -> None:
    article_id = _publish(site, TITLE, PARAGRAPHS, 0)
    tid = _translation_id(site, article_id)
    _edit(site, tid, blocks_text=["<script>alert(1)</script> & <b>bold</b>", "x"])
    page = _page(site, article_id)
    assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
