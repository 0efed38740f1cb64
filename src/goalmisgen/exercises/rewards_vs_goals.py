"""Checkers for the exercises of chapter 1 (rewards versus goals).

* ``ex-rewards-agree``: the learner writes ``return_agreement(episodes)`` -> (agreement rate,
  correlation) of the two returns "collect the coin" and "reach the right end"; reference:
  ``reference_return_agreement`` (the book's numbers come from the same computation).
* ``ex-rewards-boltzmann``: ``boltzmann_log_likelihood(costs, actions, beta)``; reference:
  ``analysis.goal_inference.step_log_likelihoods`` (without its regret cap).
* ``ex-rewards-verdict``: ``inferred_goal(table, threshold)`` reads a goal-inference table;
  reference: ``reference_inferred_goal``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from goalmisgen.analysis.goal_inference import step_log_likelihoods
from goalmisgen.exercises._check import CheckFailed, call, checker
from goalmisgen.exercises.quiz import Choice, Question


# ---------------------------------------------------------------- ex-rewards-agree


def reference_return_agreement(episodes: pd.DataFrame) -> tuple[float, float]:
    """(share of episodes where 10 * coin_collected == 10 * reached_end, Pearson correlation of the
    two returns); the correlation is nan when either return is constant, both are nan for no rows."""
    if len(episodes) == 0:
        return float("nan"), float("nan")
    coin = 10.0 * episodes["coin_collected"].to_numpy(dtype=bool)
    end = 10.0 * episodes["reached_end"].to_numpy(dtype=bool)
    agreement = float((coin == end).mean())
    if coin.std() == 0 or end.std() == 0:
        return agreement, float("nan")
    return agreement, float(np.corrcoef(coin, end)[0, 1])


def _table(coin, end) -> pd.DataFrame:
    return pd.DataFrame({"coin_collected": np.array(coin, dtype=bool), "reached_end": np.array(end, dtype=bool),
                         "died": ~np.array(end, dtype=bool)})


def _two_numbers(got: object, what: str) -> tuple[float, float]:
    try:
        a, b = got  # a tuple or list of two numbers
        return float(a), float(b)
    except (TypeError, ValueError):
        raise CheckFailed(f"for {what} expected a pair (agreement, correlation) of floats, got {got!r}") from None


@checker("ex-rewards-agree")
def check_return_agreement(return_agreement: Callable) -> None:
    """Check ``return_agreement(episodes)`` -> (agreement, correlation)."""
    rng = np.random.default_rng(4)
    end = rng.random(300) < 0.9
    cases = [
        (_table([1, 1, 0, 1], [1, 1, 0, 1]), "a table where the two returns always agree (training levels)"),
        (_table([1, 0, 0, 1, 0], [0, 1, 1, 1, 0]), "a table where they often differ (the coin moved)"),
        (_table(end & (rng.random(300) < 0.3), end), "300 episodes with the coin moved"),
        (_table([1, 1, 1], [1, 1, 1]), "a table where every episode collected the coin and reached the end"),
        (_table([1, 0, 1], [1, 0, 1]).astype(int), "0/1 integer columns (as read back from a CSV)"),
    ]
    for episodes, what in cases:
        before = episodes.copy()
        expected = reference_return_agreement(episodes)
        got = _two_numbers(call(return_agreement, episodes), what)
        if not episodes.equals(before):
            raise CheckFailed(f"for {what} your function changed the table. Hint: compute, do not add columns.")
        if not np.isclose(got[0], expected[0]):
            hint = "the share of episodes in which both returns are equal (both 10 or both 0)."
            if np.isclose(got[0], expected[0] * len(episodes)):
                hint = "that is a count; return a share between 0 and 1."
            elif np.isclose(got[0], 1 - expected[0]):
                hint = "that is the share where they *differ*."
            raise CheckFailed(f"for {what} expected agreement {expected[0]:.3f}, got {got[0]:.3f}. Hint: {hint}")
        if np.isnan(expected[1]) != np.isnan(got[1]) or not (np.isnan(expected[1]) or np.isclose(got[1], expected[1])):
            hint = "Pearson's correlation of the two return columns (np.corrcoef)."
            if np.isnan(expected[1]):
                hint = ("one return is the same in every episode, so it has no variance and the correlation is "
                        "undefined: return float('nan') (agreement alone then says they match).")
            raise CheckFailed(f"for {what} expected correlation {expected[1]:.3f}, got {got[1]:.3f}. Hint: {hint}")
    got = _two_numbers(call(return_agreement, _table([], []).iloc[:0]), "an empty table")
    if not (np.isnan(got[0]) and np.isnan(got[1])):
        raise CheckFailed(f"for an empty table expected (nan, nan), got {got}. Hint: no episodes, no rate.")


# ---------------------------------------------------------------- ex-rewards-boltzmann


def reference_boltzmann_log_likelihood(costs: np.ndarray, actions: np.ndarray, beta: float) -> np.ndarray:
    """(S,) log p(actions[s] | s) with p(a | s) proportional to exp(-beta * costs[s, a])."""
    costs = np.asarray(costs, dtype=float)
    return step_log_likelihoods(costs, np.asarray(actions, dtype=np.int64), [float(beta)], max_regret=np.inf)[:, 0]


def _naive(costs, actions, beta):
    """A known mistake: exponentiate without shifting (underflows for large beta * cost)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        w = np.exp(-beta * np.asarray(costs, dtype=float))
        return np.log(w[np.arange(len(w)), actions] / w.sum(axis=1))


