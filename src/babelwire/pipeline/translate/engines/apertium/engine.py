"""The Apertium engine: one long-lived pipeline per language pair, started on first use."""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from babelwire.pipeline.translate.engine import EngineError, UnsupportedPair
from babelwire.pipeline.translate.engines.apertium.lexical import (
    LexicalChoice,
    lexical_commands,
    parse_choices,
)
from babelwire.pipeline.translate.engines.apertium.modes import (
    DEFAULT_MODES_DIR,
    find_tagger,
    from_apertium_code,
    mode_files,
    parse_mode,
    to_apertium_code,
)
from babelwire.pipeline.translate.engines.apertium.process import (
    Batch,
    Pipeline,
    collect,
    start_threads,
    utf8_env,
)
from babelwire.pipeline.translate.engines.apertium.stream import deformat, reformat
from babelwire.pipeline.translate.engines.apertium.versions import (
    find_apertium_version,
    find_package_version,
)
from babelwire.setting import setting


@dataclass(frozen=True, slots=True)
class ApertiumOptions:
    """The engine's settings, translation.apertium_* in babelwire.toml."""

    fresh_tagger: bool = setting(
        False,
        "Tag every segment as a fresh Apertium does, whatever the pipeline tagged before, "
        "so that a translation never depends on its order, batch or worker (slower).",
    )


@dataclass
class _PairState:
    mode_path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipeline: Pipeline | None = None
    package_version: str | None = None
    # The stages up to lexical selection (lexical_choices), a pipeline of their own.
    lexical_lock: threading.Lock = field(default_factory=threading.Lock)
    lexical: Pipeline | None = None


