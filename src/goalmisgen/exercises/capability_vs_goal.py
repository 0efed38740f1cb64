"""Checkers for the exercises of chapter 3 (capability versus goal generalization).

* ``ex-capgoal-decision``: the learner writes ``decision_square(path_to_cheese, path_to_corner)``,
  the last square two shortest paths from the start share (None when one target lies on the way
  to the other); reference: ``reference_decision_square`` (the definition that
  ``analysis.decision_squares`` computes for whole batches of mazes).
* ``ex-capgoal-predict``: ``predicted_cheese()`` -> the share of plays in which the shipped k = 5
  Maze agents reach the cheese in the maze ``PREDICT_LEVEL``, predicted before running; the
  checker plays it (``measured_cheese``).
* ``ex-capgoal-features``: ``chosen_features()`` -> one or two decision-square features; the
  checker fits the L1 logistic regression on the shipped k = 5 agents' decision-square mazes with
  them (``feature_accuracy``) and compares with all six features and with the base rate.
* ``ex-capgoal-curve``: interpreting the capability-versus-goal curve is a quiz in the chapter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker, share_answer
from goalmisgen.exercises.quiz import Choice, Question

# ---------------------------------------------------------------- ex-capgoal-decision


def reference_decision_square(path_to_cheese, path_to_corner):
    """The last square that two shortest paths from the same start share, as a tuple, or None when
    one path is the start of the other (one target lies on the way to the other: no decision).

    Args:
        path_to_cheese, path_to_corner: sequences of squares (pairs of ints), each starting at the
            start square and ending at its target.
    """
    a = [tuple(int(v) for v in sq) for sq in path_to_cheese]
    b = [tuple(int(v) for v in sq) for sq in path_to_corner]
    shared = 0
    while shared < min(len(a), len(b)) and a[shared] == b[shared]:
        shared += 1
    if shared == len(a) or shared == len(b):
        return None
    return a[shared - 1]


def _as_square(got: object, what: str):
    if got is None:
        return None
    try:
        x, y = got
        return int(x), int(y)
    except (TypeError, ValueError):
        raise CheckFailed(f"for {what} expected a square (x, y) or None, got {got!r}") from None


_DECISION_CASES = [
    ([(0, 0), (0, 1), (0, 2), (1, 2)], [(0, 0), (0, 1), (1, 1), (2, 1)], "paths that split after two squares"),
    ([(0, 0), (1, 0), (2, 0)], [(0, 0), (0, 1), (0, 2)], "paths that split at the start"),
    ([(0, 0), (0, 1), (0, 2)], [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2)],
     "the cheese on the way to the corner"),
    ([(0, 0), (1, 0), (1, 1), (2, 1), (2, 2)], [(0, 0), (1, 0), (1, 1)], "the corner on the way to the cheese"),
    ([(4, 0), (4, 1), (3, 1), (3, 2), (3, 3), (2, 3)], [(4, 0), (4, 1), (3, 1), (3, 2), (4, 2), (4, 3), (4, 4)],
     "a longer shared stretch"),
    (np.array([[0, 0], [0, 1], [1, 1]]), np.array([[0, 0], [0, 1], [0, 2]]), "numpy arrays of squares"),
]


@checker("ex-capgoal-decision")
def check_decision_square(decision_square: Callable) -> None:
    """Check ``decision_square(path_to_cheese, path_to_corner)`` -> (x, y) or None."""
    for a, b, what in _DECISION_CASES:
        before = (np.array(a).copy(), np.array(b).copy())
        expected = reference_decision_square(a, b)
        got = _as_square(call(decision_square, a, b), what)
        if not (np.array_equal(np.array(a), before[0]) and np.array_equal(np.array(b), before[1])):
            raise CheckFailed(f"for {what} your function changed a path. Hint: compare, do not edit.")
        if got == expected:
            continue
        ta, tb = [tuple(int(v) for v in sq) for sq in a], [tuple(int(v) for v in sq) for sq in b]
        if expected is None:
            hint = ("one path is the beginning of the other: a corner-seeker passes the cheese (or a cheese-seeker the "
                    "corner) without ever choosing, so there is no decision square. Return None.")
        elif got is None:
            hint = "the paths do split here (neither target lies on the other path): return the last shared square."
        elif got == ta[0]:
            hint = "the start is only the decision square when the paths split right after it; walk along both paths."
        elif got in ta and ta.index(got) == ta.index(expected) + 1 or got in tb and tb.index(got) == tb.index(expected) + 1:
            hint = "that is the first square after the split; the decision square is the last one both paths share."
        else:
            hint = "walk both paths from the start while their squares are equal; the last equal square is the answer."
        raise CheckFailed(f"for {what} expected {expected}, got {got}. Hint: {hint}")


# ---------------------------------------------------------------- ex-capgoal-predict

PREDICT_LEVEL = 2147484609
"""The held-out test maze of ``ex-capgoal-predict`` (cheese anywhere; it has a decision square)."""
PREDICT_PLAYS = 50
"""Plays of the maze per shipped k = 5 agent (different action samples each)."""
PREDICT_TOLERANCE = 0.2
"""How far a prediction may lie from the measured share."""


@functools.cache
def measured_cheese(level_seed: int = PREDICT_LEVEL, plays: int = PREDICT_PLAYS) -> dict:
    """Play the test maze ``level_seed`` ``plays`` times with each shipped k = 5 Maze agent
    (``data/maze/maze_k5_seed*.pt``, cheese anywhere) and return the share of plays that reached the
    cheese, with a Wilson interval over all plays (``{"mean", "ci_low", "ci_high", "n"}``), and
    the share per agent (``"per_agent"``)."""
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.evaluate import play_game_levels
    from goalmisgen.analysis.stats import rate_ci
    from goalmisgen.paths import data_dir

    hits, per_agent = 0, []
    paths = sorted((data_dir() / "maze").glob("maze_k5_seed*.pt"))
    for i, path in enumerate(paths):
        played = play_game_levels(load_agent(path), np.full(plays, level_seed), shift="test", seed=i)
        got = int(played["cheese_collected"].astype(bool).sum())
        hits += got
        per_agent.append(got / plays)
    return {**rate_ci(hits, plays * len(paths)), "per_agent": per_agent}


@checker("ex-capgoal-predict")
def check_cheese_prediction(predicted_cheese: Callable) -> None:
    """Record ``predicted_cheese()`` (a share) and show ``measured_cheese()`` with the reasoning; a
    prediction more than ``PREDICT_TOLERANCE`` from the measured share is told which way it is off,
    and is not failed for it. Refuses only an answer that is not a share."""
    guess = share_answer(call(predicted_cheese), "your prediction", "plays")
    measured = measured_cheese()
    shown = (f"the three k = 5 agents reached the cheese in {measured['mean']:.2f} of {measured['n']} plays "
             f"(95% CI {measured['ci_low']:.2f}-{measured['ci_high']:.2f})")
    if abs(guess - measured["mean"]) <= PREDICT_TOLERANCE:
        why = (f"Within {PREDICT_TOLERANCE:.2f} of the measurement. Why: the agents were trained with the cheese in "
               "the top-right 5 x 5 squares; how far this cheese lies from that region, and which way the maze sends "
               "them at the decision square, decide whether they go for it.")
    elif guess > measured["mean"]:
        why = ("Off by more than {:.2f}: the agents go for this cheese less often than you expected. They were trained "
               "with the cheese in the top-right 5 x 5 squares; how far is this cheese from that region, and which way "
               "does the maze send them at the decision square?").format(PREDICT_TOLERANCE)
    else:
        why = ("Off by more than {:.2f}: the agents go for this cheese more often than you expected. They were rewarded "
               "for cheese, not only for the corner: a cheese close to the region where it used to be still pulls "
               "them.").format(PREDICT_TOLERANCE)
    skill = ("Careful with what the measurement says about goals: these agents solve barely half of their own "
             "training mazes, so an agent that misses this cheese may be lost rather than after the corner; the "
             "cheese-anywhere control in the chapter separates the two.")
    raise Recorded(f"You predicted {guess:.2f}; {shown}. {why} {skill} Write down why you were off, if you were.")


# ---------------------------------------------------------------- ex-capgoal-features

FEATURE_MARGIN = 0.02
"""How close to the all-features accuracy (and how far above the base rate) a choice must be."""


@functools.cache
def decision_square_table(k: int = 5) -> pd.DataFrame:
    """The shipped Maze agents of cheese region ``k`` on the test mazes (cheese anywhere) that have
    a decision square: one row per agent and maze, ``cheese_collected`` (bool) and the features."""
    from goalmisgen.paths import data_dir

    episodes = pd.read_csv(data_dir() / "maze" / "episodes.csv")
    rows = episodes[(episodes["k"] == k) & (episodes["shift"] == "test") & episodes["has_decision_square"].astype(bool)]
    return rows.assign(cheese_collected=rows["cheese_collected"].astype(bool)).reset_index(drop=True)


def feature_accuracy(features) -> dict:
    """``analysis.decision_squares.fit_l1_logistic`` on ``decision_square_table()`` with ``features``."""
    from goalmisgen.analysis.decision_squares import fit_l1_logistic

    return fit_l1_logistic(decision_square_table(), features=list(features))


def reference_chosen_features() -> list[str]:
    """Turner et al.'s strongest single feature: the Euclidean distance from the cheese to the corner."""
    return ["cheese_corner_euclid"]


