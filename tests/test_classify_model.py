"""The section classifier: trained, saved as JSON, read back, and refused when damaged;
rules by entities; the order of the four steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from babelwire.config import SectionRule
from babelwire.pipeline.classify.model import ModelError, load_model, train_model
from babelwire.pipeline.classify.sections import Guess, choose_section

TEXTS = [
    "The team won the match after the coach changed tactics",
    "The league leaders lost their match at home",
    "The coach praised the team after the final",
    "Parliament votes the budget as the minister resigns",
    "The government and the opposition debate the election law",
    "The minister defended the government in parliament",
    "A film festival opens with a concert in the old museum",
    "The museum shows an exhibition of harbour photography",
    "The festival jury gave its prize to a film about fishermen",
]
LABELS = ["sport"] * 3 + ["politics"] * 3 + ["culture"] * 3
RULES = (
    SectionRule("politics", {"en": "Politics"}, ("government",), ("nikol-pashinyan",)),
    SectionRule("sport", {"en": "Sport"}, ("match",)),
)


def test_the_model_decides_as_scikit_learn_and_round_trips(tmp_path: Path) -> None:
    model = train_model(TEXTS, LABELS, language="en")
    assert model.counts == {"culture": 3, "politics": 3, "sport": 3}
    assert model.cv_folds == 3 and model.cv_accuracy is not None
    text = "The coach and the team before the match at the museum"
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    reference = LogisticRegression(C=100.0, max_iter=2000).fit(
        vectorizer.fit_transform(TEXTS), LABELS
    )
    expected = reference.predict_proba(vectorizer.transform([text]))[0]
    got = model.probabilities(text)
    assert np.allclose([got[c] for c in reference.classes_], expected, atol=1e-6)
    guess = model.guess(text)
    assert guess.slug == "sport" and {"coach", "team"} & set(guess.terms)

    path = tmp_path / "model.json"
    model.save(path)
    assert json.loads(path.read_text())["format"] == "babelwire-sections/1"
    again = load_model(path)
    assert again.classes == model.classes and again.counts == model.counts
    assert again.guess(text).slug == "sport"
    assert abs(again.guess(text).probability - guess.probability) < 1e-4


def test_two_sections_give_the_same_probabilities_as_a_sigmoid() -> None:
    model = train_model(TEXTS[:6], LABELS[:6], language="en")
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    reference = LogisticRegression(C=100.0, max_iter=2000).fit(
        vectorizer.fit_transform(TEXTS[:6]), LABELS[:6]
    )
    text = "the minister and the team"
    expected = reference.predict_proba(vectorizer.transform([text]))[0]
    got = model.probabilities(text)
    assert np.allclose([got[c] for c in reference.classes_], expected, atol=1e-6)


def test_training_needs_two_sections() -> None:
    with pytest.raises(ModelError, match="at least two sections"):
        train_model(TEXTS[:3], LABELS[:3], language="en")


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        '{"format": "something-else"}',
        '{"format": "babelwire-sections/1", "classes": ["a", "b"]}',
    ],
)
def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(ModelError, match="section model"):
        load_model(path)


def test_a_model_whose_weights_do_not_fit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    train_model(TEXTS, LABELS, language="en").save(path)
    data = json.loads(path.read_text())
    data["coef"][0] = data["coef"][0][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="sections train"):
        load_model(path)


def test_a_rule_matches_by_entities() -> None:
    choice = choose_section(
        source_section=None,
        rules=RULES,
        texts=["Yerevan talks"],
        default="world",
        entities={"nikol-pashinyan": 2},
    )
    assert (choice.slug, choice.step) == ("politics", "rule")
    assert "entities nikol-pashinyan" in choice.reason


def test_the_classifier_comes_after_the_rules_and_before_the_default() -> None:
    asked: list[str] = []

    def guess() -> Guess:
        asked.append("yes")
        return Guess("culture", 0.83, ("festival", "film"))

    by_rule = choose_section(
        source_section=None, rules=RULES, texts=["the match"], default="world", guess=guess
    )
    assert by_rule.step == "rule" and not asked
    by_model = choose_section(
        source_section=None, rules=RULES, texts=["a film"], default="world", guess=guess
    )
    assert (by_model.slug, by_model.step) == ("culture", "model")
    assert by_model.reason == "classifier p=0.83 (terms: festival, film)"
    unsure = choose_section(
        source_section=None,
        rules=RULES,
        texts=["a film"],
        default="world",
        guess=guess,
        min_probability=0.9,
    )
    assert (unsure.slug, unsure.step) == ("world", "default")
    assert "unsure: culture p=0.83" in unsure.reason
