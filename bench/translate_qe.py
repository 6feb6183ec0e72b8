"""Calibrating the quality estimate on FLORES-200: `python bench/translate.py --qe [--fit]`.

Every devtest sentence of a pair is one article (its title) and goes through the
translation path and the estimate with the site's defaults: the round trip by the
reverse pair and, for the agreement, the pair through a pivot language as a
second route.  The truth is sentence chrF (sacrebleu) against the reference.
Per pair: Spearman correlation of the score with chrF, and what the default
threshold holds of the worst decile (by chrF) and of the best half.  With
``--fit`` the weights are fitted again (least squares, all pairs pooled) and the
threshold is chosen as the highest that holds at most 5% of every pair's best
half; they are printed for config.py.  ``--fit`` also prints the table with
weights fitted on half of each pair's sentences and scored on the other half
(two folds), so the in-sample figures can be told from held-out ones.
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

ISO1 = {"spa": "es", "eng": "en", "cat": "ca"}
# A second route for each pair, through a pivot the installed pairs allow.
PIVOTS = {"spa-eng": "ca", "eng-spa": "ca", "cat-eng": "es", "spa-cat": "en", "eng-cat": "es"}
BEST_HALF_HELD = 0.05


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
    reverse = Route.direct(engine, target, source)
    pivot = PIVOTS[pair]
    second = Route((Hop(engine, source, pivot), Hop(engine, pivot, target)))
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


def fit(data: list[PairData], agreement: bool) -> tuple[float, ...]:
    """Least squares on each pair's signals and chrF less that pair's means (the gate
    ranks translations within a pair: pooled as they are, the weights would go to
    telling the pairs apart), then the intercept that fits the pooled means."""
    features = [_features(d.signals, agreement) for d in data]
    x = np.vstack([f - f.mean(axis=0) for f in features])
    y = np.concatenate([d.truth - d.truth.mean() for d in data])
    slopes = np.linalg.lstsq(x, y, rcond=None)[0]
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
    data: list[PairData], options: EstimateOptions, threshold: float, agreement: bool
) -> list[tuple[str, float, float, float, float, float]]:
    """Per pair: Spearman, worst decile held, best half held, all held, mean chrF."""
    rows = []
    for d in data:
        s = scores(d, options, agreement)
        held = s < threshold
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


def run(data_dir: Path, pairs: list[str], threshold: float, refit: bool) -> None:
    options = EstimateOptions()
    with ApertiumEngine(timeout=300) as engine:
        data = [collect(engine, data_dir, pair, options) for pair in pairs]
    if refit:
        options = EstimateOptions(weights=fit(data, False), weights_agreement=fit(data, True))
        print(f"fitted weights (one engine): {list(options.weights)}")
        print(f"fitted weights (two engines): {list(options.weights_agreement)}")
        threshold = choose_threshold(data, options, agreement=False)
        print(f"threshold (at most 5% of every pair's best half held): {threshold:.2f}")
    for agreement in (False, True):
        label = "two engines (agreement with a pivot route)" if agreement else "one engine"
        print(f"\nQuality estimate, sentence level, threshold {threshold:.2f}, {label}:")
        print(
            f"{'pair':8} {'Spearman':>9} {'worst 10% held':>15} {'best 50% held':>14} "
            f"{'all held':>9} {'mean chrF':>10}"
        )
        for pair, rho, worst, best, held, mean in table_rows(data, options, threshold, agreement):
            print(f"{pair:8} {rho:9.3f} {worst:15.1%} {best:14.1%} {held:9.1%} {mean * 100:10.1f}")
    if refit:
        print(f"\nHeld out (two folds), threshold {threshold:.2f}, one engine:")
        for d, s in zip(data, held_out_scores(data, False), strict=True):
            held = s < threshold
            worst = d.truth <= np.quantile(d.truth, 0.1)
            best = d.truth >= np.median(d.truth)
            rho = float(spearmanr(s, d.truth)[0])
            print(f"{d.pair:8} {rho:9.3f} {held[worst].mean():15.1%} {held[best].mean():14.1%}")
