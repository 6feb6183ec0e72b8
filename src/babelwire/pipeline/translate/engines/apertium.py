"""Apertium rule-based machine translation, through long-lived null-flush pipelines.

Technique (the one Apertium's own server, APy, uses): for each language pair we
read the pair's mode file (``/usr/share/apertium/modes/eng-spa.mode``: a shell
pipeline ``lt-proc ... | apertium-tagger ... | ... | lt-proc -p ...``), add
``-z`` (flush on ``\\0``) to every Apertium stage, and start the stages
ourselves as processes that live as long as the engine.  We do the text
deformatting in Python: each segment is escaped for Apertium's stream format
and written followed by ``"\\n\\0"`` (the newline keeps a final period from
being lost); the pipeline answers one ``\\0``-terminated unit per unit written.
A writer thread keeps feeding segments while the calling thread collects
answers, so the pipeline never drains in the middle of a batch.

Unknown-word marks: the generator (the stage given ``$1``) runs with ``-g``, so
it marks unknown words ``*``, generation errors ``#`` and untranslated lemmas
``@``.  The pipeline is split after the generator; a forwarding thread removes
and counts the marks before post-generation, so the text that post-generation
sees is exactly what ``apertium -u`` (``lt-proc -n``) would give it.  Literal
``* # @ ~`` in the source, and URLs, e-mail addresses, @handles and #hashtags,
travel inside Apertium superblanks (``[...]``), which every stage copies
verbatim; so every unescaped mark outside a superblank is a real mark, and
ordinary text such as "#hashtag", "@handle", "5*3" or an address survives.

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
rest (see ``_Pipeline.tag``).  Every unit is thus tagged as a fresh tagger tags it, at
a cost in speed that depends on how often such words come (see docs/translation.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from babelwire.pipeline.translate.engine import EngineError, UnsupportedPair
from babelwire.setting import setting

__all__ = ["DEFAULT_MODES_DIR", "ApertiumEngine", "ApertiumOptions"]

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")


@dataclass(frozen=True, slots=True)
class ApertiumOptions:
    """The engine's settings, translation.apertium_* in babelwire.toml."""

    fresh_tagger: bool = setting(
        False,
        "Tag every segment as a fresh Apertium does, whatever the pipeline tagged before, "
        "so that a translation never depends on its order, batch or worker (slower).",
    )


# ISO 639-1 -> the ISO 639-3 codes Apertium names its pairs with.
_ISO1_TO_ISO3: dict[str, str] = {
    "af": "afr",
    "an": "arg",
    "ar": "ara",
    "az": "aze",
    "be": "bel",
    "bg": "bul",
    "br": "bre",
    "bs": "bos",
    "ca": "cat",
    "cs": "ces",
    "cy": "cym",
    "da": "dan",
    "de": "deu",
    "el": "ell",
    "en": "eng",
    "eo": "epo",
    "es": "spa",
    "et": "est",
    "eu": "eus",
    "fa": "fas",
    "fi": "fin",
    "fo": "fao",
    "fr": "fra",
    "ga": "gle",
    "gd": "gla",
    "gl": "glg",
    "he": "heb",
    "hi": "hin",
    "hr": "hrv",
    "hu": "hun",
    "hy": "hye",
    "id": "ind",
    "is": "isl",
    "it": "ita",
    "ja": "jpn",
    "ka": "kat",
    "kk": "kaz",
    "ko": "kor",
    "ky": "kir",
    "la": "lat",
    "lt": "lit",
    "lv": "lav",
    "mk": "mkd",
    "ms": "msa",
    "mt": "mlt",
    "nb": "nob",
    "nl": "nld",
    "nn": "nno",
    "no": "nor",
    "oc": "oci",
    "pl": "pol",
    "pt": "por",
    "ro": "ron",
    "ru": "rus",
    "sc": "srd",
    "se": "sme",
    "sk": "slk",
    "sl": "slv",
    "sq": "sqi",
    "sr": "srp",
    "sv": "swe",
    "tr": "tur",
    "tt": "tat",
    "uk": "ukr",
    "ur": "urd",
    "uz": "uzb",
    "zh": "zho",
}
_ISO3_TO_ISO1: dict[str, str] = {v: k for k, v in _ISO1_TO_ISO3.items()}

