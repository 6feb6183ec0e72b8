"""Calibrating the quality estimate on FLORES-200: `python bench/translate.py --qe [--fit]`.

Every devtest sentence of a pair is one article (its title) and goes through the
translation path and the estimate with the site's defaults: the round trip by the
reverse pair where one is installed and, for the agreement, the pair through a pivot
language as a second route (five pairs).  The truth is sentence chrF (sacrebleu)
against the reference.  Without --pairs, every installed Apertium pair between the
FLORES languages here (22 pairs).  Per pair: Spearman correlation of the score with
chrF, and what the site's threshold holds of the worst decile (by chrF) and of the
best half, with one threshold and with each pair's offset (the offset that makes the
threshold hold at most 5% of that pair's best half; gate_offsets.py).  With ``--fit``
the weights are fitted again (least squares on each pair's signals less its means;
unknown, untranslated and rare words may only lower the score) and the table with
weights fitted on half of each pair's sentences and scored on the other half (two
folds) is printed too; ``--write FILE`` writes the offsets for gate_offsets.toml.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import sacrebleu
from scipy.stats import spearmanr

from babelwire.pipeline.translate.article import Hop, Route, SourceText, translate_texts
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.estimate import (
    EstimateOptions,
    Signals,
    combine,
    estimate,
    signal_values,
)
from babelwire.pipeline.translate.gate_offsets import render_offsets

ISO1 = {"spa": "es", "eng": "en", "cat": "ca", "glg": "gl", "eus": "eu", "fra": "fr", "por": "pt"}
# A second route for each pair, through a pivot the installed pairs allow.
PIVOTS = {"spa-eng": "ca", "eng-spa": "ca", "cat-eng": "es", "spa-cat": "en", "eng-cat": "es"}
BEST_HALF_HELD = 0.05


def direct_pairs(engine: ApertiumEngine) -> list[str]:
    """Every installed Apertium pair between two of the FLORES languages here."""
    codes = {iso1: flores for flores, iso1 in ISO1.items()}
    return sorted(f"{codes[s]}-{codes[t]}" for s, t in engine.pairs() if s in codes and t in codes)


@dataclasses.dataclass
class PairData:
    pair: str
    truth: np.ndarray
    signals: list[Signals]
    form: np.ndarray


def collect(engine: ApertiumEngine, data: Path, pair: str, options: EstimateOptions) -> PairData:
    src_code, tgt_code = pair.split("-")
    source, target = ISO1[src_code], ISO1[tgt_code]
    lines = (data / f"{src_code}.devtest").read_text(encoding="utf-8").splitlines()
    refs = (data / f"{tgt_code}.devtest").read_text(encoding="utf-8").splitlines()
    texts = [SourceText(line, []) for line in lines]
    route = Route.direct(engine, source, target)
    # No reverse pair (eu>en): the round trip takes its typical value, as in a site.
    reverse = Route.direct(engine, target, source) if (target, source) in engine.pairs() else None
    pivot = PIVOTS.get(pair)
    second = Route((Hop(engine, source, pivot), Hop(engine, pivot, target))) if pivot else None
    translations = translate_texts(route, texts)
    scored = estimate(translations, texts, reverse=reverse, second=second, options=options)
    truth = np.array(
        [
            sacrebleu.sentence_chrf(t.article.title, [ref]).score / 100
            for t, ref in zip(translations, refs, strict=True)
        ]
    )
    signals = [Signals(**s.verdict.details["signals"]) for s in scored]
    form = np.array([s.verdict.details["form_score"] for s in scored])
    return PairData(pair, truth, signals, form)


def _features(signals: list[Signals], agreement: bool) -> np.ndarray:
    rows = []
    for s in signals:
        row = signal_values(s)
        if agreement:
            row.append(s.agreement or 0.0)
        rows.append(row)
    return np.array(rows)


# Signals that may only lower the score (their columns in signal_values): a word the
# engine does not know, one it left untranslated, a rare word in the translation.
NEVER_RAISE = (1, 2, 7)


def fit(data: list[PairData], agreement: bool) -> tuple[float, ...]:
    """Least squares on each pair's signals and chrF less that pair's means (the gate
    ranks translations within a pair: pooled as they are, the weights would go to
    telling the pairs apart), then the intercept that fits the pooled means.  A signal
    in NEVER_RAISE whose weight comes out positive (unknown words are mostly names,
    copied, which raise chrF) is left out and the rest fitted again."""
    features = [_features(d.signals, agreement) for d in data]
    x = np.vstack([f - f.mean(axis=0) for f in features])
    y = np.concatenate([d.truth - d.truth.mean() for d in data])
    kept = list(range(x.shape[1]))
    while True:
        slopes = np.zeros(x.shape[1])
        slopes[kept] = np.linalg.lstsq(x[:, kept], y, rcond=None)[0]
        wrong = [i for i in NEVER_RAISE if slopes[i] > 0]
        if not wrong:
            break
        kept = [i for i in kept if i not in wrong]
    intercept = (
        np.concatenate([d.truth for d in data]).mean() - np.vstack(features).mean(0) @ slopes
    )
    return tuple(round(float(w), 3) for w in (intercept, *slopes))


def scores(d: PairData, options: EstimateOptions, agreement: bool) -> np.ndarray:
    values = []
    for s, form in zip(d.signals, d.form, strict=True):
        chosen = s if agreement else dataclasses.replace(s, agreement=None)
        values.append(combine(chosen, options) * form)
    return np.array(values)


def choose_threshold(data: list[PairData], options: EstimateOptions, agreement: bool) -> float:
    """The highest threshold that holds at most 5% of every pair's best half."""
    lows = []
    for d in data:
        s = scores(d, options, agreement)
        lows.append(float(np.quantile(s[d.truth >= np.median(d.truth)], BEST_HALF_HELD)))
    return float(np.floor(min(lows) * 100) / 100)


