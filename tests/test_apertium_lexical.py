"""The translations Apertium's bilingual dictionary offers each word, read from the
stages of a pair's mode up to lexical selection, with Debian's Apertium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from babelwire.pipeline.translate.engines.apertium import ApertiumEngine, parse_mode
from babelwire.pipeline.translate.engines.apertium.lexical import (
    LexicalChoice,
    lexical_commands,
    parse_choices,
)


@pytest.fixture(scope="module")
def apertium() -> Iterator[ApertiumEngine]:
    with ApertiumEngine(timeout=120) as engine:
        yield engine


def test_the_lexical_stages_end_at_lexical_selection() -> None:
    mode = (
        "lt-proc 'a.automorf.bin' | apertium-tagger -g $2 'a.prob' | apertium-pretransfer "
        "| lt-proc -b 'a.autobil.bin' | lrx-proc -m 'a.autolex.bin' "
        "| apertium-transfer -b 'a.t1x' 'a.t1x.bin' | lt-proc $1 'a.autogen.bin'"
    )
    commands, _ = parse_mode(mode)
    stages = lexical_commands(commands)
    assert stages is not None
    assert [s[0] for s in stages][-2:] == ["lt-proc", "lrx-proc"]
    assert "-b" in stages[-2]
    # no lexical selection: up to the bilingual dictionary; no dictionary stage: none
    without = parse_mode(mode.replace("| lrx-proc -m 'a.autolex.bin' ", ""))[0]
    assert lexical_commands(without)[-1][-1] == "a.autobil.bin"  # type: ignore[index]
    assert lexical_commands(parse_mode("lt-proc 'a.bin' | apertium-tagger -g 'a.prob'")[0]) is None


def test_choices_are_read_from_the_stream() -> None:
    answer = (
        r"^El<det><def><m><sg>/The<det><def><m><sg>$ ^*Portvell/*Portvell$ "
        r"^guanyar<vblex><pri><p3><sg>/gross<vblex><pri><p3><sg>/win<vblex><pri><p3><sg>$ "
        r"^soler<vblex><pii><p3><pl>/be# used to<vblex><pii><p3><pl>$ "
        r"^1\/2<num>/1\/2<num>$^.<sent>/.<sent>$"
    )
    choices = parse_choices(answer)
    assert choices[0] == LexicalChoice("el", "det", ("the",))
    assert choices[1] == LexicalChoice("portvell", "", ())
    assert choices[2] == LexicalChoice("guanyar", "vblex", ("gross", "win"))
    assert choices[3].translations == ("be used to",)
    assert choices[4].translations == ("1/2",)
    assert len(choices) == 6


def test_the_engine_lists_the_senses_left_after_lexical_selection(
    apertium: ApertiumEngine,
) -> None:
    texts = [
        "El port de Portvell rebrà una inversió de 40 milions",
        "   ",
        "L'equip guanya el campionat",
    ]
    first, empty, third = apertium.lexical_choices(texts, "ca", "en")
    assert empty == []
    by_lemma = {c.lemma: c for c in first + third}
    assert by_lemma["inversió"].pos == "n"
    # the dictionary's first sense is the one Apertium's translation takes
    taken = by_lemma["inversió"].translations[0]
    assert taken in apertium.translate_batch(["una inversió"], "ca", "en")[0]
    assert "investment" in by_lemma["inversió"].translations
    assert by_lemma["portvell"].translations == ()
    # the lexical pipeline lives beside the translating one, and stops with the engine
    assert apertium.translate_batch(["Hola"], "es", "en") == ["Hello"]
    apertium.close()
    assert apertium.lexical_choices(["el campionat"], "ca", "en")[0][1].translations == (
        "championship",
    )
