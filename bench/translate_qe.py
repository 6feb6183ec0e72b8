"""Calibrating the quality estimate on FLORES-200: `python bench/translate.py --qe [--fit]`.

Every devtest sentence of a pair is one article (its title) and goes through the
translation path and the estimate with the site's defaults: the round trip by the
reverse pair and, for the agreement, the pair through a pivot language as a
second route.  The truth is sentence chrF (sacrebleu) against the reference.
Per pair: Spearman correlation of the score with chrF, and what the default
threshold holds of the worst decile (by chrF) and of the best half.  With
``--fit`` the weights are fitted again (least squares, all pairs pooled) and the
threshold is chosen as the highest that holds at most 5% of every pair's best
half; they are printed for config.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import sacrebleu
from scipy.stats import spearmanr

from babelwire.pipeline.translate.article import Hop, Route, SourceText, translate_texts
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.estimate import EstimateOptions, Signals, combine, estimate

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
        row = [s.round_trip or 0.0, s.unknown, s.untranslated, s.overlap]
        if agreement:
            row.append(s.agreement or 0.0)
        rows.append(row)
    return np.array(rows)


def fit(data: list[PairData], agreement: bool) -> tuple[float, ...]:
    x = np.vstack([_features(d.signals, agreement) for d in data])
    y = np.concatenate([d.truth for d in data])
    weights = np.linalg.lstsq(np.c_[np.ones(len(x)), x], y, rcond=None)[0]
    return tuple(round(float(w), 3) for w in weights)


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