def table_rows(
    data: list[PairData],
    options: EstimateOptions,
    threshold: float,
    agreement: bool,
    offsets: dict[str, float] | None = None,
) -> list[tuple[str, float, float, float, float, float]]:
    """Per pair: Spearman, worst decile held, best half held, all held, mean chrF."""
    rows = []
    for d in data:
        s = scores(d, options, agreement)
        held = s < threshold + (offsets or {}).get(d.pair, 0.0)
        worst = d.truth <= np.quantile(d.truth, 0.1)
        best = d.truth >= np.median(d.truth)
        rho = float(spearmanr(s, d.truth)[0])
        rows.append(
            (
                d.pair,
                rho,
                float(held[worst].mean()),
                float(held[best].mean()),
                float(held.mean()),
                float(d.truth.mean()),
            )
        )
    return rows


def held_out_scores(data: list[PairData], agreement: bool, seed: int = 0) -> list[np.ndarray]:
    """Each pair's scores from weights fitted on the other half of its sentences."""
    rng = np.random.default_rng(seed)
    folds = [rng.permutation(len(d.truth)) % 2 == 0 for d in data]
    scored = [np.zeros(len(d.truth)) for d in data]
    for fold in (True, False):
        train = [
            PairData(
                d.pair,
                d.truth[f == fold],
                [s for s, k in zip(d.signals, f == fold, strict=True) if k],
                d.form[f == fold],
            )
            for d, f in zip(data, folds, strict=True)
        ]
        weights = fit(train, agreement)
        options = EstimateOptions(weights=weights, weights_agreement=weights)
        for d, f, out in zip(data, folds, scored, strict=True):
            out[f != fold] = scores(d, options, agreement)[f != fold]
    return scored


def pair_offsets(
    data: list[PairData], options: EstimateOptions, threshold: float
) -> dict[str, float]:
    """Each pair's threshold less ``threshold``: its own threshold being the highest that
    holds at most 5% of its best half."""
    offsets = {}
    for d in data:
        s = scores(d, options, agreement=False)
        own = float(np.floor(np.quantile(s[d.truth >= np.median(d.truth)], BEST_HALF_HELD) * 100))
        offsets[d.pair] = round(own / 100 - threshold, 2)
    return offsets


def _print_table(title: str, rows: list[tuple[str, float, float, float, float, float]]) -> None:
    print(f"\n{title}:")
    print(
        f"{'pair':8} {'Spearman':>9} {'worst 10% held':>15} {'best 50% held':>14} "
        f"{'all held':>9} {'mean chrF':>10}"
    )
    for pair, rho, worst, best, held, mean in rows:
        print(f"{pair:8} {rho:9.3f} {worst:15.1%} {best:14.1%} {held:9.1%} {mean * 100:10.1f}")


def run(
    data_dir: Path, pairs: list[str], threshold: float, refit: bool, write: Path | None = None
) -> None:
    options = EstimateOptions()
    with ApertiumEngine(timeout=300) as engine:
        pairs = pairs or direct_pairs(engine)
        data = [collect(engine, data_dir, pair, options) for pair in pairs]
    with_second = [d for d in data if d.pair in PIVOTS]  # the pairs with a second route
    if refit:
        # The agreement's weights from the pairs that have a second route only.
        agreeing = fit(with_second, True) if with_second else options.weights_agreement
        options = EstimateOptions(weights=fit(data, False), weights_agreement=agreeing)
        print(f"fitted weights (one engine): {list(options.weights)}")
        print(f"fitted weights (two engines): {list(options.weights_agreement)}")
        chosen = choose_threshold(data, options, agreement=False)
        print(f"threshold (at most 5% of every pair's best half held): {chosen:.2f}")
    offsets = pair_offsets(data, options, threshold)
    print(f"\nEach pair's offset from {threshold:.2f} (holding at most 5% of its best half):")
    print("  " + ", ".join(f"{p} {o:+.2f}" for p, o in offsets.items()))
    if write is not None:
        table = {f"{ISO1[p.split('-')[0]]}>{ISO1[p.split('-')[1]]}": o for p, o in offsets.items()}
        write.write_text(render_offsets({"apertium": table}, len(data[0].truth)), encoding="utf-8")
        print(f"written to {write}")
    for calibrated in (False, True):
        label = "each pair's own offset" if calibrated else "one threshold"
        rows = table_rows(data, options, threshold, False, offsets if calibrated else None)
        _print_table(f"Threshold {threshold:.2f}, {label}, one engine", rows)
    rows = table_rows(with_second, options, threshold, True, offsets)
    label = "two engines (agreement with a pivot route)"
    _print_table(f"Threshold {threshold:.2f} with each pair's offset, {label}", rows)
    if refit:
        print(f"\nHeld out (two folds), threshold {threshold:.2f} and each pair's offset:")
        for d, s in zip(data, held_out_scores(data, False), strict=True):
            held = s < threshold + offsets[d.pair]
            worst = d.truth <= np.quantile(d.truth, 0.1)
            best = d.truth >= np.median(d.truth)
            rho = float(spearmanr(s, d.truth)[0])
            print(f"{d.pair:8} {rho:9.3f} {held[worst].mean():15.1%} {held[best].mean():14.1%}")
