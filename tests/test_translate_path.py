"""The translation path's parts: segmentation, protection, glossary, memory, quality,
and the whole path through real Apertium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import (
    PathSettings,
    PathStats,
    Route,
    SourceText,
    translate_texts,
)
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.glossary import (
    Glossary,
    GlossaryError,
    Term,
    load_glossary,
    parse_file,
)
from babelwire.pipeline.translate.memory import DictMemory, memory_key
from babelwire.pipeline.translate.protect import STYLES, mask, unmask
from babelwire.pipeline.translate.quality import Measures, assess
from babelwire.pipeline.translate.segment import join_pieces, split_block


@pytest.fixture(scope="module")
def engine() -> Iterator[ApertiumEngine]:
    with ApertiumEngine(timeout=60) as e:
        yield e


# --- segmentation ----------------------------------------------------------------------


def test_split_block_gives_the_block_back_and_finds_sentences() -> None:
    text = "El Sr. García llegó a las 10.30 h.  Dijo: «Hola». ¿Vienes? Sí."
    pieces = split_block(text, "es")
    assert "".join(p.lead + p.text + p.trail for p in pieces) == text
    assert [p.text for p in pieces] == [
        "El Sr. García llegó a las 10.30 h.",
        "Dijo: «Hola».",
        "¿Vienes?",
        "Sí.",
    ]
    assert join_pieces(pieces, [p.text.upper() for p in pieces]) == text.upper()


def test_long_sentences_are_chunked_at_clauses_then_words() -> None:
    clauses = ", ".join(f"la cláusula número {i} del texto" for i in range(30)) + "."
    pieces = split_block(clauses, "es", max_words=20)
    assert len(pieces) > 1
    assert all(len(p.text.split()) <= 20 for p in pieces)
    assert all(p.text.endswith((",", ".")) for p in pieces)
    assert "".join(p.lead + p.text + p.trail for p in pieces) == clauses
    words = " ".join(["palabra"] * 50)
    assert [len(p.text.split()) for p in split_block(words, "es", max_words=20)] == [20, 20, 10]


def test_empty_and_unknown_language() -> None:
    assert split_block("", "es") == []
    pieces = split_block("Una frase. Otra.", "xx-unknown")
    assert "".join(p.lead + p.text + p.trail for p in pieces) == "Una frase. Otra."


# --- protection ------------------------------------------------------------------------


SAMPLE = (
    "Visita https://diario.example/a?b=1, escribe a ana@diario.example, sigue a @babel "
    "y #Noticias el 25/11/2026 a las 10:30; costó 1.500,25 euros."
)
PROTECTED = [
    "https://diario.example/a?b=1",
    "ana@diario.example",
    "@babel",
    "#Noticias",
    "25/11/2026",
    "10:30",
    "1.500,25",
]


@pytest.mark.parametrize("style", ["word", "char"])
def test_mask_and_unmask_round_trip(style: str) -> None:
    masked = mask(SAMPLE, ["url", "email", "handle", "hashtag", "number"], style=STYLES[style])
    assert list(masked.values) == PROTECTED
    for span in PROTECTED:
        assert span not in masked.text
    restored, lost = unmask(masked.text, masked, STYLES[style])
    assert (restored, lost) == (SAMPLE, 0)
    # a placeholder the engine dropped is counted
    dropped = masked.text.replace(STYLES[style].make(2), "")
    assert unmask(dropped, masked, STYLES[style])[1] == 1


def test_native_kinds_are_kept_and_checked() -> None:
    masked = mask(SAMPLE, ["url", "number"], style=STYLES["word"], native=frozenset({"number"}))
    assert masked.values == ("https://diario.example/a?b=1",)
    assert masked.kept == ("25/11/2026", "10:30", "1.500,25")
    changed = masked.text.replace("10:30", "10.30")
    assert unmask(changed, masked, STYLES["word"])[1] == 1


def test_many_word_placeholders_are_distinct() -> None:
    style = STYLES["word"]
    tokens = [style.make(i) for i in range(800)]
    assert len(set(tokens)) == 800
    assert all(style.index(t) == i for i, t in enumerate(tokens))
    assert all(style.pattern.fullmatch(t) for t in tokens)


# --- glossary --------------------------------------------------------------------------


def test_glossary_from_toml_and_file(tmp_path: Path) -> None:
    (tmp_path / "names.tsv").write_text(
        "# from\tto\tterm\ttranslation\n*\t*\tGeneralitat\nes\ten\tJunta\tRegional Board\n",
        encoding="utf-8",
    )
    data = {
        "glossary": [
            {
                "term": "integridad territorial",
                "translation": "territorial integrity",
                "from": "es",
            },
            {"term": "Junta", "translation": "Board"},
        ]
    }
    glossary = load_glossary(tmp_path, data, ["names.tsv"])
    assert len(glossary.terms) == 4 and len(glossary.version) == 12
    es_en = glossary.for_pair("es", "en")
    # pair-specific entries win over wildcards; unrelated pairs do not see them
    assert es_en.outputs == {
        "Generalitat": "Generalitat",
        "integridad territorial": "territorial integrity",
        "Junta": "Regional Board",
    }
    assert "integridad territorial" not in glossary.for_pair("ca", "en").outputs
    assert glossary.for_pair("ca", "en").outputs["Junta"] == "Board"
    # whole words only
    assert [m.group(0) for m in es_en.matches("La Juntana y la Junta")] == ["Junta"]
    other = Glossary((*glossary.terms, Term("Otro")))
    assert other.version != glossary.version


def test_glossary_errors_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("es\ten\tbien\tgood\nsolo-dos\tcampos\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad.tsv:2"):
        parse_file(bad)
    with pytest.raises(GlossaryError, match="term"):
        load_glossary(tmp_path, {"glossary": [{"translation": "x"}]}, [])
    with pytest.raises(GlossaryError, match=r"missing\.tsv"):
        load_glossary(tmp_path, {}, ["missing.tsv"])


# --- quality ---------------------------------------------------------------------------


SOURCE = [
    "El gobierno regional aprobó ayer el presupuesto de 2027.",
    "La oposición votó en contra y pidió más inversión en las escuelas.",
]


def _verdict(targets: list[str], **kwargs: int) -> tuple[float, list[str]]:
    v = assess(Measures(SOURCE, targets, **kwargs), "es", "en")
    return v.score, v.flags


def test_a_good_translation_passes() -> None:
    score, flags = _verdict(
        [
            "The regional government approved the 2027 budget yesterday.",
            "The opposition voted against it and asked for more investment in schools.",
        ]
    )
    assert (score, flags) == (1.0, [])


@pytest.mark.parametrize(
    ("targets", "flag"),
    [
        (["", ""], "empty"),
        (SOURCE, "copy-of-source"),
        (SOURCE, "wrong-language"),
        (
            [
                "The regional government approved approved approved approved approved the budget.",
                "The opposition voted against it and asked for more investment in schools.",
            ],
            "repetition",
        ),
        (
            [
                "The regional government approved the 2026 budget yesterday.",
                "The opposition voted against it and asked for more investment in schools.",
            ],
            "numbers-changed",
        ),
        (["The government.", "No."], "length-ratio"),
        (["The regional government approved the 2027 budget yesterday.", ""], "empty-segment"),
    ],
)
def test_known_bad_translations_are_flagged(targets: list[str], flag: str) -> None:
    score, flags = _verdict(targets)
    assert flag in flags
    assert score < 1.0


def test_unknown_words_and_lost_placeholders_lower_the_score() -> None:
    good = [
        "The regional government approved the 2027 budget yesterday.",
        "The opposition voted against it and asked for more investment in schools.",
    ]
    assert "unknown-words" in _verdict(good, unknown_words=6)[1]
    assert "unknown-words" not in _verdict(good, unknown_words=1)[1]
    assert "placeholders-lost" in _verdict(good, placeholders=2, placeholders_lost=1)[1]


# --- the whole path through Apertium ---------------------------------------------------


def test_protected_spans_and_glossary_survive_apertium(engine: ApertiumEngine) -> None:
    glossary = Glossary(
        (
            Term("integridad territorial", "territorial integrity", "es", "en"),
            Term("Generalitat"),
            Term("Puerto Viejo"),
        )
    )
    text = SourceText(
        "La Generalitat defiende la integridad territorial.",
        [
            Block(BlockKind.HEADING, "Puerto Viejo"),
            Block(BlockKind.PARAGRAPH, SAMPLE + " El alcalde de Puerto Viejo habló."),
            Block(BlockKind.LIST_ITEM, "Uno. Dos."),
        ],
    )
    (result,) = translate_texts(
        engine, [text], "es", "en", settings=PathSettings(glossary=glossary)
    )
    article = result.article
    assert article.title == "The Generalitat defends the territorial integrity."
    assert [b.kind for b in article.blocks] == [b.kind for b in text.blocks]
    assert article.blocks[0].text == "Puerto Viejo"
    body = article.blocks[1].text
    for span in PROTECTED:
        assert span in body
    assert "Puerto Viejo" in body and "Port" not in body
    assert "Zxq" not in body
    assert result.verdict.flags == [] and result.verdict.score == 1.0
    assert result.glossary_version == glossary.version


def test_without_the_glossary_names_are_translated(engine: ApertiumEngine) -> None:
    (result,) = translate_texts(
        engine, [SourceText("El alcalde de Puerto Viejo habló.", [])], "es", "en"
    )
    assert "Puerto Viejo" not in result.article.title


def test_memory_answers_repeated_segments(engine: ApertiumEngine) -> None:
    boiler = Block(BlockKind.PARAGRAPH, "Suscríbete a nuestro boletín en https://a.example/x.")
    texts = [
        SourceText(f"Noticia número {i}: el pleno aprueba el plan.", [boiler]) for i in range(5)
    ]
    memory = DictMemory()
    first = PathStats()
    out1 = translate_texts(
        engine, texts, "es", "en", settings=PathSettings(memory=memory), stats=first
    )
    # numbers are kept verbatim by Apertium, so the five titles are five segments;
    # the boilerplate is sent to the engine once
    assert first.segments == 10 and first.engine_segments == 6 and first.memory_hits == 4
    second = PathStats()
    changed = [
        SourceText(t.title, [Block(BlockKind.PARAGRAPH, boiler.text.replace("x.", "y."))])
        for t in texts
    ]
    out2 = translate_texts(
        engine, changed, "es", "en", settings=PathSettings(memory=memory), stats=second
    )
    assert second.engine_segments == 1  # only the new URL's sentence (URL is not masked)
    assert [r.article.title for r in out1] == [r.article.title for r in out2]
    assert memory_key(" a  b ") == memory_key("a b")


def test_route_records_a_pivot(tmp_path: Path) -> None:
    modes = tmp_path / "modes"
    modes.mkdir()
    for name in ("cat-spa", "spa-eng"):
        (modes / f"{name}.mode").write_text(
            Path(f"/usr/share/apertium/modes/{name}.mode").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    from babelwire.pipeline.translate.registry import Translators

    with ApertiumEngine(modes_dir=modes, timeout=60) as pivoting:
        translators = Translators(["apertium"], engines=[pivoting])
        (route,) = translators.routes("ca", "en")
        assert isinstance(route, Route)
        assert route.pivot == "ca>es>en"
        assert translators.routes("en", "ca") == []
        (result,) = translate_texts(route, [SourceText("El Govern ha aprovat el pressupost.", [])])
        assert result.article.title.startswith("The Government has approved")
        assert result.route.pivot == "ca>es>en"


def test_unknown_words_are_counted_per_segment(engine: ApertiumEngine) -> None:
    out, marks = engine.translate_batch_with_marks(
        ["La casa es grande.", "El zorblatex come.", ""], "es", "en"
    )
    assert out[0] == "The house is big." and out[2] == ""
    assert marks == [0, 1, 0]
    (result,) = translate_texts(engine, [SourceText("El zorblatex come.", [])], "es", "en")
    assert result.article.unknown_words == 1
    assert result.verdict.details["unknown_share"] > 0.15
    assert "unknown-words" in result.verdict.flags


def test_unknown_engine_is_a_clear_error() -> None:
    from babelwire.pipeline.translate.engine import EngineError
    from babelwire.pipeline.translate.registry import Translators

    with pytest.raises(EngineError, match="unknown engine"):
        Translators(["apertium"]).routes("es", "en", only="nope")