@checker("ex-rewards-boltzmann")
def check_boltzmann_log_likelihood(boltzmann_log_likelihood: Callable) -> None:
    """Check ``boltzmann_log_likelihood(costs, actions, beta)`` on (S, A) costs and (S,) actions."""
    rng = np.random.default_rng(5)
    costs = rng.integers(1, 30, (25, 6)).astype(float)
    cases = [
        (np.array([[2.0, 1.0, 3.0]]), np.array([1]), 1.0, "one state, three actions, the cheapest taken"),
        (costs, rng.integers(0, 6, 25), 0.7, "25 states with 6 actions"),
        (costs, rng.integers(0, 6, 25), 0.0, "beta = 0 (a random policy)"),
        (costs.astype(int), rng.integers(0, 6, 25), 0.3, "integer costs"),
        (costs + 900, rng.integers(0, 6, 25), 5.0, "costs near 1000 and beta = 5 (exp underflows)"),
        (np.zeros((0, 6)), np.zeros(0, dtype=np.int64), 1.0, "no steps (S = 0)"),
    ]
    for c, a, beta, what in cases:
        inputs = (c.copy(), a.copy())
        expected = reference_boltzmann_log_likelihood(c, a, beta)
        got = np.asarray(call(boltzmann_log_likelihood, c, a, beta))
        if not (np.array_equal(c, inputs[0]) and np.array_equal(a, inputs[1])):
            raise CheckFailed(f"for {what} your function changed its inputs.")
        if got.shape != expected.shape:
            hint = "one log-probability per step (the action taken there), shape (S,)."
            if got.shape == c.shape:
                hint = "you returned the log-probabilities of every action; pick the one actually taken in each state."
            raise CheckFailed(f"for {what} expected shape {expected.shape}, got {got.shape}. Hint: {hint}")
        if np.allclose(got, expected, atol=1e-6):
            continue
        c_float = np.asarray(c, dtype=float)
        taken = c_float[np.arange(len(c_float)), a] if len(c_float) else np.zeros(0)
        if np.allclose(got, -beta * taken):
            hint = "the probabilities must sum to 1 over the actions: subtract log sum_b exp(-beta * cost[b])."
        elif np.allclose(got, reference_boltzmann_log_likelihood(-c_float, a, beta)):
            hint = "the sign is flipped: a cheaper action (fewer steps to the goal) must be *more* likely."
        elif not np.all(np.isfinite(got)):
            hint = ("exp(-beta * cost) underflows to 0 for large costs. Subtract the smallest cost in each state "
                    "before exponentiating (it cancels), or use scipy.special.logsumexp.")
        else:
            hint = "log p(a|s) = -beta * cost[s, a] - log sum_b exp(-beta * cost[s, b]), normalized over actions (axis 1)."
        i = int(np.flatnonzero(~np.isclose(got, expected, atol=1e-6))[0])
        raise CheckFailed(f"for {what} at step {i} expected {expected[i]:.4f}, got {got[i]:.4f}. Hint: {hint}")