@checker("ex-capgoal-features")
def check_feature_choice(chosen_features: Callable) -> None:
    """Check ``chosen_features()``: one or two names from ``decision_squares.FEATURES`` whose fit
    reaches the all-features accuracy (within ``FEATURE_MARGIN``) and beats the base rate by as much."""
    from goalmisgen.envs.maze.decision_squares import FEATURES

    got = call(chosen_features)
    if isinstance(got, str):
        got = [got]
    if not isinstance(got, (list, tuple)) or not got:
        raise CheckFailed(f"return a list of one or two feature names, got {got!r}.")
    unknown = [f for f in got if f not in FEATURES]
    if unknown:
        raise CheckFailed(f"{unknown} are not features; choose from {list(FEATURES)}.")
    if len(set(got)) != len(got) or len(got) > 2:
        raise CheckFailed(f"choose one or two different features, got {list(got)}: the point is to find the few that "
                          "carry the prediction.")
    everything, mine = feature_accuracy(FEATURES), feature_accuracy(got)
    shown = (f"with {list(got)} the held-out accuracy is {mine['accuracy']:.3f}; all six features reach "
             f"{everything['accuracy']:.3f} and always guessing 'no cheese' {mine['base_rate']:.3f}")
    if mine["accuracy"] >= everything["accuracy"] - FEATURE_MARGIN and mine["accuracy"] >= mine["base_rate"] + FEATURE_MARGIN:
        return
    if all(f.startswith("decision_corner") for f in got):
        hint = ("how far the decision square is from the corner says little about the cheese: the agents were "
                "trained to go to the corner *because* the cheese was near it. Try a feature that places the cheese.")
    else:
        hint = ("look at the coefficients of the all-features fit (the largest in size matter most), and think about "
                "what the agent learned in training: the cheese was always in the top-right region.")
    raise CheckFailed(f"{shown}. Hint: {hint}")