# Plain pair modes only ("eng-spa.mode"); variants ("eng-cat_valencia.mode") are skipped.
_MODE_FILE_RE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})\.mode$")

# Programs that understand -z (null flush).  Anything else in a mode is left alone.
_NULL_FLUSH_PROGRAMS = re.compile(r"^(lt-|apertium-|lrx-|lsx-|cg-proc|hfst-proc|rtx-proc)")

# Characters with a meaning in Apertium's stream format (what apertium-destxt escapes).
_STREAM_SPECIAL_RE = re.compile(r"([\\\[\]^$/@<>{}])")
# Characters that stages consume or that look like marks in the output: the
# analyser passes an escaped ``\*`` through unescaped, and post-generation eats ``~``.
_PROTECTED_RE = re.compile(
    r"""
      (?:https?://|ftp://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]}'»”]   # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                                 # e-mail addresses
    | (?<![\w@])@\w+                                               # @handles
    | (?<![\w#&])\#\w+                                             # #hashtags
    | [*\#@~]+                                                     # any other such character
    """,
    re.VERBOSE,
)
# In the output: an escaped character, a superblank, or a mark.
# ``lt-proc -g`` writes the ``@`` mark escaped (``\@``); no literal ``@`` is left
# outside a superblank by _deformat, so ``\@`` there is a mark too.
_OUTPUT_RE = re.compile(r"\\([^@])|\[((?:[^\]\\]|\\.)*)\]|(\\@|[*#@])", re.DOTALL)
_UNESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
# The same, on the escaped stream between generation and post-generation: keep
# escapes and superblanks as they are, drop marks.
_STREAM_MARK_RE = re.compile(rb"(\\[^@]|\[(?:[^\]\\]|\\.)*\])|\\@|[*#@]", re.DOTALL)

_STDERR_TAIL = 600
# What the HMM tagger says (with -d) when it has met an ambiguity class its model lacks
# and changed its class for unknown words, and the word; its other warnings change nothing.
_NEW_CLASS_RE = re.compile(rb"new ambiguity class was found.*?^Word '(.*?)'\.$", re.I | re.S | re.M)
_OTHER_TAGGER_MODELS = {"--perceptron", "--unigram", "--sliding-window"}  # not the HMM
_TAG_GROUP = 32  # the most analysed units given to the tagger at a time
_SPARE_TAGGERS = 2  # taggers started ahead, loading their model while the current one works
_POLL_INTERVAL = 0.5  # how often a silent pipeline is checked for dead stages


def _escape(text: str) -> str:
    return _STREAM_SPECIAL_RE.sub(r"\\\1", text)


def _deformat(text: str) -> str:
    """Turn plain text into an Apertium stream unit (without the terminator)."""
    parts: list[str] = []
    pos = 0
    for m in _PROTECTED_RE.finditer(text):
        parts.append(_escape(text[pos : m.start()]))
        parts.append("[" + _escape(m.group(0)) + "]")
        pos = m.end()
    parts.append(_escape(text[pos:]))
    return "".join(parts)


def _reformat(stream: str) -> tuple[str, int]:
    """Turn a generated unit back into plain text; count and drop unknown-word marks."""
    if "\\" not in stream and "[" not in stream and not any(c in stream for c in "*#@"):
        return stream, 0
    marks = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal marks
        if m.group(1) is not None:
            return m.group(1)
        if m.group(2) is not None:
            return _UNESCAPE_RE.sub(r"\1", m.group(2))
        marks += 1
        return ""

    return _OUTPUT_RE.sub(repl, stream), marks


def _strip_stream_marks(data: bytes) -> tuple[bytes, int]:
    """Remove the generator's unknown-word marks from escaped stream data."""
    if b"*" not in data and b"#" not in data and b"@" not in data:
        return data, 0
    marks = 0

    def repl(m: re.Match[bytes]) -> bytes:
        nonlocal marks
        kept = m.group(1)
        if kept is not None:
            return kept
        marks += 1
        return b""

    return _STREAM_MARK_RE.sub(repl, data), marks


