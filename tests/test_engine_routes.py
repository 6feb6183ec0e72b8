"""Routes beyond en/es/ca: every Debian Apertium pair the suite installs translates for
real, pivots are chosen by measured quality, and missing routes name their package.

scripts/setup-system.sh installs the pairs used here (`make test`); a machine
without one skips the tests that need it, saying which package is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.site import create_site
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.apertium import DEFAULT_MODES_DIR, ApertiumEngine
from babelwire.pipeline.translate.engines.apertium.modes import mode_files
from babelwire.pipeline.translate.engines.apertium.packages import (
    PACKAGES,
    package_pairs,
    suggest_packages,
)
from babelwire.pipeline.translate.gate_offsets import offset
from babelwire.pipeline.translate.preferences import PreferenceError, parse_preferences
from babelwire.pipeline.translate.registry import EngineOptions, Translators, route_measure
from babelwire.pipeline.translate.route_quality import QUALITY_FILE, load_measures, measured

# Pair -> (a sentence, a word its translation must hold), for every pair the tests use.
SENTENCES = {
    ("es", "gl"): ("El gobierno aprobó el presupuesto.", "goberno"),
    ("gl", "es"): ("O goberno aprobou o orzamento.", "gobierno"),
    ("en", "gl"): ("The government approved the budget.", "goberno"),
    ("gl", "en"): ("O goberno aprobou o orzamento.", "government"),
    ("es", "pt"): ("El gobierno aprobó el presupuesto.", "governo"),
    ("pt", "es"): ("O governo aprovou o orçamento.", "gobierno"),
    ("fr", "es"): ("Le gouvernement a approuvé le budget.", "presupuesto"),
    ("es", "fr"): ("El gobierno aprobó el presupuesto.", "gouvernement"),
    ("fr", "ca"): ("Le gouvernement a approuvé le budget.", "govern"),
    ("ca", "fr"): ("El govern va aprovar el pressupost.", "gouvernement"),
    ("ca", "it"): ("El govern va aprovar el pressupost.", "governo"),
    ("eu", "es"): ("Gobernuak aurrekontua onartu zuen.", "gobierno"),
    ("eu", "en"): ("Gobernuak aurrekontua onartu zuen.", "government"),
    ("oc", "es"): ("Lo govèrn a aprovat lo budget.", "gobierno"),
    ("ro", "es"): ("Guvernul a aprobat bugetul.", "gobierno"),
}


def _package(pair: tuple[str, str]) -> str:
    return next(p for p, pairs in package_pairs().items() if pair in pairs)


def _installed(*pairs: tuple[str, str]) -> pytest.MarkDecorator:
    have = {(s, t) for s, t in ApertiumEngine().pairs()} if shutil.which("lt-proc") else set()
    missing = sorted({_package(p) for p in pairs if p not in have})
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)}")


@pytest.mark.parametrize("pair", sorted(SENTENCES), ids=lambda p: f"{p[0]}-{p[1]}")
def test_every_pair_the_suite_installs_translates(pair: tuple[str, str]) -> None:
    if pair not in ApertiumEngine().pairs():
        pytest.skip(f"{_package(pair)} is not installed (scripts/setup-system.sh installs it)")
    sentence, word = SENTENCES[pair]
    with ApertiumEngine(timeout=60) as engine:
        (out,) = engine.translate_batch([sentence], *pair)
        assert word in out.lower(), out
        assert engine.pair_version(*pair)[:1].isdigit()  # the Debian package's version


def test_modes_named_in_either_code_are_one_pair(tmp_path: Path) -> None:
    for name in ("es-gl.mode", "spa-cat.mode", "es-ca.mode", "eu-en.mode", "xx-yy.mode"):
        (tmp_path / name).write_text("cat\n", encoding="utf-8")
    found = mode_files(tmp_path)
    assert found[("spa", "glg")].name == "es-gl.mode"
    assert found[("spa", "cat")].name == "spa-cat.mode"  # the ISO 639-3 mode wins
    assert ("eus", "eng") in found and ("xx", "yy") in found
    engine = ApertiumEngine(modes_dir=tmp_path)
    assert {("es", "gl"), ("es", "ca"), ("eu", "en")} <= engine.pairs()
    assert engine.translate_batch(["O goberno"], "es", "gl") == ["O goberno"]  # `cat`
    engine.close()


def test_the_shipped_route_table_holds_every_pair_measured() -> None:
    table = load_measures(QUALITY_FILE)["apertium"]
    for key in ("es>gl", "gl>es", "es>pt", "fr>es", "ca>fr", "eu>es", "en>gl"):
        assert 20 < table[key].chrf < 90 and table[key].words_per_second > 0
    assert any(key.count(">") == 2 for key in table)  # pivot routes too
    assert measured("apertium", "es>gl") == table["es>gl"]
    assert measured("apertium", "xx>yy") is None and measured("other", "es>gl") is None


def _modes(tmp_path: Path, *modes: str) -> Path:
    folder = tmp_path / "modes"
    folder.mkdir()
    for mode in modes:
        shutil.copy(DEFAULT_MODES_DIR / f"{mode}.mode", folder / f"{mode}.mode")
    return folder


@_installed(("ca", "es"), ("es", "gl"), ("ca", "pt"), ("pt", "gl"), ("ca", "en"), ("en", "gl"))
def test_the_pivot_is_the_best_measured_route(tmp_path: Path) -> None:
    folder = _modes(tmp_path, "cat-spa", "es-gl", "cat-por", "pt-gl", "cat-eng", "en-gl")
    translators = Translators(["apertium"], engines=[ApertiumEngine(modes_dir=folder)])
    routes = translators.routes("ca", "gl")
    assert sorted(r.pivot for r in routes) == ["ca>en>gl", "ca>es>gl", "ca>pt>gl"]
    scores = [route_measure(r) for r in routes]
    assert all(s is not None for s in scores)
    chrfs = [s.chrf for s in scores if s is not None]
    assert chrfs == sorted(chrfs, reverse=True)  # not the fixed order, which starts with en
    (result,) = translate_texts(routes[0], [SourceText("El govern va aprovar el pressupost.", [])])
    assert "goberno" in result.article.title.lower()
    assert routes[0].pivot == "ca>es>gl"  # 58.1, against 55.5 through pt and 49.4 through en
    translators.close()


def test_unmeasured_pivots_follow_the_measured_ones_in_the_fixed_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babelwire.pipeline.translate import route_quality

    table = {"apertium": {"xa>fr>xb": route_quality.Measure(40.0, 100)}}
    monkeypatch.setattr(route_quality, "_shipped", lambda: table)
    folder = tmp_path / "modes"
    folder.mkdir()
    for pivot in ("eng", "spa", "fra"):
        for mode in (f"xa-{pivot}", f"{pivot}-xb"):
            (folder / f"{mode}.mode").write_text("cat\n", encoding="utf-8")
    translators = Translators(["apertium"], engines=[ApertiumEngine(modes_dir=folder)])
    assert [r.pivot for r in translators.routes("xa", "xb")] == ["xa>fr>xb", "xa>en>xb", "xa>es>xb"]


def test_preferences_are_checked() -> None:
    assert parse_preferences(["es>en=ctranslate2", " gl > en = openai "]) == {
        ("es", "en"): "ctranslate2",
        ("gl", "en"): "openai",
    }
    for bad in (["es-en=openai"], ["es>es=openai"], ["es>en=openai", "es>en=argos"]):
        with pytest.raises(PreferenceError, match=r"translation\.prefer"):
            parse_preferences(bad)
    with pytest.raises(EngineError, match="unknown engine"):
        Translators(["apertium"], options=EngineOptions(prefer={("es", "en"): "nope"}))


def test_missing_routes_name_their_packages() -> None:
    assert set(PACKAGES) >= {"apertium-es-gl", "apertium-eu-es", "apertium-fra-cat"}
    everything: set[tuple[str, str]] = set()
    assert suggest_packages("es", "gl", everything).packages == ("apertium-es-gl",)  # type: ignore[union-attr]
    # Basque into Catalan: no package translates it directly; two do through Spanish
    basque = suggest_packages("eu", "ca", {("es", "ca")})
    assert basque is not None and basque.pivot
    assert basque.packages == ("apertium-eu-es",) and basque.path == "eu>es>ca"
    # an installed hop costs nothing, so the route through it wins
    assert suggest_packages("eu", "ca", {("en", "ca")}).path == "eu>en>ca"  # type: ignore[union-attr]
    assert suggest_packages("es", "gl", {("es", "gl")}) is None  # installed already
    assert suggest_packages("en", "ro", set()) is None  # no package reaches it


@_installed(("es", "en"), ("en", "es"))
def test_engines_suggest_and_list_on_a_machine_with_few_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _modes(tmp_path, "eng-spa", "spa-eng")
    monkeypatch.setenv("APERTIUM_MODES_DIR", str(folder))
    runner = CliRunner()
    done = runner.invoke(app, ["init", str(tmp_path / "site"), "--languages", "en,es,gl"])
    assert done.exit_code == 0, done.output
    assert "es>gl: apertium-es-gl (directly)" in done.output
    assert "en>gl: apertium-en-gl (directly)" in done.output
    assert "Install with: sudo apt-get install" in done.output
    suggested = runner.invoke(
        app, ["engines", "suggest", "-s", str(tmp_path / "site"), "--from", "eu"]
    )
    assert suggested.exit_code == 0, suggested.output
    assert "eu>es: apertium-eu-es (directly)" in suggested.output
    listing = runner.invoke(app, ["engines", "-s", str(tmp_path / "site")])
    assert listing.exit_code == 0, listing.output
    assert "es>en" in listing.output and "no route" in listing.output
    es_en = measured("apertium", "es>en")
    assert es_en is not None and f"{es_en.chrf:.1f}" in listing.output
    # the gate's threshold for the pair: the site's, moved by the pair's calibrated offset
    row = next(line for line in listing.output.splitlines() if line.startswith("│ es>en"))
    assert f"{0.40 + offset('apertium', 'es', 'en'):.2f}" in row


def test_a_site_with_every_route_says_so(tmp_path: Path) -> None:
    create_site(tmp_path / "site", languages=("en",))
    done = CliRunner().invoke(app, ["engines", "suggest", "-s", str(tmp_path / "site")])
    assert done.exit_code == 0, done.output
    assert "Every pair has a route." in done.output
