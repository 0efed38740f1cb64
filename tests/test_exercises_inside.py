"""Chapter 7's checkers pass the reference answers and fail typical wrong ones with a message that
names the problem; the prediction is recorded, never failed, for any answer of the right form."""

import numpy as np
import pytest

from goalmisgen.exercises._check import CheckFailed, NotImplementedYet
from goalmisgen.exercises.inside import (
    check_matched_difference,
    check_probe_prediction,
    check_random_control,
    layers_questions,
    reference_matched_difference,
)
from goalmisgen.exercises.quiz import quiz
from goalmisgen.interp.steering import random_direction


def test_matched_difference_passes_the_reference_and_fails_wrong_answers(capsys):
    check_matched_difference(reference_matched_difference)
    assert "all checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="wrong way"):
        check_matched_difference(lambda a, b: reference_matched_difference(b, a))
    with pytest.raises(CheckFailed, match="axis 0"):
        check_matched_difference(lambda a, b: (np.asarray(a) - np.asarray(b)).mean(axis=1))
    with pytest.raises(CheckFailed, match="ValueError"):
        check_matched_difference(lambda a, b: np.asarray(a).mean(axis=0) - np.asarray(b).mean(axis=0))


def test_a_stub_is_reported_and_strict_mode_raises(capsys):
    def stub(a, b):
        raise NotImplementedError("exercise ex-inside-vector")

    check_matched_difference(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(NotImplementedYet):
        check_matched_difference(stub, strict=True)


def _rescaled(x, like):
    return x / np.linalg.norm(x) * np.linalg.norm(like)


def test_random_control_passes_the_package_direction_and_fails_bad_controls(capsys):
    check_random_control(lambda v, s: random_direction(v, seed=s))
    assert "all checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="norm"):
        check_random_control(lambda v, s: np.random.default_rng(s).normal(size=len(v)))
    with pytest.raises(CheckFailed, match="reproducible"):
        check_random_control(lambda v, s: random_direction(v, seed=np.random.randint(1 << 30)))
    with pytest.raises(CheckFailed, match="aligned"):
        check_random_control(lambda v, s: _rescaled(np.asarray(v) + 0.1 * np.random.default_rng(s).normal(size=len(v)), v))
    with pytest.raises(CheckFailed, match="all units"):
        check_random_control(lambda v, s: np.random.default_rng(s).permutation(np.asarray(v)[:4]).tolist() + [0.0] * 124)


def test_probe_prediction_refuses_only_the_wrong_form(capsys, monkeypatch):
    import goalmisgen.exercises.inside as inside

    monkeypatch.setattr(inside, "measured_probe", lambda: {"headline": 0.8, "control": 0.9, "majority": 0.6})
    check_probe_prediction(lambda: {"headline": 0.1, "control": 0.95})
    out = capsys.readouterr().out
    assert "prediction recorded" in out and "off by more than 0.1" in out
    check_probe_prediction(lambda: {"headline": 0.75, "control": 0.95})
    assert "Both within 0.1" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="keys"):
        check_probe_prediction(lambda: 0.8)
    with pytest.raises(CheckFailed, match="percentage"):
        check_probe_prediction(lambda: {"headline": 80, "control": 90})


def test_layers_quiz_has_a_right_answer_and_feedback_for_every_choice():
    for q in layers_questions():
        assert any(c.correct for c in q.choices) and all(c.feedback for c in q.choices)
    assert quiz(*layers_questions()) is not None
