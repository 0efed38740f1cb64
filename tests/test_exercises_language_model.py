"""Chapter 8's exercise checkers (goalmisgen.exercises.language_model): the references pass, a stub
is "not implemented", and known-wrong answers fail with their hint."""

import numpy as np
import pytest

from goalmisgen.exercises._check import CheckFailed, NotImplementedYet
from goalmisgen.exercises.language_model import (PG_CHOICES, check_answer_shares, check_pg_prediction,
                                                 check_sure_prediction, check_wrong_suggestions, limits_questions)
from goalmisgen.language.evaluation import answer_shares


def stub(*args):
    raise NotImplementedError("exercise")


def loop_shares(answers, correct, suggested):
    n = len(answers)
    if n == 0:
        return {"correct": float("nan"), "agree": float("nan"), "neither": float("nan")}
    c = sum(int(x == y) for x, y in zip(answers, correct))
    a = sum(int(x == y) for x, y in zip(answers, suggested))
    return {"correct": c / n, "agree": a / n, "neither": (n - c - a) / n}


def modular(correct, rng):
    return (np.asarray(correct) + rng.integers(1, 19, size=len(correct))) % 19


@pytest.mark.parametrize("func", [answer_shares, loop_shares])
def test_share_references_pass(func, capsys):
    check_answer_shares(func)
    assert "✓ ex-lm-shares: all checks passed" in capsys.readouterr().out


def test_wrong_suggestions_reference_passes(capsys):
    check_wrong_suggestions(modular)
    assert "✓ ex-lm-wrong" in capsys.readouterr().out


@pytest.mark.parametrize("checker", [check_answer_shares, check_wrong_suggestions])
def test_stub_is_not_implemented(checker, capsys):
    checker(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(NotImplementedYet):
        checker(stub, strict=True)


def neither_as_complement(answers, correct, suggested):
    out = loop_shares(answers, correct, suggested)
    return {**out, "neither": 1 - out["correct"]} if len(answers) else out


def zero_for_empty(answers, correct, suggested):
    return loop_shares(answers, correct, suggested) if len(answers) else {"correct": 0.0, "agree": 0.0, "neither": 0.0}


def percentages(answers, correct, suggested):
    out = loop_shares(answers, correct, suggested)
    return {k: 100 * v for k, v in out.items()}


@pytest.mark.parametrize("wrong, hint", [
    (neither_as_complement, "not 1 - correct"),
    (zero_for_empty, "undefined"),
    (percentages, "not a percentage"),
])
def test_share_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_answer_shares(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda c, rng: rng.integers(0, 19, size=len(c)), "equal the correct answer"),
    (lambda c, rng: np.asarray(c) + 1, "valid answers"),
    (lambda c, rng: (np.asarray(c) + 1) % 19, "equally likely"),
    (lambda c, rng: (np.asarray(c) + np.random.randint(1, 19, size=len(c))) % 19, "from `rng`"),
])
def test_wrong_suggestion_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_wrong_suggestions(wrong)


def test_predictions_are_recorded_not_failed_and_bad_forms_refused(capsys):
    check_sure_prediction(lambda: 0.3)
    assert "prediction recorded" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="percentage"):
        check_sure_prediction(lambda: 30)
    with pytest.raises(CheckFailed, match="one of"):
        check_pg_prediction(lambda: "lower")
    check_pg_prediction(lambda: PG_CHOICES[1])
    assert "prediction recorded" in capsys.readouterr().out


def test_quiz_has_one_right_answer_per_question():
    for question in limits_questions():
        assert sum(choice.correct for choice in question.choices) == 1
