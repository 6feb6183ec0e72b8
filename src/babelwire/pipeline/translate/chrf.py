"""Sentence chrF (character n-gram F-score, n = 1..6, beta = 2), as sacrebleu computes it.

The quality estimate compares texts with it (a translation translated back against
its source, two engines' translations of one sentence); sacrebleu is only an
optional dependency, and this is the few lines of it that are needed.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["chrf"]

ORDER = 6
BETA = 2.0


def _ngrams(text: str) -> list[Counter[str]]:
    line = "".join(text.split())
    return [
        Counter([line[i : i + n] for i in range(len(line) - n + 1)]) for n in range(1, ORDER + 1)
    ]


def chrf(hypothesis: str, reference: str) -> float:
    """chrF of ``hypothesis`` against ``reference``, from 0 to 1 (sacrebleu's score / 100)."""
    factor = BETA**2
    precision = recall = 0.0
    orders = 0
    for hyp, ref in zip(_ngrams(hypothesis), _ngrams(reference), strict=True):
        n_hyp, n_ref = sum(hyp.values()), sum(ref.values())
        if n_hyp == 0 or n_ref == 0:
            continue
        small, large = (hyp, ref) if len(hyp) <= len(ref) else (ref, hyp)
        matches = sum(min(count, large[gram]) for gram, count in small.items() if gram in large)
        precision += matches / n_hyp
        recall += matches / n_ref
        orders += 1
    if orders == 0:
        return 0.0
    precision /= orders
    recall /= orders
    if precision + recall == 0:
        return 0.0
    return (1 + factor) * precision * recall / (factor * precision + recall)
