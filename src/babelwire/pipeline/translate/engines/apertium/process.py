"""A pair's long-lived null-flush pipeline: its stage processes and the threads of a batch.

Technique (the one Apertium's own server, APy, uses): the stages of a pair's mode
file, each Apertium stage given ``-z`` (flush on ``\\0``), are started as processes
that live as long as the engine.  Each segment, deformatted, is written followed by
``"\\n\\0"`` (the newline keeps a final period from being lost); the pipeline answers
one ``\\0``-terminated unit per unit written.  A writer thread keeps feeding segments
while the calling thread collects answers, so the pipeline never drains in the middle
of a batch.  The pipeline is split after the generator, and a forwarding thread
removes the unknown-word marks between the two parts (see ``stream``); with
``fresh_tagger`` it is split around the tagger as well (see ``tagger``).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.apertium.stream import strip_stream_marks
from babelwire.pipeline.translate.engines.apertium.tagger import FreshTagger

# A stage process, and the file its stderr goes to.
Stage = tuple[subprocess.Popen[bytes], IO[bytes]]

_STDERR_TAIL = 600
_POLL_INTERVAL = 0.5  # how often a silent pipeline is checked for dead stages


def utf8_env() -> dict[str, str]:
    """The environment the stages run in."""
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    return env


@dataclass
class Pipeline:
    """The stages of one pair: ``procs[:split]`` up to the generator, then the rest.

    When ``split < len(procs)`` the two parts are separate chains, joined by the
    forwarding thread of each batch; otherwise it is one chain.  When ``tagger`` is
    set, that stage stands alone (the tagging thread feeds it through ``relay``) and
    the stages around it form chains of their own.
    """

    pair: str
    commands: list[list[str]]
    split: int
    tagger: int | None
    cwd: Path  # where the stages run, and their environment
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stderr_files: list[IO[bytes]] = field(default_factory=list)
    relay: FreshTagger | None = None  # the tagger's, when ``tagger`` is set and started
    _swap: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def fd(stream: IO[bytes] | None) -> int:
        assert stream is not None
        return stream.fileno()

    @property
    def chain_starts(self) -> set[int]:
        starts = {0, self.split}
        if self.tagger is not None:
            starts |= {self.tagger, self.tagger + 1}
        return starts

    @property
    def input_fd(self) -> int:
        return self.fd(self.procs[0].stdin)

    @property
    def analysed_fd(self) -> int:
        assert self.tagger is not None
        return self.fd(self.procs[self.tagger - 1].stdout)

    @property
    def tagged_fd(self) -> int:
        assert self.tagger is not None
        return self.fd(self.procs[self.tagger + 1].stdin)

    @property
    def generated_fd(self) -> int:
        return self.fd(self.procs[self.split - 1].stdout)

    @property
    def postgen_fd(self) -> int:
        return self.fd(self.procs[self.split].stdin)

    @property
    def output_fd(self) -> int:
        return self.fd(self.procs[-1].stdout)

    @property
    def forwarded(self) -> bool:
        return self.split < len(self.commands)

    def alive(self) -> bool:
        with self._swap:  # not while the tagger is being replaced
            return all(p.poll() is None for p in self.procs)

    def pids(self) -> list[int]:
        with self._swap:
            return [p.pid for p in self.procs]

    def start(self) -> None:
        starts = self.chain_starts
        prev: IO[bytes] | None = None
        for i, cmd in enumerate(self.commands):
            chained = i not in starts
            try:
                proc, err = self.spawn(cmd, prev if chained else subprocess.PIPE)
            finally:
                if chained and prev is not None:
                    prev.close()  # the new stage holds it now (or it failed to start)
                    self.procs[-1].stdout = None
            self.procs.append(proc)
            self.stderr_files.append(err)
            prev = proc.stdout
        if self.tagger is not None:
            self.relay = FreshTagger(self)

    def spawn(self, cmd: list[str], stdin: IO[bytes] | int | None) -> Stage:
        err = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close_files)
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=self.cwd,
                env=self.env,
                bufsize=0,
            )
        except OSError as exc:
            err.close()
            raise EngineError(
                f"Apertium {self.pair}: cannot start stage {cmd[0]!r}: {exc}"
            ) from exc
        return proc, err

    def replace_stage(self, index: int, stage: Stage) -> Stage:
        """Put `stage` in place of stage `index`; the one replaced."""
        with self._swap:
            old = (self.procs[index], self.stderr_files[index])
            self.procs[index], self.stderr_files[index] = stage
        return old

    def diagnosis(self) -> str:
        """Exit codes and stderr tails of the stages, for error messages."""
        lines: list[str] = []
        for cmd, proc, err in zip(self.commands, self.procs, self.stderr_files, strict=False):
            code = proc.poll()
            try:
                err.seek(0, os.SEEK_END)
                size = err.tell()
                err.seek(max(0, size - _STDERR_TAIL))
                tail = err.read().decode("utf-8", "replace").strip()
            except (OSError, ValueError):
                tail = ""
            if code is None and not tail:
                continue
            if code is None:
                state = "running"
            elif code < 0:
                state = f"exit code {code} (killed by {_signal_name(-code)})"
            else:
                state = f"exit code {code}"
            lines.append(f"  stage {os.path.basename(cmd[0])} (pid {proc.pid}): {state}")
            if tail:
                lines.append("    stderr: " + tail.replace("\n", "\n    stderr: "))
        return "\n".join(lines) if lines else "  (all stages running, none wrote to stderr)"

    def kill_processes(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.kill()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def close_files(self) -> None:
        for proc in self.procs:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        for err in self.stderr_files:
            with contextlib.suppress(OSError):
                err.close()

    def kill(self) -> None:
        self.kill_processes()
        self.close_files()

    def terminate(self) -> None:
        """Close the inputs and let the stages finish; kill what does not."""
        for i in self.chain_starts & set(range(len(self.procs))):
            stdin = self.procs[i].stdin
            if stdin is not None:
                with contextlib.suppress(OSError):
                    stdin.close()
        deadline = time.monotonic() + 2.0
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        self.kill()


@dataclass
class Batch:
    """What the helper threads of one batch report to the calling thread."""

    expected: int
    marks: int = 0
    unit_marks: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def start_threads(pipeline: Pipeline, units: list[bytes], batch: Batch) -> list[threading.Thread]:
    """Start the batch's helper threads: the writer, and the tagging and forwarding
    threads where the pipeline is split."""
    threads = [
        threading.Thread(
            target=_write_units,
            args=(pipeline.input_fd, units, batch),
            name=f"apertium-{pipeline.pair}-writer",
            daemon=True,
        )
    ]
    if pipeline.tagger is not None:
        threads.append(
            threading.Thread(
                target=_tag_units,
                args=(pipeline, batch),
                name=f"apertium-{pipeline.pair}-tagger",
                daemon=True,
            )
        )
    if pipeline.forwarded:
        threads.append(
            threading.Thread(
                target=_forward_units,
                args=(pipeline.generated_fd, pipeline.postgen_fd, batch),
                name=f"apertium-{pipeline.pair}-forwarder",
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    return threads


def collect(pipeline: Pipeline, batch: Batch, timeout: float) -> list[bytes]:
    """The pipeline's answers to the batch, one per unit; EngineError when it fails,
    goes out of step or says nothing for `timeout` seconds."""
    fd = pipeline.output_fd
    answers: list[bytes] = []
    buf = b""
    last_output = time.monotonic()
    while len(answers) < batch.expected:
        silent = time.monotonic() - last_output
        wait = max(0.0, min(_POLL_INTERVAL, timeout - silent))
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            if time.monotonic() - last_output >= timeout:
                raise EngineError(
                    f"Apertium {pipeline.pair}: no output for {timeout:g} s "
                    f"({len(answers)}/{batch.expected} segments done); pipeline killed\n"
                    + pipeline.diagnosis()
                )
            if batch.errors or not pipeline.alive():
                time.sleep(0.05)  # let the other stages' exit statuses arrive
                raise EngineError(
                    f"Apertium {pipeline.pair}: pipeline failed "
                    f"({len(answers)}/{batch.expected} segments done)"
                    + "".join(f"; {e}" for e in batch.errors)
                    + "\n"
                    + pipeline.diagnosis()
                )
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            time.sleep(0.05)
            raise EngineError(
                f"Apertium {pipeline.pair}: pipeline ended unexpectedly "
                f"({len(answers)}/{batch.expected} segments done)\n" + pipeline.diagnosis()
            )
        last_output = time.monotonic()
        buf += chunk
        if b"\0" in chunk:
            done, _, buf = buf.rpartition(b"\0")
            answers.extend(done.split(b"\0"))
    problem = ""
    if len(answers) > batch.expected or buf:
        problem = f"{len(answers)} answers and {len(buf)} stray bytes"
    elif not all(answers):
        # Every unit written ends in a newline, which comes back: an empty answer
        # is a stage flushing as it exits, not a translation.
        problem = "an empty answer"
    elif batch.errors or not pipeline.alive():
        problem = "; ".join(batch.errors) or "a stage exited"
    if problem:
        raise EngineError(
            f"Apertium {pipeline.pair}: pipeline out of step ({problem} "
            f"for {batch.expected} segments)\n" + pipeline.diagnosis()
        )
    return answers


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_units(fd: int, units: list[bytes], batch: Batch) -> None:
    """Writer thread: feed all units to the pipeline, in blocks of about 64 KiB."""
    try:
        block: list[bytes] = []
        size = 0
        for unit in units:
            block.append(unit)
            size += len(unit)
            if size >= 1 << 16:
                _write_fully(fd, b"".join(block))
                block, size = [], 0
        if block:
            _write_fully(fd, b"".join(block))
    except (OSError, ValueError) as exc:  # the pipeline died or was killed
        batch.errors.append(f"writing to the pipeline failed: {exc}")


def _relay_units(
    src: int,
    dst: int,
    batch: Batch,
    source: str,
    change: Callable[[list[bytes]], list[bytes]],
) -> None:
    """Relay thread: read whole units from one stage, change them, write them to the next."""
    buf = b""
    done = 0
    try:
        while done < batch.expected:
            chunk = os.read(src, 1 << 16)
            if not chunk:
                batch.errors.append(f"the {source} stage closed its output")
                return
            buf += chunk
            if b"\0" not in chunk:
                continue
            units, _, buf = buf.rpartition(b"\0")
            changed = change(units.split(b"\0"))
            done += len(changed)
            _write_fully(dst, b"\0".join(changed) + b"\0")
        if done > batch.expected or buf:
            batch.errors.append(f"the {source} stage sent {done} units for {batch.expected}")
    except (OSError, ValueError, EngineError) as exc:
        batch.errors.append(f"relaying the {source} stage's output failed: {exc}")


def _tag_units(pipeline: Pipeline, batch: Batch) -> None:
    """Tagging thread: analysis -> tagger (see FreshTagger.tag) -> the stages after it."""
    assert pipeline.relay is not None
    _relay_units(pipeline.analysed_fd, pipeline.tagged_fd, batch, "analysis", pipeline.relay.tag)


def _forward_units(src: int, dst: int, batch: Batch) -> None:
    """Forwarder thread: generator -> post-generation, removing and counting marks."""

    def strip(units: list[bytes]) -> list[bytes]:
        cleaned_units: list[bytes] = []
        for unit in units:
            cleaned, marks = strip_stream_marks(unit)
            cleaned_units.append(cleaned)
            batch.unit_marks.append(marks)
            batch.marks += marks
        return cleaned_units

    _relay_units(src, dst, batch, "generation", strip)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
