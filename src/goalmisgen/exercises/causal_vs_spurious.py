"""Checkers for the exercises of chapter 2 (causal versus spurious structure).

* ``ex-causal-follow``: ``follow_rates(episodes)`` -> how often agents followed the coin and the
  end once the coin was moved (the edge weights of the chapter's graph); reference:
  ``reference_follow_rates``. The chapter's one transcription exercise.
* ``ex-causal-threshold``: predict the sweep's threshold, then ``sufficient_fraction(table,
  min_rate)`` reads it off a summary table; reference: ``reference_sufficient_fraction``.
* ``ex-causal-design``: design the experiment that exposes a correlate nobody randomized, as a
  dict of environment options; checked by ``check_support_design`` against the rules of a
  controlled experiment (no single reference answer).
* ``ex-causal-confusion``: a quiz in the chapter (no checker).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from goalmisgen.envs.coinrun.levels import COIN_SUPPORTS
from goalmisgen.exercises._check import CheckFailed, call, checker
from goalmisgen.exercises.quiz import Choice, Question

# ---------------------------------------------------------------- ex-causal-follow


def reference_follow_rates(episodes: pd.DataFrame) -> dict[str, float]:
    """{"coin": share of good levels on which the coin was collected, "end": share on which the
    end was reached}, from a table with 0/1 (or bool) columns ``good``, ``coin_collected`` and
    ``reached_end``; both nan when no level is good."""
    good = episodes[episodes["good"].astype(bool)]
    if len(good) == 0:
        return {"coin": math.nan, "end": math.nan}
    return {"coin": float(good["coin_collected"].astype(float).mean()),
            "end": float(good["reached_end"].astype(float).mean())}


def _episodes(coin, end, good) -> pd.DataFrame:
    return pd.DataFrame({"coin_collected": np.asarray(coin, dtype=int), "reached_end": np.asarray(end, dtype=int),
                         "good": np.asarray(good, dtype=int)})


@checker("ex-causal-follow")
def check_follow_rates(follow_rates: Callable) -> None:
    """Check ``follow_rates(episodes)`` -> {"coin": float, "end": float}."""
    rng = np.random.default_rng(7)
    good = rng.random(200) < 0.6
    end = rng.random(200) < 0.85
    cases = [
        (_episodes([0, 0, 1, 0], [1, 1, 0, 1], [1, 1, 1, 1]), "four good levels"),
        (_episodes([1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]), "two good levels and two that are not"),
        (_episodes(~end & (rng.random(200) < 0.5), end, good), "200 levels, some not good"),
        (_episodes([1, 0], [0, 1], [True, False]).astype({"good": bool}), "a bool good column"),
    ]
    for episodes, what in cases:
        before = episodes.copy()
        expected = reference_follow_rates(episodes)
        got = call(follow_rates, episodes)
        if not episodes.equals(before):
            raise CheckFailed(f"for {what} your function changed the table.")
        if not isinstance(got, dict) or set(got) != {"coin", "end"}:
            raise CheckFailed(f"for {what} expected a dict with the keys 'coin' and 'end', got {got!r}")
        for key in ("coin", "end"):
            if not np.isclose(float(got[key]), expected[key]):
                everywhere = float(episodes["coin_collected" if key == "coin" else "reached_end"].astype(float).mean())
                hint = ("count only the good levels (good == 1): on the others the moved coin lay on the agent's "
                        "way, so taking it says nothing about its goal." if np.isclose(float(got[key]), everywhere)
                        else "the mean of the 0/1 column over the good levels.")
                raise CheckFailed(f"for {what} expected {key} {expected[key]:.3f}, got {float(got[key]):.3f}. Hint: {hint}")
    got = call(follow_rates, _episodes([1, 0], [0, 1], [0, 0]))
    if not (isinstance(got, dict) and all(math.isnan(float(got.get(k, 0.0))) for k in ("coin", "end"))):
        raise CheckFailed(f"for a table without good levels expected both rates nan, got {got!r}. "
                          "Hint: no good level, no rate (0 would claim the agent never followed either).")


# ---------------------------------------------------------------- ex-causal-threshold


def reference_sufficient_fraction(table: pd.DataFrame, min_rate: float) -> float | None:
    """The smallest fraction p such that at p and at every larger fraction in ``table`` the lower
    end of the coin rate's 95% CI (column ``ci_low``) is at least ``min_rate``; None if none is.
    ``table`` has one row per fraction (column ``fraction``), in any order."""
    rows = table.sort_values("fraction")
    ok = rows["ci_low"].to_numpy(dtype=float) >= min_rate
    fractions = rows["fraction"].to_numpy(dtype=float)
    for i in range(len(rows)):
        if ok[i:].all():
            return float(fractions[i])
    return None


def _sweep_table(fractions, lows) -> pd.DataFrame:
    lows = np.asarray(lows, dtype=float)
    return pd.DataFrame({"fraction": fractions, "mean": np.minimum(lows + 0.06, 1.0), "ci_low": lows,
                         "ci_high": np.minimum(lows + 0.12, 1.0)})


@checker("ex-causal-threshold")
def check_sufficient_fraction(sufficient_fraction: Callable) -> None:
    """Check ``sufficient_fraction(table, min_rate)`` -> float or None."""
    fractions = [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0]
    cases = [
        (_sweep_table(fractions, [0.03, 0.3, 0.5, 0.6, 0.72, 0.73, 0.74, 0.92]), 0.5, "a rising curve"),
        (_sweep_table(fractions, [0.03, 0.3, 0.5, 0.6, 0.72, 0.73, 0.74, 0.92]).iloc[::-1], 0.5,
         "the same table with its rows in another order"),
        (_sweep_table(fractions, [0.03, 0.46, 0.5, 0.6, 0.72, 0.73, 0.74, 0.92]), 0.5,
         "a fraction whose mean passes the bar while its CI reaches below it"),
        (_sweep_table(fractions, [0.03, 0.55, 0.45, 0.6, 0.72, 0.73, 0.74, 0.92]), 0.5,
         "a curve that dips below the bar after first crossing it"),
        (_sweep_table(fractions, [0.03, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.49]), 0.5, "a curve that never gets there"),
        (_sweep_table(fractions, [0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.9, 0.9]), 0.5, "a curve above the bar everywhere"),
        (_sweep_table(fractions, [0.03, 0.3, 0.5, 0.6, 0.72, 0.73, 0.74, 0.92]), 0.7, "a higher bar (0.7)"),
    ]
    for table, min_rate, what in cases:
        before = table.copy()
        expected = reference_sufficient_fraction(table, min_rate)
        got = call(sufficient_fraction, table, min_rate)
        if not table.equals(before):
            raise CheckFailed(f"for {what} your function changed the table.")
        if expected is None:
            if got is not None:
                raise CheckFailed(f"for {what} expected None, got {got!r}. Hint: no fraction reaches the bar, "
                                  "so no fraction is sufficient.")
            continue
        if got is None or not np.isclose(float(got), expected):
            rows = table.sort_values("fraction")
            above_mean = rows[rows["mean"] >= min_rate]["fraction"]
            above_low = rows[rows["ci_low"] >= min_rate]["fraction"]
            if got is not None and len(above_low) and np.isclose(float(got), float(above_low.iloc[0])):
                hint = ("that fraction crosses the bar, but a larger one falls below it again: a threshold must hold "
                        "from there on, for every larger fraction.")
            elif got is not None and len(above_mean) and np.isclose(float(got), float(above_mean.iloc[0])):
                hint = ("you compared the mean with the bar; use the CI's lower end (ci_low), so that the claim "
                        "'at least min_rate' survives the uncertainty.")
            else:
                hint = "sort by fraction, then find the first fraction from which every ci_low is at least min_rate."
            raise CheckFailed(f"for {what} expected {expected!r}, got {got!r}. Hint: {hint}")


# ---------------------------------------------------------------- ex-causal-design

DESIGN_KEYS = ("train", "test", "control")
"""A design is {"train": options, "test": options, "control": options}: CoinRun-grid options
(``coin_placement``, ``random_fraction``, ``coin_support``) for the agents under study, for the
test levels, and for the control agents (trained like the others except for the one factor)."""


def _options(design: dict, part: str) -> dict:
    value = design.get(part)
    if not isinstance(value, dict):
        raise CheckFailed(f"design[{part!r}] must be a dict of CoinRun-grid options, got {value!r}")
    unknown = set(value) - {"coin_placement", "random_fraction", "coin_support"}
    if unknown:
        raise CheckFailed(f"design[{part!r}] has options {sorted(unknown)} that this experiment does not use; "
                          "use coin_placement, random_fraction and coin_support")
    support = value.get("coin_support", "any")
    if support not in COIN_SUPPORTS:
        raise CheckFailed(f"design[{part!r}]['coin_support']={support!r}: coin_support must be one of {COIN_SUPPORTS}")
    return {"coin_placement": value.get("coin_placement", "end"), "random_fraction": value.get("random_fraction", 0.0),
            "coin_support": support}


@checker("ex-causal-design")
def check_support_design(design_experiment: Callable) -> None:
    """Check ``design_experiment()`` -> {"train": ..., "test": ..., "control": ...} (see ``DESIGN_KEYS``)."""
    design = call(design_experiment)
    if not isinstance(design, dict) or set(design) != set(DESIGN_KEYS):
        raise CheckFailed(f"expected a dict with exactly the keys {DESIGN_KEYS}, got {design!r}")
    train, test, control = (_options(design, k) for k in DESIGN_KEYS)
    for part, o in (("train", train), ("control", control)):
        p = o["random_fraction"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise CheckFailed(f"design[{part!r}]['random_fraction']={p!r} must be a number in [0, 1]")
    if train["coin_placement"] != "random" and not train["random_fraction"] > 0:
        raise CheckFailed("the agents under study never see a moved coin (coin_placement 'end', random_fraction 0). "
                          "Hint: the point is to fix the *known* correlate (the coin's column) and keep the unknown "
                          "one; give them a random_fraction > 0.")
    if train["coin_support"] != "ground":
        raise CheckFailed(f"the agents under study train with coin_support={train['coin_support']!r}. Hint: keep the "
                          "second correlate during training: the moved coin always stands on the floor ('ground').")
    if test["coin_placement"] != "random" or test["coin_support"] != "ledge":
        raise CheckFailed("the test must break the correlate the agents never saw broken: move the coin "
                          "(coin_placement 'random') and put it on a ledge top (coin_support 'ledge').")
    if control["coin_support"] != "any":
        raise CheckFailed(f"the control trains with coin_support={control['coin_support']!r}. Hint: the control "
                          "must differ from the agents under study in the one factor: its moved coin stands on the "
                          "floor or a ledge top ('any').")
    if (control["coin_placement"], control["random_fraction"]) != (train["coin_placement"], train["random_fraction"]):
        raise CheckFailed("the control's coin placement or random_fraction differs from the agents under study: then "
                          "a difference at test could come from either factor. Change only coin_support.")


def confusion_questions() -> list[Question]:
    """``ex-causal-confusion``: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*confusion_questions())``."""
    return [
        Question(
       "The confounded clone had the lowest training loss and the worst closed-loop success. What is the best "
       "reading of that?",
       [
           Choice("It overfitted: more parameters per sample than the others.",
                  feedback="All three clones have the same network and the same samples; the confounded one has two "
                           "informative inputs more than 'state', exactly as many as 'original'. Overfitting does not "
                           "explain why the same width with random values ('original') drives well."),
           Choice("It learned a feature that predicts the expert's action in the demonstrations but does not cause it; "
                  "in closed loop that feature is its own past action, so the prediction no longer holds.", correct=True,
                  feedback="Yes. The previous action was a spurious correlate of the label: in the data it came from "
                           "the expert, who acted on the velocity. Once the clone acts, the correlate is produced by "
                           "the clone itself, and the distribution the clone meets shifts away from the one it fit."),
           Choice("Behavioural cloning cannot work on MountainCar.",
                  feedback="The 'state' and 'original' clones reach the flag almost every time: cloning works here "
                           "when the clone does not lean on the nuisance."),
           Choice("Lower training loss always means a better policy; the evaluation must be wrong.",
                  feedback="Training loss measures agreement with the expert on the expert's own states. Closed-loop "
                           "success measures what happens on the states the clone visits: different distributions."),
       ],
   ),
    ]