def curve_questions() -> list[Question]:
    """``ex-capgoal-curve``: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*curve_questions())``."""
    return [
        Question(
       "Along training, a Keys and Chests agent reaches more objects per step at the test ratio, opens both chests in more "
       "test rooms, and collects more keys it cannot use. Which reading fits the curve?",
       [
           Choice("Training aligned the agent: the intended goal under the shift went up.",
                  feedback="It went up, but so did the keys nobody needed, and the intended goal fell further behind "
                           "the training ratio. More training made the agent better at what it does, including the proxy."),
           Choice("The agent got more capable, and spent that capability on the proxy as well as on the goal.", correct=True,
                  feedback="Yes. The extra skill shows up as more chests *and* more useless keys; nothing in training "
                           "told the two apart, so nothing pushed the added capability towards the chests only."),
           Choice("Under the shift the agent has a capability failure: it cannot navigate rooms with more keys.",
                  feedback="Its objects reached per step at the test ratio rose along training just as at the training "
                           "ratio, and it empties three test rooms of four of every key: the skill transfers. What it "
                           "does with it is the question."),
           Choice("The reward is misspecified: it pays for keys.",
                  feedback="The reward pays +1 per chest opened and nothing for keys. The keys were only correlated "
                           "with reward, on the training distribution."),
       ],
   ),
    ]
