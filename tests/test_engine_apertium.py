"""ApertiumEngine against the real Apertium installation (no mocks)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from babelwire.pipeline.translate.engine import Engine, EngineError, UnsupportedPair
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine, find_tagger, parse_mode
from babelwire.pipeline.translate.engines.apertium.stream import (
    deformat,
    reformat,
    strip_stream_marks,
)

MODES = Path(os.environ.get("APERTIUM_MODES_DIR") or "/usr/share/apertium/modes")
needs_apertium = pytest.mark.skipif(
    shutil.which("lt-proc") is None or not (MODES / "spa-eng.mode").is_file(),
    reason="Apertium with the eng-spa pair is not installed",
)

SPECIALS = "[ ] ^ $ / @ < > { } \\"


@pytest.fixture(scope="module")
def engine() -> Iterator[ApertiumEngine]:
    with ApertiumEngine(MODES) as eng:
        yield eng


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_dead(pid: int) -> None:
    """Until a killed process has died (a zombie, or gone), however busy the machine."""
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still runs a minute after SIGKILL")


# -- pure functions -----------------------------------------------------------------


def test_deformat_escapes_and_protects() -> None:
    assert deformat("a [b] ^c$ /d <e> {f} \\g") == ("a \\[b\\] \\^c\\$ \\/d \\<e\\> \\{f\\} \\\\g")
    assert deformat("Mira #MeToo y @bob_2 en bob@example.com.") == (
        "Mira [#MeToo] y [\\@bob_2] en [bob\\@example.com]."
    )
    assert deformat("Ver https://example.com/a_b?c=1, 5*3 ~ 2") == (
        "Ver [https:\\/\\/example.com\\/a_b?c=1], 5[*]3 [~] 2"
    )


def test_reformat_unescapes_and_counts_marks() -> None:
    text, marks = reformat("*Xylo y #ir \\@casa [*lit] \\[x\\] [5\\*3] a\\/b\n")
    assert text == "Xylo y ir casa *lit [x] 5*3 a/b\n"
    assert marks == 3
    assert reformat("Plain text.\n") == ("Plain text.\n", 0)


def test_strip_stream_marks_keeps_escapes_and_superblanks() -> None:
    data = b"*foo \\@bar #baz [#tag] \\[x\\] \\/ [a\\]b]\n\0*q\n\0"
    assert strip_stream_marks(data) == (b"foo bar baz [#tag] \\[x\\] \\/ [a\\]b]\n\0q\n\0", 4)


def test_parse_mode_adds_null_flush_and_substitutes() -> None:
    stages, generator = parse_mode(
        "lt-proc 'a b.bin' | apertium-tagger -g $2 'c.prob' | tr a b | lt-proc $1 'gen.bin'"
        " | lt-proc -p 'post.bin'\n"
    )
    assert stages == [
        ["lt-proc", "-z", "a b.bin"],
        ["apertium-tagger", "-z", "-g", "c.prob"],
        ["tr", "a", "b"],
        ["lt-proc", "-z", "-g", "gen.bin"],
        ["lt-proc", "-z", "-p", "post.bin"],
    ]
    assert generator == 3
    with pytest.raises(EngineError):
        parse_mode("lt-proc x.bin > out.txt")


def test_find_tagger_takes_the_hmm_tagger_only() -> None:
    hmm, generator = parse_mode("lt-proc a.bin | apertium-tagger -g $2 c.prob | t1 | lt-proc $1 g")
    assert generator is not None and find_tagger(hmm, generator + 1) == 1
    perceptron, generator = parse_mode(
        "lt-proc a | cg-proc r | apertium-tagger -gx p | t | lt-proc $1 g"
    )
    assert generator is not None and find_tagger(perceptron, generator + 1) is None
    first, _ = parse_mode("apertium-tagger -g c.prob | t1 | t2")
    assert find_tagger(first, len(first)) is None  # nothing before it to read from


# -- real Apertium ------------------------------------------------------------------


@needs_apertium
def test_is_an_engine_with_metadata(engine: ApertiumEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "apertium"
    assert re.fullmatch(r"\d+(\.\d+)+|unknown", engine.version())
    assert engine.version() == engine.version()
    pairs = engine.pairs()
    for pair in [("en", "es"), ("es", "en"), ("es", "ca"), ("ca", "en")]:
        assert pair in pairs
    assert not any("_" in s or "_" in t for s, t in pairs)  # variants are not pairs
    if shutil.which("dpkg-query"):
        assert re.match(r"\d", engine.pair_version("en", "es"))


@needs_apertium
def test_translates_spanish_to_english(engine: ApertiumEngine) -> None:
    source = "El gobierno aprobó el presupuesto."
    (out,) = engine.translate_batch([source], "es", "en")
    assert out != source
    assert "government" in out.lower()
    assert "approved" in out.lower()
    assert out.endswith(".")
    # ISO 639-3 codes are accepted too.
    assert engine.translate_batch([source], "spa", "eng") == [out]


@needs_apertium
def test_batch_keeps_order_count_and_final_periods(engine: ApertiumEngine) -> None:
    words = ["perro", "gato", "coche", "libro", "árbol"]
    segments: list[str] = []
    for i in range(200):
        if i % 17 == 0:
            segments.append("" if i % 2 else "   \n ")
            continue
        body = " ".join(f"El {words[(i + k) % 5]} número {i} come." for k in range(1 + i % 9))
        segments.append(body if i % 3 else body[:-1])  # some without a final period
    segments.append("Un\0 perro.")
    out, marks = engine.translate_batch_with_stats(segments, "es", "en")
    assert len(out) == len(segments)
    assert marks == 0
    for i, (src, dst) in enumerate(zip(segments, out, strict=True)):
        if not src.strip():
            assert dst == ""
            continue
        if i < 200:
            assert dst.split().count(str(i)) == src.split().count(str(i)) >= 1, (src, dst)
        assert dst.endswith(".") == src.endswith("."), (src, dst)
        assert not dst.endswith("\n")
    assert out[-1] == "A dog."


@needs_apertium
def test_special_characters_survive(engine: ApertiumEngine) -> None:
    source = f"El precio {SPECIALS} es alto."
    (out,) = engine.translate_batch([source], "es", "en")
    for char in set(SPECIALS.replace(" ", "")):
        assert out.count(char) == source.count(char), (char, out)
    assert SPECIALS in out
    source = (
        "Escribe a ana@example.com o a @ana_bcn, lee https://example.com/a_b?x=1 "
        "y busca #Eleccions2024; 5*3 es 15 ~ aprox. Línea\nnueva."
    )
    (out,) = engine.translate_batch([source], "es", "en")
    for kept in [
        "ana@example.com",
        "@ana_bcn",
        "https://example.com/a_b?x=1",
        "#Eleccions2024",
        "5*3",
        "~",
        "\n",
    ]:
        assert kept in out, (kept, out)


@needs_apertium
def test_unknown_words_lose_their_marks(engine: ApertiumEngine) -> None:
    out, marks = engine.translate_batch_with_stats(
        ["El Xylofrantz come manzanas.", "El perro come manzanas."], "es", "en"
    )
    assert "Xylofrantz" in out[0]
    assert not re.search(r"[*#@]", "".join(out))
    assert marks == 1
    out, marks = engine.translate_batch_with_stats(["The blorptastic dog runs."], "en", "es")
    assert "blorptastic" in out[0] and "*" not in out[0]
    assert marks >= 1


@needs_apertium
def test_other_pairs_and_concurrency(engine: ApertiumEngine) -> None:
    jobs = {
        ("es", "en"): "El perro come.",
        ("en", "es"): "The dog eats.",
        ("es", "ca"): "El perro come.",
        ("ca", "en"): "El gos menja.",
    }
    results: dict[tuple[str, str], list[str]] = {}

    def work(pair: tuple[str, str]) -> None:
        results[pair] = engine.translate_batch([jobs[pair]] * 30, *pair)

    threads = [threading.Thread(target=work, args=(p,)) for p in [*jobs, ("es", "en")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results[("es", "en")] == ["The dog eats."] * 30
    assert results[("en", "es")] == ["El perro come."] * 30
    assert results[("es", "ca")] == ["El gos menja."] * 30
    assert results[("ca", "en")] == ["The dog eats."] * 30


@needs_apertium
def test_unsupported_pair(engine: ApertiumEngine) -> None:
    with pytest.raises(UnsupportedPair) as info:
        engine.translate_batch(["Bonjour"], "fr", "ja")
    assert "fr->ja" in str(info.value)
    assert "es-en" in str(info.value)
    assert engine.translate_batch([], "es", "en") == []
    assert engine.translate_batch(["", " "], "es", "en") == ["", ""]


# A sentence with a word of an ambiguity class the eng-spa tagger's model lacks ("known
# as Posidonia"), and one that a tagger changed by such a word tags otherwise.
CHANGES_THE_TAGGER = "The plant, known as Posidonia, forms meadows."
TAGGED_DIFFERENTLY = (
    "Ms Roca rejected the criticism and said the projects had been prepared with local "
    "councils over the past two years."
)


@needs_apertium
def test_each_segment_is_translated_as_by_a_fresh_pipeline() -> None:
    with ApertiumEngine(MODES) as fresh:
        expected = fresh.translate_batch([TAGGED_DIFFERENTLY], "en", "es")[0]
    with ApertiumEngine(MODES, fresh_tagger=True) as eng:
        eng.translate_batch(["Hello."], "en", "es")
        tagger = eng.pipeline_pids("en", "es")[1]
        after = eng.translate_batch([CHANGES_THE_TAGGER, TAGGED_DIFFERENTLY], "en", "es")[1]
        assert eng.pipeline_pids("en", "es")[1] != tagger  # a fresh tagger was started
        assert after == expected
        assert eng.translate_batch([TAGGED_DIFFERENTLY], "en", "es")[0] == expected


@needs_apertium
def test_without_fresh_tagging_a_segment_depends_on_what_came_before() -> None:
    with ApertiumEngine(MODES) as fresh:
        expected = fresh.translate_batch([TAGGED_DIFFERENTLY], "en", "es")[0]
    with ApertiumEngine(MODES) as eng:  # one tagger for the pipeline's life (the default)
        eng.translate_batch([CHANGES_THE_TAGGER], "en", "es")
        assert eng.translate_batch([TAGGED_DIFFERENTLY], "en", "es")[0] != expected


@needs_apertium
def test_translations_do_not_depend_on_what_came_before() -> None:
    from babelwire.demo.server import load_samples

    texts = [
        text
        for outlet in load_samples()
        if outlet.language == "en"
        for article in outlet.articles
        for text in [article.title, *(text for _kind, text in article.body)]
    ]
    assert len(texts) > 50
    shuffled = list(reversed(texts[1::2])) + list(texts[::2])
    with ApertiumEngine(MODES, fresh_tagger=True) as eng:
        first = dict(zip(texts, eng.translate_batch(texts, "en", "es"), strict=True))
        second = dict(zip(shuffled, eng.translate_batch(shuffled, "en", "es"), strict=True))
    assert first == second


@needs_apertium
def test_killed_stage_between_calls_restarts() -> None:
    with ApertiumEngine(MODES) as eng:
        assert eng.translate_batch(["El perro come."], "es", "en") == ["The dog eats."]
        pids = eng.pipeline_pids("es", "en")
        assert len(pids) >= 5
        os.kill(pids[len(pids) // 2], signal.SIGKILL)
        _wait_dead(pids[len(pids) // 2])
        # The dead stage is noticed before the call uses the pipeline: a new one starts.
        assert eng.translate_batch(["El gato come."], "es", "en") == ["The cat eats."]
        assert eng.pipeline_pids("es", "en") != pids


@needs_apertium
@pytest.mark.parametrize("stage", [1, 2], ids=["tagger", "pretransfer"])
def test_killed_stage_mid_batch_raises_then_recovers(stage: int) -> None:
    with ApertiumEngine(MODES, fresh_tagger=True) as eng:
        eng.translate_batch(["Hola."], "es", "en")
        pids = eng.pipeline_pids("es", "en")
        segments = [f"El perro número {i} come manzanas en la calle." for i in range(6000)]
        outcome: list[object] = []

        def call() -> None:
            try:
                outcome.append(eng.translate_batch(segments, "es", "en"))
            except EngineError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        time.sleep(0.3)
        os.kill(pids[stage], signal.SIGKILL)
        thread.join(timeout=30)
        assert not thread.is_alive()
        (result,) = outcome
        if isinstance(result, EngineError):  # normally; unless the batch beat the kill
            message = str(result)
            assert "spa-eng" in message
            assert "exit code -9" in message
        assert not any(_alive(pid) for pid in pids)
        assert eng.translate_batch(["El gato come."], "es", "en") == ["The cat eats."]


@needs_apertium
def test_close_stops_pipelines() -> None:
    eng = ApertiumEngine(MODES)
    eng.translate_batch(["Hola."], "es", "en")
    pids = eng.pipeline_pids("es", "en")
    eng.close()
    assert eng.pipeline_pids("es", "en") == []
    assert not any(_alive(pid) for pid in pids)
    assert eng.translate_batch(["Hola."], "es", "en") == ["Hello."]  # restarts lazily
    eng.close()


# -- custom modes: hanging and broken pipelines --------------------------------------


def test_timeout_kills_and_next_call_recovers(tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    # The hang outlasts the test's own time limit: only the engine's timeout ends it.
    (tmp_path / "xxa-xxb.mode").write_text(
        f"sh -c 'if [ -e {flag} ]; then exec cat; else exec sleep 3600; fi'\n"
    )
    (tmp_path / "xxa-xxb_variant.mode").write_text("cat\n")
    with ApertiumEngine(tmp_path, timeout=0.5) as eng:
        assert eng.pairs() == {("xxa", "xxb")}
        with pytest.raises(EngineError, match=r"no output for 0\.5 s"):
            eng.translate_batch(["Hola, mundo."] * 20000, "xxa", "xxb")
        flag.touch()
        eng.timeout = 60  # a new pipeline on a busy machine may take longer than 0.5 s
        # The echo pipeline returns the escaped stream: deformat/reformat round trip.
        texts = [f"x {SPECIALS} #tag @h a@b.c 5*3 ~ *x\nend.", "", "Hola."]
        out, marks = eng.translate_batch_with_stats(texts, "xxa", "xxb")
        assert out == texts
        assert marks == 0


def test_dying_and_missing_stages(tmp_path: Path) -> None:
    (tmp_path / "xxa-xxb.mode").write_text("cat | sh -c 'echo broken dictionary >&2; exit 3'\n")
    (tmp_path / "xxa-xxc.mode").write_text("cat | no-such-apertium-program-xyz\n")
    # A timeout beyond the test's own time limit: a stage's death must be seen at once.
    with ApertiumEngine(tmp_path, timeout=3600) as eng:
        with pytest.raises(EngineError) as info:
            eng.translate_batch(["Hola."], "xxa", "xxb")
        message = str(info.value)
        assert "xxa-xxb" in message and "exit code 3" in message
        assert "broken dictionary" in message
        with pytest.raises(EngineError, match="no-such-apertium-program-xyz"):
            eng.translate_batch(["Hola."], "xxa", "xxc")


def test_modes_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "xxa-xxb.mode").write_text("cat\n")
    monkeypatch.setenv("APERTIUM_MODES_DIR", str(tmp_path))
    with ApertiumEngine() as eng:
        assert eng.pairs() == {("xxa", "xxb")}
        assert eng.translate_batch(["a/b"], "xxa", "xxb") == ["a/b"]
        assert eng.pair_version("xxa", "xxb") == ""


def test_site_setting_turns_fresh_tagging_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babelwire.config import Config
    from babelwire.jobs.site import create_site
    from babelwire.newsroom import engine_options
    from babelwire.pipeline.translate.registry import FACTORIES

    create_site(tmp_path)
    default = FACTORIES["apertium"](engine_options(Config.load(tmp_path)))
    assert isinstance(default, ApertiumEngine) and not default.fresh_tagger
    monkeypatch.setenv("BABELWIRE_TRANSLATION_APERTIUM_FRESH_TAGGER", "true")
    chosen = FACTORIES["apertium"](engine_options(Config.load(tmp_path)))
    assert isinstance(chosen, ApertiumEngine) and chosen.fresh_tagger
