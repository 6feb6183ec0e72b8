"""The section classifier: TF-IDF weights and a logistic regression, trained from
articles the operator labelled, over their text in one pivot language.

The model is stored as plain JSON (vocabulary, idf, coefficients), never as a
pickle, so a model file can be read, diffed and loaded without running code from
it. Prediction needs numpy only; scikit-learn trains.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from babelwire.clock import utcnow
from babelwire.pipeline.classify.sections import Guess

__all__ = ["ModelError", "SectionModel", "load_model", "train_model"]

FORMAT = "babelwire-sections/1"
TOP_TERMS = 5


class ModelError(ValueError):
    """The model cannot be trained, or its file cannot be read (the message says why)."""


@functools.cache
def _analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(lowercase=True).build_analyzer()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class SectionModel:
    """A trained classifier; `coef` has one row per section (softmax gives probabilities)."""

    language: str
    classes: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: NDArray[np.float64]
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    counts: dict[str, int]
    cv_accuracy: float | None
    cv_folds: int
    trained_at: datetime
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({term: i for i, term in enumerate(self.vocabulary)})

    def vector(self, text: str) -> NDArray[np.float64]:
        """The text's TF-IDF vector, computed as scikit-learn's TfidfVectorizer(sublinear_tf)."""
        counts = Counter(t for t in _analyzer()(text) if t in self._index)
        x = np.zeros(len(self.vocabulary))
        for term, n in counts.items():
            j = self._index[term]
            x[j] = (1.0 + math.log(n)) * self.idf[j]
        norm = float(np.linalg.norm(x))
        return x / norm if norm else x

    def probabilities(self, text: str) -> dict[str, float]:
        z = self.coef @ self.vector(text) + self.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def guess(self, text: str) -> Guess:
        """The most probable section and the terms of the text that weighed most for it."""
        x = self.vector(text)
        z = self.coef @ x + self.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        k = int(np.argmax(p))
        weight = x * self.coef[k]
        top = [int(j) for j in np.argsort(-weight)[:TOP_TERMS] if weight[j] > 0]
        return Guess(self.classes[k], float(p[k]), tuple(self.vocabulary[j] for j in top))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "language": self.language,
            "classes": list(self.classes),
            "vocabulary": list(self.vocabulary),
            "idf": [round(float(v), 6) for v in self.idf],
            "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            "intercept": [round(float(v), 6) for v in self.intercept],
            "counts": dict(self.counts),
            "cv_accuracy": self.cv_accuracy,
            "cv_folds": self.cv_folds,
            "trained_at": self.trained_at.isoformat(),
        }

    def save(self, path: Path) -> None:
        """Write the model as JSON, atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")
        partial.replace(path)


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    language: str,
    folds: int = 5,
    c: float = 100.0,
) -> SectionModel:
    """Fit the classifier on labelled texts; its accuracy is cross-validated when every
    section has at least two examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    if len(texts) != len(labels):
        raise ModelError("as many labels as texts are needed")
    counts = Counter(labels)
    if len(counts) < 2:
        raise ModelError(
            f"training needs examples of at least two sections, got {dict(counts) or 'none'}"
        )

    def pipeline() -> Any:
        return make_pipeline(
            TfidfVectorizer(lowercase=True, sublinear_tf=True),
            LogisticRegression(C=c, max_iter=2000),
        )

    splits = min(folds, min(counts.values()))
    accuracy: float | None = None
    if splits >= 2:
        cv = StratifiedKFold(n_splits=splits, shuffle=True, random_state=0)
        accuracy = float(cross_val_score(pipeline(), list(texts), list(labels), cv=cv).mean())
    fitted = pipeline().fit(list(texts), list(labels))
    vectorizer, regression = fitted.steps[0][1], fitted.steps[1][1]
    coef = np.asarray(regression.coef_, dtype=float)
    intercept = np.asarray(regression.intercept_, dtype=float)
    if coef.shape[0] == 1:
        # Two sections: a sigmoid, written as the equivalent two-row softmax.
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return SectionModel(
        language=language,
        classes=tuple(str(x) for x in regression.classes_),
        vocabulary=tuple(str(t) for t in vectorizer.get_feature_names_out()),
        idf=np.asarray(vectorizer.idf_, dtype=float),
        coef=coef,
        intercept=intercept,
        counts=dict(sorted(counts.items())),
        cv_accuracy=accuracy,
        cv_folds=splits if accuracy is not None else 0,
        trained_at=utcnow(),
    )


def load_model(path: Path) -> SectionModel:
    """Read a model file written by `SectionModel.save`; ModelError names what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"section model {path}: {exc}") from exc
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"section model {path} is damaged ({exc}): run `babelwire sections train` again"
        ) from exc


def _from_json(data: Any) -> SectionModel:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    classes = tuple(str(c) for c in data["classes"])
    vocabulary = tuple(str(t) for t in data["vocabulary"])
    idf = np.asarray(data["idf"], dtype=float)
    coef = np.asarray(data["coef"], dtype=float)
    intercept = np.asarray(data["intercept"], dtype=float)
    if len(classes) < 2 or idf.shape != (len(vocabulary),):
        raise ValueError("classes or idf do not fit the vocabulary")
    if coef.shape != (len(classes), len(vocabulary)) or intercept.shape != (len(classes),):
        raise ValueError("coefficients do not fit the classes and vocabulary")
    if not (np.isfinite(idf).all() and np.isfinite(coef).all() and np.isfinite(intercept).all()):
        raise ValueError("weights are not finite numbers")
    accuracy = data.get("cv_accuracy")
    return SectionModel(
        language=str(data["language"]),
        classes=classes,
        vocabulary=vocabulary,
        idf=idf,
        coef=coef,
        intercept=intercept,
        counts={str(k): int(v) for k, v in dict(data["counts"]).items()},
        cv_accuracy=None if accuracy is None else float(accuracy),
        cv_folds=int(data.get("cv_folds", 0)),
        trained_at=datetime.fromisoformat(str(data["trained_at"])),
    )