# ---------------------------------------------------------------- ex-rewards-verdict


def reference_inferred_goal(table: pd.DataFrame, threshold: float = 0.95) -> str:
    """The goal with the highest score, if it wins in at least ``threshold`` of the bootstrap
    resamples (column ``p_best``); else "undecided"."""
    best = table.loc[table["score"].idxmax()]
    return str(best["goal"]) if best["p_best"] >= threshold else "undecided"


def _inference_table(scores, p_best, posterior=None) -> pd.DataFrame:
    goals = ["coin", "end", "none"]
    scores = np.asarray(scores, dtype=float)
    if posterior is None:
        posterior = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    return pd.DataFrame({"goal": goals, "score": scores, "posterior": posterior, "p_best": p_best})


@checker("ex-rewards-verdict")
def check_inferred_goal(inferred_goal: Callable) -> None:
    """Check ``inferred_goal(table, threshold)`` -> "coin", "end", "none" or "undecided"."""
    cases = [
        (_inference_table([-900.0, -700.0, -1000.0], [0.0, 1.0, 0.0]), 0.95, "a clear winner (the end)"),
        (_inference_table([-500.0, -800.0, -900.0], [0.97, 0.03, 0.0]), 0.95, "the coin wins in 97% of resamples"),
        (_inference_table([-4097.0, -4122.0, -4759.0], [0.57, 0.43, 0.0]), 0.95,
         "a posterior near 1 but a bootstrap split 57/43 (the go-right policy)"),
        (_inference_table([-3000.0, -3000.0, -2995.0], [0.0, 0.0, 1.0]), 0.95, "the random policy wins"),
        (_inference_table([-500.0, -800.0, -900.0], [0.97, 0.03, 0.0]), 0.99, "threshold 0.99"),
        (_inference_table([-500.0, -800.0, -900.0], [0.95, 0.05, 0.0]), 0.95, "p_best exactly at the threshold"),
        (_inference_table([-800.0, -500.0, -900.0], [0.0, 1.0, 0.0]).iloc[[2, 0, 1]], 0.95, "rows in another order"),
    ]
    for table, threshold, what in cases:
        before = table.copy()
        expected = reference_inferred_goal(table, threshold)
        got = call(inferred_goal, table, threshold)
        if not table.equals(before):
            raise CheckFailed(f"for {what} your function changed the table.")
        if got == expected:
            continue
        if expected == "undecided" and got == table.loc[table["posterior"].idxmax(), "goal"]:
            hint = ("the posterior is nearly 0 or 1 whenever there are many steps, even when resampling the levels "
                    "changes the winner: trust the bootstrap share p_best.")
        elif got == "undecided" and expected == "none":
            hint = "'none' (the random policy) is a verdict too: the agent's actions are explained by no goal."
        elif expected != "undecided" and got != "undecided":
            hint = "pick the goal with the highest score (a higher, i.e. less negative, penalized log-likelihood)."
        else:
            hint = "compare the winner's p_best with the threshold (at least the threshold counts as decided)."
        raise CheckFailed(f"for {what} expected {expected!r}, got {got!r}. Hint: {hint}")


def critic_questions() -> list[Question]:
    """``ex-rewards-critic``: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*critic_questions())``."""
    return [
        Question(
       "Near the end of a level with the coin removed, a headline agent's critic still predicts almost the full "
       "+10. What does that tell us?",
       [
           Choice("The critic is broken: it was trained badly.",
                  feedback="On training levels it predicts the return that follows very well. It is accurate on the "
                           "distribution it was trained on; the coin simply never made a difference there."),
           Choice("What the network learned to predict reward from is the end of the level, not the coin.", correct=True,
                  feedback="Yes. On training levels 'near the wall' and 'near the coin' are the same states, and the "
                           "critic picked the feature that was always there for it."),
           Choice("The agent can see the reward in its observation.",
                  feedback="No channel of the observation holds the reward; it acts only through the advantages."),
           Choice("The reward function pays for reaching the wall.",
                  feedback="The reward pays only for the coin. With the coin removed every return is 0, as the dashed "
                           "line shows."),
       ],
   ),
    ]