class ApertiumEngine:
    """Apertium through long-lived null-flush pipelines, one per language pair.

    Thread-safe: calls for one pair are serialised, calls for different pairs
    run concurrently.  Use as a context manager, or call :meth:`close`.
    """

    name: str = "apertium"
    # URLs, addresses, handles and hashtags travel in superblanks and digits are
    # copied through, so only glossary terms need placeholders; those must be
    # words (an unknown word keeps the sentence's grammar, a superblank breaks it).
    native_protection: frozenset[str] = frozenset({"url", "email", "handle", "hashtag", "number"})
    placeholder_style: str = "word"

    def __init__(
        self, modes_dir: Path | None = None, timeout: float = 60.0, fresh_tagger: bool = False
    ) -> None:
        if modes_dir is None:
            env_dir = os.environ.get("APERTIUM_MODES_DIR")
            modes_dir = Path(env_dir) if env_dir else DEFAULT_MODES_DIR
        self.modes_dir = Path(modes_dir)
        self.timeout = float(timeout)
        self.fresh_tagger = fresh_tagger  # each unit tagged as by a fresh HMM tagger
        self._lock = threading.Lock()
        self._version: str | None = None
        self._states: dict[tuple[str, str], _PairState] = {}
        self._env = utf8_env()
        for key, path in mode_files(self.modes_dir).items():
            self._states[key] = _PairState(mode_path=path)

    # -- metadata ---------------------------------------------------------------------

    def version(self) -> str:
        """Apertium's version, e.g. ``"3.8.3"``; ``"unknown"`` if it cannot be found."""
        with self._lock:
            if self._version is None:
                self._version = find_apertium_version()
            return self._version

    def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) pair with a plain mode file, in ISO 639-1 where possible."""
        return {(from_apertium_code(s), from_apertium_code(t)) for s, t in self._states}

    def pair_version(self, source: str, target: str) -> str:
        """The Debian version of the package that installed the pair's mode, or ``""``."""
        state = self._state(source, target)
        with self._lock:
            if state.package_version is None:
                state.package_version = find_package_version(state.mode_path)
            return state.package_version

    def pipeline_pids(self, source: str, target: str) -> list[int]:
        """Process ids of the pair's running pipeline stages (empty if not started)."""
        pipeline = self._state(source, target).pipeline
        return pipeline.pids() if pipeline is not None else []

    # -- translation ------------------------------------------------------------------

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        """Translate each segment; the result has the same length and order."""
        return self.translate_batch_with_stats(segments, source, target)[0]

    def translate_batch_with_stats(
        self, segments: Sequence[str], source: str, target: str
    ) -> tuple[list[str], int]:
        """Translations, and how many unknown-word marks (``*``, ``#``, ``@``) were removed."""
        results, marks = self.translate_batch_with_marks(segments, source, target)
        return results, sum(marks)

    def translate_batch_with_marks(
        self, segments: Sequence[str], source: str, target: str
    ) -> tuple[list[str], list[int]]:
        """Translations, and per segment how many unknown-word marks were removed.

        Empty or whitespace-only segments give ``""`` without reaching Apertium;
        ``\\0`` characters are dropped from the input, which is put in Unicode NFC
        (the dictionaries know "é", not "e" + combining accent).
        """
        state = self._state(source, target)
        results = [""] * len(segments)
        marks = [0] * len(segments)
        indices: list[int] = []
        units: list[bytes] = []
        for i, segment in enumerate(segments):
            text = unicodedata.normalize("NFC", segment.replace("\0", ""))
            if not text.strip():
                continue
            indices.append(i)
            units.append((deformat(text) + "\n\0").encode("utf-8"))
        if not units:
            return results, marks
        with state.lock:
            answers, unit_marks = self._run(state, units)
        for k, (i, answer) in enumerate(zip(indices, answers, strict=True)):
            text, n = reformat(answer.decode("utf-8", "replace"))
            results[i] = text[:-1] if text.endswith("\n") else text
            marks[i] = n + (unit_marks[k] if k < len(unit_marks) else 0)
        return results, marks

    def lexical_choices(
        self, segments: Sequence[str], source: str, target: str
    ) -> list[list[LexicalChoice]]:
        """For each segment, the translations the pair's bilingual dictionary offers for
        each word once lexical selection has run (the first is the one transfer takes);
        empty lists where the pair's mode has no bilingual-dictionary stage."""
        state = self._state(source, target)
        results: list[list[LexicalChoice]] = [[] for _ in segments]
        indices: list[int] = []
        units: list[bytes] = []
        for i, segment in enumerate(segments):
            text = unicodedata.normalize("NFC", segment.replace("\0", ""))
            if text.strip():
                indices.append(i)
                units.append((deformat(text) + "\n\0").encode("utf-8"))
        if not units:
            return results
        with state.lexical_lock:
            pipeline = state.lexical
            if pipeline is not None and not pipeline.alive():
                pipeline.kill()
                pipeline = state.lexical = None
            if pipeline is None:
                commands, _ = parse_mode(self._mode_text(state))
                lexical = lexical_commands(commands)
                if lexical is None:
                    return results
                pipeline = Pipeline(
                    state.mode_path.stem + "-lexical",
                    lexical,
                    len(lexical),
                    None,
                    self.modes_dir,
                    self._env,
                )
                try:
                    pipeline.start()
                except BaseException:
                    pipeline.kill()
                    raise
                state.lexical = pipeline
            answers = self._collect(pipeline, units, lexical=True, state=state)
        for i, answer in zip(indices, answers, strict=True):
            results[i] = parse_choices(answer.decode("utf-8", "replace"))
        return results

    def _mode_text(self, state: _PairState) -> str:
        try:
            return state.mode_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise EngineError(
                f"Apertium {state.mode_path.stem}: cannot read mode file: {exc}"
            ) from exc

    def _state(self, source: str, target: str) -> _PairState:
        key = (to_apertium_code(source), to_apertium_code(target))
        state = self._states.get(key)
        if state is None:
            available = ", ".join(f"{s}-{t}" for s, t in sorted(self.pairs())) or "none"
            raise UnsupportedPair(
                f"Apertium cannot translate {source}->{target} "
                f"(no {key[0]}-{key[1]}.mode in {self.modes_dir}); available pairs: {available}"
            )
        return state

    def _start(self, state: _PairState) -> Pipeline:
        pair = state.mode_path.stem
        commands, generator = parse_mode(self._mode_text(state))
        split = len(commands) if generator is None else generator + 1
        tagger = find_tagger(commands, split) if self.fresh_tagger else None
        if tagger is not None:  # say on stderr when it meets an unknown ambiguity class
            commands[tagger].insert(1, "-d")
        pipeline = Pipeline(pair, commands, split, tagger, self.modes_dir, self._env)
        try:
            pipeline.start()
        except BaseException:
            pipeline.kill()
            raise
        return pipeline

    def _run(self, state: _PairState, units: list[bytes]) -> tuple[list[bytes], list[int]]:
        """Send units through the pair's pipeline: (one answer per unit, marks removed per unit).

        A pipeline with a dead stage is replaced before the batch; one that fails or
        hangs during it is killed and dropped, so that the next batch starts a new one."""
        pipeline = state.pipeline
        if pipeline is not None and not pipeline.alive():
            pipeline.kill()
            pipeline = state.pipeline = None
        if pipeline is None:
            pipeline = state.pipeline = self._start(state)
        batch = Batch(expected=len(units))
        answers = self._collect(pipeline, units, lexical=False, state=state, batch=batch)
        return answers, batch.unit_marks

    def _collect(
        self,
        pipeline: Pipeline,
        units: list[bytes],
        *,
        lexical: bool,
        state: _PairState,
        batch: Batch | None = None,
    ) -> list[bytes]:
        """The pipeline's answers to the units; a pipeline that fails or hangs is
        killed and dropped from ``state``."""
        batch = batch or Batch(expected=len(units))
        threads = start_threads(pipeline, units, batch)
        try:
            answers = collect(pipeline, batch, self.timeout)
        except BaseException:
            # Kill first: the helper threads then fail on broken pipes and end; only
            # then are the descriptors closed (never under a thread still using them).
            pipeline.kill_processes()
            if lexical:
                state.lexical = None
            else:
                state.pipeline = None
            for thread in threads:
                thread.join(timeout=10)
            pipeline.close_files()
            raise
        for thread in threads:
            thread.join(timeout=10)
        return answers

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop every pipeline (waiting for a batch in progress on that pair to end).

        The engine stays usable: a later call starts a new pipeline.
        """
        for state in list(self._states.values()):
            with state.lock:
                if state.pipeline is not None:
                    state.pipeline.terminate()
                    state.pipeline = None
            with state.lexical_lock:
                if state.lexical is not None:
                    state.lexical.terminate()
                    state.lexical = None

    def __enter__(self) -> ApertiumEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
