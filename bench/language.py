"""How often detection on an article's own text would override its source's declared
language, rightly and wrongly, by the override rule's confidence and length floors.

Reads FLORES-200 devtest (../shared/data/mt/flores200-devtest: the same 1,012
sentences in English, Spanish, Catalan, Galician, Basque, French and
Portuguese) and builds texts of several sizes from each language: headline-like
fragments (a sentence's first 4 or 8 words), single sentences, and 3 and 10
consecutive sentences (every start, so windows overlap). Each text is
classified once by the detector babelwire uses (py3langid, all languages), and
the rule (pipeline/language/decide.py) is then applied at each floor:

- false override: the text's own language is declared, and the rule replaces it
  (with anything else);
- caught: another language is declared, and the rule replaces it with the
  text's own language (a wrong declaration corrected);
- overridden wrongly: another language is declared and the rule replaces it,
  but with a third language (still wrong).

    python bench/language.py
    python bench/language.py --data ../shared/data/mt/flores200-devtest
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from babelwire.model import LanguageGuess
from babelwire.pipeline.language.decide import LanguageRule, decide_language
from babelwire.pipeline.language.detect import detect_language

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "flores200-devtest"
LANGUAGES = {
    "eng": "en",
    "spa": "es",
    "cat": "ca",
    "glg": "gl",
    "eus": "eu",
    "fra": "fr",
    "por": "pt",
}
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
MIN_CHARS = (0, 50, 100, 150, 200)
CHOSEN = LanguageRule()


@dataclass(frozen=True, slots=True)
class Sample:
    language: str  # the text's own language
    chars: int
    guess: LanguageGuess  # the detector's reading, no declaration given


def texts(lines: list[str], size: str) -> list[str]:
    """The texts of one size built from one language's sentences."""
    if size.endswith("words"):
        words = int(size.split()[0])
        return [" ".join(line.split()[:words]) for line in lines]
    count = int(size.split()[0])
    return [" ".join(lines[i : i + count]) for i in range(len(lines) - count + 1)]


SIZES = ("4 words", "8 words", "1 sentence", "3 sentences", "10 sentences")


def rates(samples: list[Sample], rule: LanguageRule) -> tuple[float, float, float]:
    """Percentages: false overrides, caught, overridden wrongly (the last two averaged
    over every other language declared)."""
    false = caught = wrongly = pairs = 0
    for sample in samples:
        right = decide_language(sample.language, sample.guess, sample.chars, rule)
        false += right.code != sample.language
        for declared in LANGUAGES.values():
            if declared == sample.language:
                continue
            pairs += 1
            decided = decide_language(declared, sample.guess, sample.chars, rule)
            if decided.code == sample.language:
                caught += 1
            elif decided.code != declared:
                wrongly += 1
    return 100 * false / len(samples), 100 * caught / pairs, 100 * wrongly / pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="FLORES-200 devtest folder")
    args = parser.parse_args()
    if not (args.data / "eng.devtest").is_file():
        sys.exit(f"no FLORES-200 devtest under {args.data}")
    started = time.perf_counter()
    samples: dict[str, list[Sample]] = {size: [] for size in SIZES}
    for name, code in LANGUAGES.items():
        lines = (args.data / f"{name}.devtest").read_text(encoding="utf-8").splitlines()
        for size in SIZES:
            for text in texts(lines, size):
                samples[size].append(Sample(code, len(text), detect_language(text)))
    took = time.perf_counter() - started
    count = sum(len(s) for s in samples.values())
    print(f"{count} texts in {len(LANGUAGES)} languages classified in {took:.1f} s")
    print(f"{platform.machine()}, {platform.python_version()}, py3langid (all languages)\n")

    print("By confidence floor, no length floor (min_chars 0); percentages of texts")
    print(f"{'text':<13}{'chars':>6}{'floor':>7}{'false override':>16}{'caught':>9}{'wrongly':>9}")
    for size in SIZES:
        median = int(statistics.median(s.chars for s in samples[size]))
        for threshold in THRESHOLDS:
            rule = LanguageRule(min_confidence=threshold, min_chars=0)
            false, caught, wrongly = rates(samples[size], rule)
            row = f"{size:<13}{median:>6}{threshold:>7}{false:>15.2f}%{caught:>8.1f}%"
            print(f"{row}{wrongly:>8.2f}%")

    print(f"\nBy length floor at confidence {CHOSEN.min_confidence}; caught % (false override %)")
    print(f"{'text':<13}" + "".join(f"{'min ' + str(m):>16}" for m in MIN_CHARS))
    for size in SIZES:
        cells = []
        for minimum in MIN_CHARS:
            rule = LanguageRule(min_confidence=CHOSEN.min_confidence, min_chars=minimum)
            false, caught, _ = rates(samples[size], rule)
            cells.append(f"{caught:>8.1f} ({false:.2f})")
        print(f"{size:<13}" + "".join(f"{c:>16}" for c in cells))
    print(f"\ndefaults: min_confidence {CHOSEN.min_confidence}, min_chars {CHOSEN.min_chars}")


if __name__ == "__main__":
    main()
