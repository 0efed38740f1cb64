"""Every checker of the first chapter (CoinRun-grid) passes the reference and fails wrong answers
helpfully; the chapter's quiz on the open-end experiment marks the answer its interval supports."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from goalmisgen.exercises import CheckFailed
from goalmisgen.envs.coinrun.interventions import coin_removed, end_permeable
from goalmisgen.exercises.first_look import (
    PREDICT_TOLERANCE,
    as_interventions,
    check_discounted_returns,
    check_good_level_mask,
    check_misgeneralization_rate,
    check_rate_prediction,
    check_separating_edit,
    open_end_question,
    reference_discounted_returns,
    reference_good_level_mask,
    reference_misgeneralization_rate,
    reference_separating_edit,
    shipped_moved_rates,
)


def loop_returns(rewards, dones, gamma):
    """A plain-loop answer, as a learner would write it."""
    returns = np.zeros(np.shape(rewards), dtype=float)
    running = np.zeros(np.shape(rewards)[1:])
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running * (1 - np.asarray(dones[t], dtype=float))
        returns[t] = running
    return returns


ROOT = Path(__file__).resolve().parents[1]

def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-coinrun")


CHECKS = [
    (check_discounted_returns, reference_discounted_returns, "ex-coinrun-returns"),
    (check_discounted_returns, loop_returns, "ex-coinrun-returns"),
    (check_misgeneralization_rate, reference_misgeneralization_rate, "ex-coinrun-misgen"),
    (check_misgeneralization_rate, lambda e: (e["reached_end"].astype(bool) & ~e["coin_collected"].astype(bool)).mean(), "ex-coinrun-misgen"),
    (check_good_level_mask, reference_good_level_mask, "ex-coinrun-good"),
    (check_separating_edit, reference_separating_edit, "ex-coinrun-separate"),
    (check_separating_edit, lambda: ["end_permeable", "hazards_removed", ("coin_removed", {})], "ex-coinrun-separate"),
    (check_separating_edit, lambda: (["end_closer", {"sections": 1}], "coin_removed", "end_permeable"), "ex-coinrun-separate"),
]


@pytest.mark.parametrize("check, answer, label", CHECKS)
def test_checker_passes_a_correct_answer_with_one_line(check, answer, label, capsys):
    check(answer)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


def test_a_prediction_is_recorded_in_one_line(capsys):
    check_rate_prediction(lambda: (0.05, 0.9))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "ex-coinrun-predict" in out[0] and "prediction recorded" in out[0]


@pytest.mark.parametrize("check", [check_discounted_returns, check_misgeneralization_rate, check_good_level_mask,
                                   check_rate_prediction, check_separating_edit])
def test_a_stub_is_reported_as_not_implemented_without_a_traceback(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


def test_checkers_carry_their_exercise_label():
    assert check_good_level_mask.exercise_label == "ex-coinrun-good"
    assert check_rate_prediction.exercise_label == "ex-coinrun-predict"
    assert check_separating_edit.exercise_label == "ex-coinrun-separate"


def forward_returns(rewards, dones, gamma):
    out = np.zeros(np.shape(rewards))
    running = np.zeros(np.shape(rewards)[1:])
    for t in range(len(out)):
        running = rewards[t] + gamma * running
        out[t] = running
        running = running * (1 - np.asarray(dones[t], dtype=float))
    return out


def late_cut(rewards, dones, gamma):
    later = np.zeros(np.shape(dones), dtype=bool)
    later[:-1] = np.asarray(dones[1:], dtype=bool)
    return loop_returns(rewards, later, gamma)


def integer_returns(rewards, dones, gamma):
    returns = np.zeros_like(rewards)
    returns[...] = loop_returns(rewards, dones, gamma)
    return returns


def in_place_returns(rewards, dones, gamma):
    rewards[...] = loop_returns(rewards, dones, gamma)
    return rewards


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda r, d, g: loop_returns(r, np.zeros_like(d), g), "never stop at episode ends"),
        (lambda r, d, g: g * loop_returns(r, d, g), "current step is not discounted"),
        (forward_returns, "go through time backwards"),
        (late_cut, "cut one step late"),
        (integer_returns, "integer dtype"),
        (in_place_returns, "changed its inputs"),
        (lambda r, d, g: loop_returns(r, d, g).T, "time is the first axis"),
        (lambda r, d, g: loop_returns(r, d, g) + 1, "G_t = r_t \\+ gamma \\* G_\\{t\\+1\\}"),
    ],
)
def test_returns_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_discounted_returns(wrong)


def conditional_rate(episodes):
    reached = episodes["reached_end"].astype(bool)
    return float((~episodes["coin_collected"].astype(bool)[reached]).mean())


def adds_a_column(episodes):
    episodes["misgeneralized"] = episodes["reached_end"].astype(bool) & ~episodes["coin_collected"].astype(bool)
    return float(episodes["misgeneralized"].mean())


def zero_for_empty(episodes):
    return reference_misgeneralization_rate(episodes) if len(episodes) else 0.0


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda e: float((~e["coin_collected"].astype(bool)).mean()), "capability failure"),
        (conditional_rate, "not only those that reached the end"),
        (lambda e: float((e["reached_end"].astype(bool) & e["coin_collected"].astype(bool)).mean()), "\\*with\\* the coin"),
        (lambda e: int((e["reached_end"].astype(bool) & ~e["coin_collected"].astype(bool)).sum()), "that is a count"),
        (lambda e: e["reached_end"].astype(bool) & ~e["coin_collected"].astype(bool), "expected one number"),
        (adds_a_column, "changed the table"),
        (zero_for_empty, "expected nan"),
        (lambda e: float(np.logical_and(e["reached_end"], ~e["coin_collected"]).mean()), "integer columns"),
    ],
)
def test_misgeneralization_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_misgeneralization_rate(wrong)


def per_pair(visited, coin_x, coin_y):
    return ~visited[:, coin_x, coin_y]


def swapped(visited, coin_x, coin_y):
    return ~visited[np.arange(len(visited)), coin_y, coin_x]


def as_ints(visited, coin_x, coin_y):
    return reference_good_level_mask(visited, coin_x, coin_y).astype(int)


def list_of_bools(visited, coin_x, coin_y):
    return np.array([not visited[i, x, y] for i, (x, y) in enumerate(zip(coin_x, coin_y))])


def clears_visited(visited, coin_x, coin_y):
    mask = reference_good_level_mask(visited, coin_x, coin_y)
    visited[:] = False
    return mask


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda v, x, y: ~reference_good_level_mask(v, x, y), "did NOT pass"),
        (lambda v, x, y: ~v.any(axis=(1, 2)), "only at the coin's cell"),
        (swapped, "indexed \\[level, x, y\\]"),
        (per_pair, "one value per pair of levels"),
        (as_ints, "expected bool"),
        (list_of_bools, "empty bool array"),
        (clears_visited, "changed its inputs"),
    ],
)
def test_good_level_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_good_level_mask(wrong)


def test_the_reference_rate_is_evaluates_misgeneralized_column():
    episodes = pd.DataFrame({"reached_end": [True, True, False], "coin_collected": [False, True, False]})
    assert reference_misgeneralization_rate(episodes) == pytest.approx(1 / 3)
    assert np.isnan(reference_misgeneralization_rate(episodes.iloc[:0]))


def test_the_reference_returns_stop_at_episode_ends():
    returns = reference_discounted_returns(np.array([[1.0], [2.0], [3.0]]), np.array([[False], [True], [False]]), 0.5)
    assert returns[:, 0] == pytest.approx([2.0, 2.0, 3.0])


def concept_check():
    from goalmisgen.exercises.quiz import Choice, Question, quiz

    return quiz(Question("Which goal did the agent learn?", [
        Choice("Go to the `right` end", correct=True, feedback="Yes."),
        Choice("Collect the <coin>", feedback="It walks past the moved coin."),
    ]))


def test_the_concept_check_renders_interactive_with_a_static_fallback():
    bundle = concept_check()._repr_mimebundle_()
    page = bundle["text/html"]
    assert "<script>" in page and '"type": "multiple_choice"' in page  # jupyterquiz's quiz
    assert "gm-quiz-static" in page and "<details><summary>Answers</summary>" in page  # shown without JavaScript
    assert "<code>right</code>" in page and "&lt;coin&gt;" in page and "<coin>" not in page
    assert bundle["text/plain"].splitlines() == [
        "1. Which goal did the agent learn?", "   (a) Go to the `right` end", "   (b) Collect the <coin>", "   Answer: (a)",
    ]


def test_a_question_without_a_correct_choice_is_refused():
    from goalmisgen.exercises.quiz import Choice, Question

    with pytest.raises(ValueError, match="no correct choice"):
        Question("Why?", [Choice("a"), Choice("b")])
    with pytest.raises(ValueError, match="has 1 choices"):
        Question("Why?", [Choice("a", correct=True)])


# ---- ex-coinrun-predict ------------------------------------------------------------------------


def test_the_prediction_is_recorded_and_compared_with_the_shipped_evaluation(capsys):
    measured = shipped_moved_rates()
    coin, end = measured["coin_collected"]["mean"], measured["reached_end"]["mean"]
    check_rate_prediction(lambda: (coin, end))
    assert "prediction recorded" in capsys.readouterr().out
    check_rate_prediction(lambda: (max(coin - 0.9 * PREDICT_TOLERANCE, 0.0), end - 0.9 * PREDICT_TOLERANCE))
    out = capsys.readouterr().out
    assert "within" in out and "go for the moved coin far more often" not in out
    check_rate_prediction(lambda: (coin + 1.2 * PREDICT_TOLERANCE, end - 1.2 * PREDICT_TOLERANCE))
    out = capsys.readouterr().out
    assert "prediction recorded" in out and "go for the moved coin far more often" in out


@pytest.mark.parametrize("far, why", [
    (lambda: (0.9, 0.1), "the reward could not tell the two goals apart"),
    (lambda: (0.05, 0.3), "skill .* carries over"),
])
def test_a_far_prediction_is_recorded_with_the_reasoning_not_failed(far, why, capsys):
    check_rate_prediction(far, strict=True)
    out = capsys.readouterr().out
    assert "prediction recorded" in out and "Off by more than" in out
    assert re.search(why, out)


@pytest.mark.parametrize("wrong, hint", [
    (lambda: (5, 90), "not a percentage"),
    (lambda: (0.6, 0.6), "add up to about 1 at most"),
    (lambda: (-0.1, 0.9), "between 0 and 1"),
    (lambda: (True, 0.9), "should be a number"),
    (lambda: (float("nan"), 0.9), "should be a number"),
    (lambda: 0.05, "return two numbers"),
])
def test_prediction_checker_refuses_an_answer_of_the_wrong_form(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_rate_prediction(wrong)


def test_the_prediction_message_shows_the_measured_rates(capsys):
    check_rate_prediction(lambda: (0.9, 0.1))
    coin = shipped_moved_rates()["coin_collected"]
    assert f"{coin['mean']:.2f} of these levels" in capsys.readouterr().out


# ---- ex-coinrun-separate -----------------------------------------------------------------------


@pytest.mark.parametrize("wrong, hint", [
    (lambda: [], "no edit"),
    (lambda: ["coin_moved"], "right wall is still there"),
    (lambda: ["coin_removed"], "right wall is still there"),
    (lambda: [("end_closer", {"sections": 1}), "coin_removed"], "right wall is still there"),
    (lambda: ["end_permeable"], "coin still sits at the end"),
    (lambda: "end_permeable", "coin still sits at the end"),
    (lambda: ["coin_moved", "end_permeable"], "a coin on its route"),
    (lambda: [coin_removed(), end_permeable()], "give its name as a string"),
    (lambda: [coin_removed, "end_permeable"], "give its name as a string"),
    (lambda: ["remove_wall"], "each edit is one of"),
    (lambda: [("end_closer", 2)], "dict of arguments"),
    (lambda: [("end_closer", {"steps": 2})], "unexpected keyword"),
    (lambda: [("end_closer", {"sections": 9})], "could not be applied|not allowed"),
    (lambda: 3, "give a list of intervention names"),
])
def test_separating_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_separating_edit(wrong)


# ---- ex-coinrun-open-end: the quiz marks what the interval supports ----------------------------


@pytest.mark.parametrize("passed, reached, correct", [
    (190, 195, "go right as far as you can\" better"),
    (5, 195, "go to the end of the level\" better"),
    (10, 20, "cannot tell"),
])
def test_the_open_end_quiz_marks_the_supported_answer(passed, reached, correct):
    question = open_end_question(passed, reached)
    right = [c.text for c in question.choices if c.correct]
    assert len(right) == 1 and correct in right[0]
    assert f"{passed} of the {reached}" in question.text


@pytest.mark.parametrize("passed, reached", [(5, 0), (-1, 10), (11, 10), (1.5, 10), (True, 10)])
def test_the_open_end_quiz_refuses_impossible_counts(passed, reached):
    with pytest.raises(ValueError):
        open_end_question(passed, reached)


def test_intervention_names_become_the_package_interventions():
    edits = as_interventions(["coin_removed", ("end_closer", {"sections": 2}), ["end_permeable", {}]])
    assert [e.name for e in edits] == ["coin removed", "end 2 sections closer", "end permeable"]
    assert [e.name for e in as_interventions(reference_separating_edit())] == ["coin removed", "end permeable"]


def travelled(value):
    """``value`` as the grader receives it from a submission's process (plain data only)."""
    from goalmisgen.teaching._wire import decode, encode

    return decode(json.loads(json.dumps(encode(value))))


