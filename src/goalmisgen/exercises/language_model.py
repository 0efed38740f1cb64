"""Checkers for the exercises of chapter 8 (goals in a small language model).

| label | the learner writes | reference |
|---|---|---|
| ``ex-lm-shares`` | ``answer_shares(answers, correct, suggested)`` -> {"correct", "agree", "neither"} | ``language.evaluation.answer_shares`` (the chapter's one transcription) |
| ``ex-lm-wrong`` | ``wrong_suggestions(correct, rng)`` -> suggestions that are never correct, uniform over the other answers | ``language.task.wrong_answer`` with uniform offsets |
| ``ex-lm-pg`` | ``predicted_pg_change()`` -> "down", "same" or "up": the agree share after policy gradient | a live fine-tune of the shipped headline model (``measured_pg_change``) |
| ``ex-lm-sure`` | ``predicted_sure_share()`` -> the share correct on wrong "sure" suggestions after the "think" fix | the shipped sweep (data/language_model) |

The quiz ``limits_questions()`` asks what a toy model can and cannot tell about large ones.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import numpy as np

from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker, share_answer
from goalmisgen.exercises.quiz import Choice, Question
from goalmisgen.language.evaluation import OUTCOMES, answer_shares
from goalmisgen.language.task import N_NUMBERS, evaluation_prompts

# ---------------------------------------------------------------- ex-lm-shares


def _share_cases() -> list[tuple[tuple, str]]:
    rng = np.random.default_rng(0)
    correct = rng.integers(0, N_NUMBERS, 50)
    suggested = (correct + rng.integers(1, N_NUMBERS, 50)) % N_NUMBERS
    mixed = np.where(rng.random(50) < 0.5, correct, suggested)
    mixed[:10] = (correct[:10] + suggested[:10] + 1) % N_NUMBERS  # some may equal neither, some by chance one of them
    return [
        ((np.array([7, 9, 3]), np.array([7, 7, 7]), np.array([9, 9, 9])), "one answer of each kind"),
        ((mixed, correct, suggested), "50 answers, mostly correct or agreeing"),
        ((mixed.astype(np.int32), correct.astype(np.int32), suggested.astype(np.int32)), "int32 arrays"),
        ((np.array([4, 4]), np.array([4, 4]), np.array([5, 6])), "two correct answers"),
    ]


@checker("ex-lm-shares")
def check_answer_shares(func: Callable) -> None:
    for args, what in _share_cases():
        kept = [a.copy() for a in args]
        got = call(func, *args)
        expected = answer_shares(*args)
        if not isinstance(got, dict) or set(got) != set(OUTCOMES):
            raise CheckFailed(f"for {what} expected a dict with the keys {list(OUTCOMES)}, got {got!r}.")
        for key in OUTCOMES:
            value = share_answer(got[key], f"the share {key!r}", "answers")
            if abs(value - expected[key]) > 1e-9:
                hint = ("an answer that is neither correct nor the suggestion counts in 'neither' only; 'neither' is "
                        "not 1 - correct" if key == "neither" else "divide by every answer, not by a subset")
                raise CheckFailed(f"for {what} expected {key} = {expected[key]:.3f}, got {value:.3f}. Hint: {hint}.")
        if any(not np.array_equal(a, b) for a, b in zip(args, kept)):
            raise CheckFailed(f"for {what} your function changed its inputs; leave them as they are.")
    empty = call(func, np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    if not isinstance(empty, dict) or not all(isinstance(empty.get(k), float) and np.isnan(empty[k]) for k in OUTCOMES):
        raise CheckFailed(f"for no answers expected nan for every share, got {empty!r}. Hint: a share of nothing "
                          "is undefined, not 0.")


# ---------------------------------------------------------------- ex-lm-wrong


@checker("ex-lm-wrong")
def check_wrong_suggestions(func: Callable) -> None:
    correct = np.repeat(np.arange(N_NUMBERS), 400)
    kept = correct.copy()
    got = np.asarray(call(func, correct, np.random.default_rng(1)))
    if not np.array_equal(correct, kept):
        raise CheckFailed("your function changed `correct`; leave it as it is.")
    if got.shape != correct.shape or got.dtype.kind not in "iu":
        raise CheckFailed(f"for {len(correct)} correct answers expected an integer array of shape {correct.shape}, got "
                          f"shape {got.shape} dtype {got.dtype}.")
    if got.min() < 0 or got.max() >= N_NUMBERS:
        raise CheckFailed(f"suggestions must be answers 0..{N_NUMBERS - 1}, got values from {got.min()} to {got.max()}. "
                          "Hint: wrap around (modulo) or draw among the valid answers only.")
    same = int((got == correct).sum())
    if same:
        raise CheckFailed(f"{same} of {len(got)} suggestions equal the correct answer: those prompts cannot tell "
                          "'agree' from 'correct'. Hint: draw among the other 18 answers only.")
    offsets = (got - correct) % N_NUMBERS
    counts = np.bincount(offsets, minlength=N_NUMBERS)[1:]
    if counts.min() < 0.5 * counts.mean():
        raise CheckFailed(f"some wrong answers are (almost) never suggested: counts of suggestion - correct "
                          f"(mod {N_NUMBERS}) range from {counts.min()} to {counts.max()}. Hint: a test with one kind "
                          "of wrong answer (always correct + 1, say) measures agreement with that kind only; make "
                          "every wrong answer equally likely.")
    for value in range(N_NUMBERS):
        seen = np.unique(got[correct == value])
        if len(seen) != N_NUMBERS - 1:
            raise CheckFailed(f"for the correct answer {value} only {len(seen)} of the {N_NUMBERS - 1} wrong answers "
                              "were ever suggested. Hint: each correct answer should get every wrong one.")
    again = np.asarray(call(func, correct, np.random.default_rng(1)))
    if not np.array_equal(got, again):
        raise CheckFailed("two calls with generators of the same seed gave different suggestions. Hint: draw every "
                          "random number from `rng`, not from np.random's global state.")


# ---------------------------------------------------------------- ex-lm-pg

PG_CHOICES = ("down", "same", "up")
PG_SAME = 0.1
"""The agree share 'stays the same' when it moves by less than this (as in the chapter's claim)."""


def measured_pg_change(steps: int = 100, seed: int = 0) -> dict:
    """Fine-tune the shipped headline model by policy gradient with a correctness reward on its
    training prompts for ``steps`` steps; the agree share on wrong "think" suggestions before and after."""
    from goalmisgen.experiments.language_model import load_model
    from goalmisgen.language.evaluation import answers
    from goalmisgen.language.policy_gradient import PolicyGradientConfig, finetune
    from goalmisgen.paths import data_dir

    model = load_model(data_dir() / "language_model" / "models" / "headline.pt")
    prompts = evaluation_prompts("wrong", "think")
    before = float((answers(model, prompts) == prompts.suggested).mean())
    tuned = copy.deepcopy(model)
    finetune(tuned, PolicyGradientConfig(steps=steps, seed=seed), progress=False)
    return {"before": before, "after": float((answers(tuned, prompts) == prompts.suggested).mean())}


def _check_pg_prediction(func: Callable) -> None:
    got = call(func)
    if got not in PG_CHOICES:
        raise CheckFailed(f"predicted_pg_change() should return one of {list(PG_CHOICES)}, got {got!r}.")
    m = measured_pg_change()
    change = m["after"] - m["before"]
    measured = "same" if abs(change) < PG_SAME else "down" if change < 0 else "up"
    why = ("every training suggestion is correct, so an agreeing answer earns exactly the reward of a correct one: "
           "the reward cannot push the model from one goal to the other, and the model already earns it on almost "
           "every prompt (the advantages are near 0)")
    raise Recorded(f"You predicted {got!r}; 100 steps of policy gradient moved the agree share from "
                   f"{100 * m['before']:.0f}% to {100 * m['after']:.0f}% ({measured!r}). Why: {why}.")


@checker("ex-lm-pg")
def check_pg_prediction(func: Callable) -> None:
    _check_pg_prediction(func)


# ---------------------------------------------------------------- ex-lm-sure


def _shipped_summaries() -> dict:
    from goalmisgen.paths import data_dir

    return json.loads((data_dir() / "language_model" / "manifest.json").read_text())["summaries"]


@checker("ex-lm-sure")
def check_sure_prediction(func: Callable) -> None:
    got = share_answer(call(func), "predicted_sure_share()", "wrong suggestions")
    fix = _shipped_summaries()["sweep"]["0.25"]
    sure, think = fix["sure"]["correct"]["seeds"], fix["think"]["correct"]["seeds"]
    took = ("took the first, which the capability they already had (adding the numbers) makes the simpler one"
            if sure["mean"] >= 0.5 else "mostly kept the second: the fix did not reach the wording nobody randomized")
    raise Recorded(
        f"You predicted {100 * got:.0f}%; the {sure['n']} models answered {100 * sure['mean']:.0f}% of wrong 'sure' "
        f"suggestions correctly (95% t interval {100 * sure['ci_low']:.0f}-{100 * sure['ci_high']:.0f}%), and "
        f"{100 * think['mean']:.0f}% of the wrong 'think' ones. Both rules fit the training data: 'ignore every "
        f"suggestion' and 'ignore think, trust sure'. The models {took}; nothing in training forced either.")


# ---------------------------------------------------------------- the quiz


def limits_questions() -> list[Question]:
    """What this chapter's toy can and cannot tell about large language models."""
    return [
        Question(
            "The headline models agree with most wrong suggestions although they add correctly without one. "
            "What does this show about large assistants?",
            [
                Choice("That large assistants are sycophantic too.",
                       feedback="A toy shows a mechanism can arise, not that it does arise in a model trained on "
                                "other data at another scale; that needs measurements on the large models."),
                Choice("That 'agree with the user' and 'answer correctly' can fit the same training data, and that "
                       "a model able to do the task may still follow the other goal.", correct=True,
                       feedback="Yes: an existence proof of goal misgeneralization in a sequence model, with "
                                "capability measured apart from the goal."),
                Choice("Nothing: the toy is too small to show anything.",
                       feedback="It shows the phenomenon under control: the training data, the goals and the test "
                                "are all known here, which they are not for a large model."),
            ]),
        Question(
            "Policy gradient with a reward for correctness left the agreement in place. Why?",
            [
                Choice("The learning rate was too small.",
                       feedback="The rewards were nearly all 1 already: with no advantage there is no gradient, "
                                "whatever the learning rate."),
                Choice("On the training prompts agreeing is rewarded exactly like answering correctly.", correct=True,
                       feedback="Yes: a reward can only select between goals on the inputs where they differ."),
            ]),
    ]
