"""The fresh-tagger relay: every unit tagged as a freshly started HMM tagger tags it.

The part-of-speech tagger (``apertium-tagger``) is the one stage with a memory: the
first time it meets a word whose ambiguity class its model does not know, it swaps
the class it gives unknown words for a smaller one, for the rest of its life.  A
long-lived tagger therefore tags a sentence according to what it tagged before (in
Apertium 3.8, about one English news sentence in eight comes out otherwise than from
a fresh ``apertium``), so the same article can be translated differently by
different workers, batches or orders.  With ``fresh_tagger`` the pipeline is split
around the tagger too: a thread gives it the analysed units in groups, with ``-d`` so
that it says on stderr when it meets such a word, keeps its answers up to the first
unit holding that word, and puts a fresh tagger (started ahead) in its place for the
rest (see ``FreshTagger.tag``).  Every unit is thus tagged as a fresh tagger tags it, at
a cost in speed that depends on how often such words come (see docs/translation.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.apertium.stream import escape

if TYPE_CHECKING:
    from babelwire.pipeline.translate.engines.apertium.process import Pipeline, Stage

# What the HMM tagger says (with -d) when it has met an ambiguity class its model lacks
# and changed its class for unknown words, and the word; its other warnings change nothing.
_NEW_CLASS_RE = re.compile(rb"new ambiguity class was found.*?^Word '(.*?)'\.$", re.I | re.S | re.M)
_TAG_GROUP = 32  # the most analysed units given to the tagger at a time
_SPARE_TAGGERS = 2  # taggers started ahead, loading their model while the current one works


class FreshTagger:
    """The pipeline's HMM tagger stage, fed by the tagging thread and replaced by a
    fresh one whenever it changes itself; spare taggers load their model ahead."""

    def __init__(self, pipeline: Pipeline) -> None:
        assert pipeline.tagger is not None
        self.pipeline = pipeline
        self.index = pipeline.tagger
        self._group = 1  # units given to the tagger at a time (see tag)
        self._killed = False
        os.set_blocking(pipeline.fd(pipeline.procs[self.index].stdin), False)
        self._spares: list[Stage] = [self._new_tagger() for _ in range(_SPARE_TAGGERS)]

    def _new_tagger(self) -> Stage:
        pipeline = self.pipeline
        proc, err = pipeline.spawn(pipeline.commands[self.index], subprocess.PIPE)
        os.set_blocking(pipeline.fd(proc.stdin), False)
        return proc, err

    def tag(self, units: Sequence[bytes]) -> list[bytes]:
        """Analysed units through the tagger, each tagged as a fresh tagger tags it.

        The units go in groups; after a group in which the tagger met a word of an
        ambiguity class its model lacks (and so changed itself), the answers up to the
        first unit that holds that word are kept, the tagger is replaced and the rest
        goes again.  Groups grow while the tagger stays unchanged and shrink to one unit
        after a change, so text that changes it often is not tagged twice."""
        tagged: list[bytes] = []
        while len(tagged) < len(units):
            group = units[len(tagged) : len(tagged) + self._group]
            answers, said = self._tag_group(group)
            found = _NEW_CLASS_RE.search(said)
            if found is None:
                tagged += answers
                self._group = min(_TAG_GROUP, self._group * 2)
                continue
            tagged += answers[: _first_holding(group, found.group(1)) + 1]
            self._group = 1
            self._restart_tagger()
        return tagged

    def _tag_group(self, units: Sequence[bytes]) -> tuple[list[bytes], bytes]:
        """The tagger's answers to `units`, and what it said on stderr meanwhile."""
        pipeline = self.pipeline
        proc = pipeline.procs[self.index]
        data = memoryview(b"".join(unit + b"\0" for unit in units))
        in_fd, out_fd = pipeline.fd(proc.stdin), pipeline.fd(proc.stdout)
        said_before = os.fstat(pipeline.stderr_files[self.index].fileno()).st_size
        out = bytearray()
        answered = 0
        while answered < len(units):
            readable, writable, _ = select.select([out_fd], [in_fd] if data else [], [], 1.0)
            if writable:
                with contextlib.suppress(BlockingIOError):
                    data = data[os.write(in_fd, data) :]
            if readable:
                chunk = os.read(out_fd, 1 << 16)
                if not chunk:
                    raise EngineError("the tagger closed its output")
                out += chunk
                answered += chunk.count(b"\0")
            elif not writable and proc.poll() is not None:
                raise EngineError(f"the tagger exited with code {proc.returncode}")
        if data or answered != len(units) or not out.endswith(b"\0"):
            raise EngineError("the tagger answered out of step")
        return bytes(out[:-1]).split(b"\0"), self._said_since(said_before)

    def _said_since(self, offset: int) -> bytes:
        """What the tagger wrote on stderr from `offset` on."""
        err = self.pipeline.stderr_files[self.index]
        size = os.fstat(err.fileno()).st_size
        return os.pread(err.fileno(), size - offset, offset) if size > offset else b""

    def _restart_tagger(self) -> None:
        """Put the oldest spare tagger (its model loaded meanwhile) in place of the
        changed one, and start another spare."""
        fresh = self._spares.pop(0) if self._spares else self._new_tagger()
        if fresh[0].poll() is not None:  # a spare that died
            _discard(*fresh)
            fresh = self._new_tagger()
        old = self.pipeline.replace_stage(self.index, fresh)
        _discard(*old)
        if not self._killed:
            self._spares.append(self._new_tagger())

    def stop(self) -> None:
        """Kill the spare taggers, and start no more (the pipeline is being killed)."""
        self._killed = True
        spares, self._spares = self._spares, []
        for spare in spares:
            _discard(*spare)


def _first_holding(units: Sequence[bytes], word: bytes) -> int:
    """The first unit with `word` as a lexical unit's surface form (0 if none has it):
    the tagger met it there at the earliest, so every unit before was tagged fresh."""
    forms = {b"^" + word + b"/", b"^" + escape(word.decode("utf-8", "replace")).encode() + b"/"}
    for i, unit in enumerate(units):
        if any(form in unit for form in forms):
            return i
    return 0


def _discard(proc: subprocess.Popen[bytes], err: IO[bytes]) -> None:
    """Kill a stage process and close what the engine holds of it."""
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout, err):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