@pytest.mark.parametrize("answer", [reference_separating_edit, lambda: [("end_closer", {"sections": 1}), "coin_removed", "end_permeable"]])
def test_a_separating_edit_passes_after_travelling_to_the_grader(answer, capsys):
    check_separating_edit(lambda: travelled(answer()))
    assert "passed" in capsys.readouterr().out
    check_rate_prediction(lambda: travelled((0.05, 0.9)))


def test_intervention_objects_do_not_travel_and_the_message_says_what_to_return():
    with pytest.raises(CheckFailed, match="give its name as a string"):
        check_separating_edit(lambda: travelled([coin_removed(), end_permeable()]))


@pytest.mark.parametrize("module, name", [
    ("first_look", "goal_questions"), ("rewards_vs_goals", "critic_questions"),
    ("causal_vs_spurious", "confusion_questions"), ("capability_vs_goal", "curve_questions"),
    ("auto_induced_shift", "fitness_gap_questions"), ("auto_induced_shift", "classification_questions"),
    ("mitigations", "limits_questions"), ("inside", "layers_questions"), ("language_model", "limits_questions"),
])
def test_each_chapter_quiz_comes_from_its_module_with_answers_and_feedback(module, name):
    import importlib

    from goalmisgen.exercises.quiz import quiz

    questions = getattr(importlib.import_module(f"goalmisgen.exercises.{module}"), name)()
    assert questions and all(any(c.correct for c in q.choices) for q in questions)
    assert all(c.feedback for q in questions for c in q.choices)
    assert "<details>" in quiz(*questions)._repr_mimebundle_()["text/html"]
    chapter = next((ROOT / "book").glob(f"0*_{module}.ipynb"))
    assert f"quiz(*{name}())" in chapter.read_text() and "correct=True" not in chapter.read_text()