def to_apertium_code(lang: str) -> str:
    """ISO 639-1 (or 639-3) code -> the ISO 639-3 code Apertium uses."""
    code = lang.strip().lower()
    return _ISO1_TO_ISO3.get(code, code)


def from_apertium_code(code: str) -> str:
    """Apertium's ISO 639-3 code -> ISO 639-1 where there is one."""
    return _ISO3_TO_ISO1.get(code, code)


def parse_mode(mode_text: str, generation_flag: str = "-g") -> tuple[list[list[str]], int | None]:
    """The commands of a mode file's pipeline, with ``-z`` added to Apertium stages.

    ``$1`` (the generator's option) becomes ``generation_flag``; ``$2`` (the
    tagger's optional ``-m``) disappears, as it does when ``apertium`` runs a
    mode.  Also returns the index of the generator stage (the one given ``$1``),
    or None.
    """
    lexer = shlex.shlex(mode_text.strip(), posix=True, punctuation_chars="|;&<>()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    stages: list[list[str]] = [[]]
    generator: int | None = None
    for token in lexer:
        if token == "|":
            stages.append([])
            continue
        if token and set(token) <= set("|;&<>()"):
            raise EngineError(f"unsupported shell syntax {token!r} in Apertium mode")
        if token == "$1":
            token = generation_flag
            generator = len(stages) - 1
        elif token == "$2":
            continue
        elif "$" in token or "`" in token:
            raise EngineError(f"unsupported shell expansion {token!r} in Apertium mode")
        stages[-1].append(token)
    if any(not s for s in stages):
        raise EngineError("empty stage in Apertium mode")
    for stage in stages:
        if _NULL_FLUSH_PROGRAMS.match(os.path.basename(stage[0])) and "-z" not in stage:
            stage.insert(1, "-z")
    return stages, generator


def _utf8_env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    return env


def find_tagger(commands: Sequence[Sequence[str]], split: int) -> int | None:
    """The index of the pipeline's HMM tagger (``apertium-tagger -g`` with neither the
    perceptron, unigram nor sliding-window model), if it can run on its own: with a
    stage before it and one after it, both ahead of the generator split."""
    for i, command in enumerate(commands):
        if os.path.basename(command[0]) != "apertium-tagger" or not 0 < i < split - 1:
            continue
        options = [a for a in command[1:] if a.startswith("-")]
        short = {c for a in options if not a.startswith("--") for c in a[1:]}
        long = {a.split("=")[0] for a in options if a.startswith("--")}
        other_model = short & {"x", "u", "w"} or long & _OTHER_TAGGER_MODELS
        return None if other_model else i
    return None


@dataclass
class _Pipeline:
    """The stages of one pair: ``procs[:split]`` up to the generator, then the rest.

    When ``split < len(procs)`` the two parts are separate chains, joined by the
    forwarding thread of each batch; otherwise it is one chain.  When ``tagger`` is
    set, that stage stands alone (the tagging thread feeds it) and the stages around
    it form chains of their own.
    """

    pair: str
    commands: list[list[str]]
    split: int
    tagger: int | None
    cwd: Path  # where the stages run, and their environment
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stderr_files: list[IO[bytes]] = field(default_factory=list)
    _spares: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = field(default_factory=list)
    _killed: bool = False
    _group: int = 1  # units given to the tagger at a time (see tag)
    _swap: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _fd(stream: IO[bytes] | None) -> int:
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
        return self._fd(self.procs[0].stdin)

    @property
    def analysed_fd(self) -> int:
        assert self.tagger is not None
        return self._fd(self.procs[self.tagger - 1].stdout)

    @property
    def tagged_fd(self) -> int:
        assert self.tagger is not None
        return self._fd(self.procs[self.tagger + 1].stdin)

    @property
    def generated_fd(self) -> int:
        return self._fd(self.procs[self.split - 1].stdout)

    @property
    def postgen_fd(self) -> int:
        return self._fd(self.procs[self.split].stdin)

    @property
    def output_fd(self) -> int:
        return self._fd(self.procs[-1].stdout)

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
                proc, err = self._spawn(cmd, prev if chained else subprocess.PIPE)
            finally:
                if chained and prev is not None:
                    prev.close()  # the new stage holds it now (or it failed to start)
                    self.procs[-1].stdout = None
            self.procs.append(proc)
            self.stderr_files.append(err)
            prev = proc.stdout
        if self.tagger is not None:
            os.set_blocking(self._fd(self.procs[self.tagger].stdin), False)
            self._spares = [self._new_tagger() for _ in range(_SPARE_TAGGERS)]

    def _spawn(
        self, cmd: list[str], stdin: IO[bytes] | int | None
    ) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
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

    def _new_tagger(self) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        assert self.tagger is not None
        proc, err = self._spawn(self.commands[self.tagger], subprocess.PIPE)
        os.set_blocking(self._fd(proc.stdin), False)
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
        assert self.tagger is not None
        proc = self.procs[self.tagger]
        data = memoryview(b"".join(unit + b"\0" for unit in units))
        in_fd, out_fd = self._fd(proc.stdin), self._fd(proc.stdout)
        said_before = os.fstat(self.stderr_files[self.tagger].fileno()).st_size
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
        assert self.tagger is not None
        err = self.stderr_files[self.tagger]
        size = os.fstat(err.fileno()).st_size
        return os.pread(err.fileno(), size - offset, offset) if size > offset else b""

    def _restart_tagger(self) -> None:
        """Put the oldest spare tagger (its model loaded meanwhile) in place of the
        changed one, and start another spare."""
        assert self.tagger is not None
        fresh = self._spares.pop(0) if self._spares else self._new_tagger()
        if fresh[0].poll() is not None:  # a spare that died
            _discard(*fresh)
            fresh = self._new_tagger()
        with self._swap:
            old = (self.procs[self.tagger], self.stderr_files[self.tagger])
            self.procs[self.tagger], self.stderr_files[self.tagger] = fresh
        _discard(*old)
        if not self._killed:
            self._spares.append(self._new_tagger())

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
        self._killed = True
        spares, self._spares = self._spares, []
        for spare in spares:
            _discard(*spare)
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
class _Batch:
    """What the helper threads of one batch report to the calling thread."""

    expected: int
    marks: int = 0
    unit_marks: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _PairState:
    mode_path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipeline: _Pipeline | None = None
    package_version: str | None = None


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
        self._env = _utf8_env()
        if self.modes_dir.is_dir():
            for path in sorted(self.modes_dir.iterdir()):
                m = _MODE_FILE_RE.match(path.name)
                if m and path.is_file():
                    self._states[(m.group(1), m.group(2))] = _PairState(mode_path=path)

    # -- metadata ---------------------------------------------------------------------

    def version(self) -> str:
        """Apertium's version, e.g. ``"3.8.3"``; ``"unknown"`` if it cannot be found."""
        with self._lock:
            if self._version is None:
                self._version = _find_apertium_version()
            return self._version

    def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) pair with a plain mode file, in ISO 639-1 where possible."""
        return {(from_apertium_code(s), from_apertium_code(t)) for s, t in self._states}

    def pair_version(self, source: str, target: str) -> str:
        """The Debian version of the package that installed the pair's mode, or ``""``."""
        state = self._state(source, target)
        with self._lock:
            if state.package_version is None:
                state.package_version = _find_package_version(state.mode_path)
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
            units.append((_deformat(text) + "\n\0").encode("utf-8"))
        if not units:
            return results, marks
        with state.lock:
            answers, unit_marks = self._run(state, units)
        for k, (i, answer) in enumerate(zip(indices, answers, strict=True)):
            text, n = _reformat(answer.decode("utf-8", "replace"))
            results[i] = text[:-1] if text.endswith("\n") else text
            marks[i] = n + (unit_marks[k] if k < len(unit_marks) else 0)
        return results, marks

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

    def _start(self, state: _PairState) -> _Pipeline:
        pair = state.mode_path.stem
        try:
            mode_text = state.mode_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise EngineError(f"Apertium {pair}: cannot read mode file: {exc}") from exc
        commands, generator = parse_mode(mode_text)
        split = len(commands) if generator is None else generator + 1
        tagger = find_tagger(commands, split) if self.fresh_tagger else None
        if tagger is not None:  # say on stderr when it meets an unknown ambiguity class
            commands[tagger].insert(1, "-d")
        pipeline = _Pipeline(pair, commands, split, tagger, self.modes_dir, self._env)
        try:
            pipeline.start()
        except BaseException:
            pipeline.kill()
            raise
        return pipeline

    def _run(self, state: _PairState, units: list[bytes]) -> tuple[list[bytes], list[int]]:
        """Send units through the pair's pipeline: (one answer per unit, marks removed per unit)."""
        pipeline = state.pipeline
        if pipeline is not None and not pipeline.alive():
            pipeline.kill()
            pipeline = state.pipeline = None
        if pipeline is None:
            pipeline = state.pipeline = self._start(state)
        batch = _Batch(expected=len(units))
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
        try:
            answers = self._collect(pipeline, batch)
        except BaseException:
            # Kill first: the helper threads then fail on broken pipes and end; only
            # then are the descriptors closed (never under a thread still using them).
            pipeline.kill_processes()
            state.pipeline = None
            for thread in threads:
                thread.join(timeout=10)
            pipeline.close_files()
            raise
        for thread in threads:
            thread.join(timeout=10)
        return answers, batch.unit_marks

    def _collect(self, pipeline: _Pipeline, batch: _Batch) -> list[bytes]:
        fd = pipeline.output_fd
        answers: list[bytes] = []
        buf = b""
        last_output = time.monotonic()
        while len(answers) < batch.expected:
            silent = time.monotonic() - last_output
            wait = max(0.0, min(_POLL_INTERVAL, self.timeout - silent))
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                if time.monotonic() - last_output >= self.timeout:
                    raise EngineError(
                        f"Apertium {pipeline.pair}: no output for {self.timeout:g} s "
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

    def __enter__(self) -> ApertiumEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_units(fd: int, units: list[bytes], batch: _Batch) -> None:
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
    batch: _Batch,
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


def _tag_units(pipeline: _Pipeline, batch: _Batch) -> None:
    """Tagging thread: analysis -> tagger (see _Pipeline.tag) -> the stages after it."""
    _relay_units(pipeline.analysed_fd, pipeline.tagged_fd, batch, "analysis", pipeline.tag)


def _forward_units(src: int, dst: int, batch: _Batch) -> None:
    """Forwarder thread: generator -> post-generation, removing and counting marks."""

    def strip(units: list[bytes]) -> list[bytes]:
        cleaned_units: list[bytes] = []
        for unit in units:
            cleaned, marks = _strip_stream_marks(unit)
            cleaned_units.append(cleaned)
            batch.unit_marks.append(marks)
            batch.marks += marks
        return cleaned_units

    _relay_units(src, dst, batch, "generation", strip)


def _first_holding(units: Sequence[bytes], word: bytes) -> int:
    """The first unit with `word` as a lexical unit's surface form (0 if none has it):
    the tagger met it there at the earliest, so every unit before was tagged fresh."""
    forms = {b"^" + word + b"/", b"^" + _escape(word.decode("utf-8", "replace")).encode() + b"/"}
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


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _command_output(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return ""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    if done.returncode != 0:
        return ""
    return done.stdout.decode("utf-8", "replace").strip()


def _find_apertium_version() -> str:
    m = re.search(r"(\d+(?:\.\d+)+)", _command_output(["apertium", "-V"]))
    if m:
        return m.group(1)
    debian = _command_output(["dpkg-query", "-W", "-f=${Version}", "apertium"])
    m = re.match(r"(?:\d+:)?(\d+(?:\.\d+)+)", debian)
    return m.group(1) if m else "unknown"


def _find_package_version(mode_path: Path) -> str:
    candidates = [str(mode_path)]
    with contextlib.suppress(OSError):
        resolved = str(mode_path.resolve())
        if resolved not in candidates:
            candidates.append(resolved)
    for candidate in candidates:
        owner = _command_output(["dpkg-query", "-S", candidate])
        if ":" not in owner:
            continue
        package = owner.split(":", 1)[0].split(",")[0].strip()
        version = _command_output(["dpkg-query", "-W", "-f=${Version}", package])
        if version:
            return version
    return ""
