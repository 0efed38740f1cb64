"""Checkers and quizzes for the exercises of the first chapter (CoinRun-grid: the coin and the wall).

=======================  ===============================================  =============================
exercise label           the learner writes                               kind
=======================  ===============================================  =============================
``ex-coinrun-returns``   ``discounted_returns(rewards, dones, gamma)``;   the formula of the text, in
                         reference ``agents.ppo.compute_gae`` with zero   code
                         values and ``lam = 1``
``ex-coinrun-predict``   ``predicted_rates()``: the coin and end rates    predict, then run
                         on good levels with the coin moved
``ex-coinrun-goal``      (quiz, after the evaluation) what the evidence   interpret a result
                         supports
``ex-coinrun-separate``  ``separating_edit()``: intervention names under  design an experiment
                         which "go to the end" and "go right as far as
                         you can" predict different outcomes
``ex-coinrun-open-end``  (quiz, ``open_end_question``) what the open-end  interpret a result
                         result licenses; the correct answer follows
                         from the measured interval
=======================  ===============================================  =============================

``check_misgeneralization_rate`` (``ex-coinrun-misgen``) and ``check_good_level_mask``
(``ex-coinrun-good``) check two earlier exercises of the chapter that transcribed a formula from
their prompt; the guide for contributors (``book/contributing_exercises.md``) still uses the first
as its example.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from goalmisgen.agents.ppo import compute_gae
from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker, share_answer
from goalmisgen.exercises.quiz import Choice, Question
from goalmisgen.validation import check_int


def reference_discounted_returns(rewards: np.ndarray, dones: np.ndarray, gamma: float) -> np.ndarray:
    """(T, N) discounted returns cut at episode ends: PPO's GAE with zero values and ``lam = 1``."""
    r = torch.as_tensor(np.asarray(rewards, dtype=np.float64))
    d = torch.as_tensor(np.asarray(dones, dtype=np.float64))
    zeros = torch.zeros_like(r)
    _, returns = compute_gae(r, zeros, d, torch.zeros(r.shape[1:], dtype=r.dtype), gamma, 1.0)
    return returns.numpy()


def reference_misgeneralization_rate(episodes: pd.DataFrame) -> float:
    """Share of episodes that reached the end of the level without the coin (``nan`` for none)."""
    if len(episodes) == 0:
        return float("nan")
    misgeneralized = episodes["reached_end"].astype(bool) & ~episodes["coin_collected"].astype(bool)
    return float(misgeneralized.mean())


def reference_good_level_mask(visited: np.ndarray, coin_x: np.ndarray, coin_y: np.ndarray) -> np.ndarray:
    """(n,) bool: the agent never entered the coin's cell in this run (Langosco et al.'s filter)."""
    visited = np.asarray(visited, dtype=bool)
    return ~visited[np.arange(len(visited)), np.asarray(coin_x), np.asarray(coin_y)]


def _as_array(value: object, what: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception:  # a learner may return something numpy cannot read
        raise CheckFailed(f"{what} should be a numpy array, got {type(value).__name__}") from None


def _random_rollout(rng: np.random.Generator, T: int, N: int, p_done: float) -> tuple[np.ndarray, np.ndarray]:
    rewards = np.where(rng.random((T, N)) < 0.3, 10.0, 0.0) + rng.normal(0, 0.1, (T, N)).round(2)
    dones = rng.random((T, N)) < p_done
    return rewards, dones


@checker("ex-coinrun-returns")
def check_discounted_returns(discounted_returns: Callable) -> None:
    """Check ``discounted_returns(rewards, dones, gamma)`` on ``(T, N)`` rollouts.

    ``G_t = r_t + gamma * G_{t+1}``, except that the sum stops after a step with ``dones[t]`` True,
    and ``G`` after the last step of the rollout counts as 0.
    """
    rng = np.random.default_rng(0)
    one_episode = (np.array([[0.0], [0.0], [0.0], [10.0]]), np.array([[False], [False], [False], [True]]))
    two_episodes = (np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([[False], [True], [False], [False]]))
    cases = [
        (*one_episode, 0.9, "one episode of 4 steps, the coin (+10) on the last step"),
        (*two_episodes, 0.5, "two episodes in one rollout, the first ending at step 1"),
        (*_random_rollout(rng, 16, 3, 0.2), 0.99, "a 16-step rollout of 3 environments"),
        (*_random_rollout(rng, 8, 2, 0.3), 0.0, "gamma = 0"),
        (*_random_rollout(rng, 8, 2, 0.3), 1.0, "gamma = 1"),
        (np.array([[0, 0], [10, 0], [0, 10]]), np.array([[0, 0], [1, 0], [0, 0]], dtype=bool), 0.5,
         "integer rewards"),
        (*(a.astype(np.float32) for a in _random_rollout(rng, 6, 4, 0.3)), 0.9, "float32 rewards and dones"),
        (np.zeros((0, 3)), np.zeros((0, 3), dtype=bool), 0.99, "an empty rollout (T = 0)"),
    ]
    answers = []
    for rewards, dones, gamma, what in cases:
        inputs = (rewards.copy(), dones.copy())
        expected = reference_discounted_returns(rewards, dones, gamma)
        got = _as_array(call(discounted_returns, rewards, dones, gamma), "the returns")
        if not (np.array_equal(rewards, inputs[0]) and np.array_equal(dones, inputs[1])):
            raise CheckFailed(f"for {what} your function changed its inputs. Hint: write the returns into a new array.")
        if got.shape != expected.shape:
            raise CheckFailed(
                f"for {what} expected shape {expected.shape} (one return per step and environment), got {got.shape}. "
                "Hint: time is the first axis, environments the second; keep both."
            )
        if got.size and not np.issubdtype(got.dtype, np.floating):
            raise CheckFailed(
                f"for {what} the returns have dtype {got.dtype}, expected a float dtype. Hint: an array made "
                "like the integer rewards keeps their integer dtype and truncates every discounted value."
            )
        answers.append((got.astype(float), expected))
    wrong = [i for i, (got, expected) in enumerate(answers) if not _close(got, expected)]
    if not wrong:
        return
    # Name a known mistake only when it explains the answers on every input.
    mistakes = [
        (lambda r, d, g: reference_discounted_returns(r, np.zeros_like(d), g),
         "you never stop at episode ends. A step with dones[t] True is the last step of its episode: "
         "its return is its own reward, nothing from the next episode."),
        (lambda r, d, g: g * reference_discounted_returns(r, d, g),
         "the reward of the current step is not discounted: G_t = r_t + gamma * G_{t+1}."),
        (_forward_sums, "a return adds up the rewards that come *after* a step: go through time backwards."),
        (_cut_one_step_late,
         "you cut one step late. dones[t] says the episode ended *at* step t, so G_t must not include G_{t+1}."),
    ]
    hint = "G_t = r_t + gamma * G_{t+1}, with G_{t+1} taken as 0 when dones[t] is True or t is the last step."
    for mistake, explanation in mistakes:
        if all(_close(got, mistake(r, d, g)) for (got, _), (r, d, g, _) in zip(answers, cases)):
            hint = explanation
            break
    got, expected = answers[wrong[0]]
    _, _, gamma, what = cases[wrong[0]]
    t, n = np.argwhere(~np.isclose(got, expected, rtol=1e-4, atol=1e-4))[0]
    raise CheckFailed(
        f"for {what} (gamma = {gamma}) at step {t} of environment {n} expected {expected[t, n]:.4f}, "
        f"got {got[t, n]:.4f}. Hint: {hint}"
    )


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-4))


def _forward_sums(rewards: np.ndarray, dones: np.ndarray, gamma: float) -> np.ndarray:
    """A known mistake: discounted sums of the rewards *before* each step."""
    out = np.zeros(np.shape(rewards))
    running = np.zeros(np.shape(rewards)[1:])
    for t in range(len(out)):
        running = rewards[t] + gamma * running
        out[t] = running
        running = running * (1 - dones[t])
    return out


def _cut_one_step_late(rewards: np.ndarray, dones: np.ndarray, gamma: float) -> np.ndarray:
    """A known mistake: the return is cut where ``dones[t + 1]`` is True instead of ``dones[t]``."""
    later = np.zeros_like(np.asarray(dones, dtype=bool))
    later[:-1] = dones[1:]
    return reference_discounted_returns(rewards, later, gamma)


def _episodes(reached: list[int], coin: list[int], **extra: object) -> pd.DataFrame:
    n = len(reached)
    return pd.DataFrame(
        {"level_seed": np.arange(2**31, 2**31 + n), "coin_collected": np.array(coin, dtype=bool),
         "reached_end": np.array(reached, dtype=bool), "died": ~np.array(reached, dtype=bool), **extra}
    )


INTEGER_COLUMNS = "0/1 integer columns (as read back from a CSV)"


@checker("ex-coinrun-misgen")
def check_misgeneralization_rate(misgeneralization_rate: Callable) -> None:
    """Check ``misgeneralization_rate(episodes)``: the share of rows with ``reached_end`` and not
    ``coin_collected``, as a float; ``nan`` for an empty table."""
    mixed = _episodes([1, 1, 0, 0, 1], [1, 0, 0, 1, 0])
    many = _episodes(*np.random.default_rng(1).random((2, 200)) < [[0.9], [0.3]])
    good_only = many[many.index % 3 > 0]
    cases = [
        (mixed, "a table with every combination of reached_end and coin_collected"),
        (_episodes([1, 1, 1], [1, 1, 1]), "a table where every coin was collected"),
        (_episodes([1, 1, 0, 0], [0, 0, 0, 0]), "a table where no coin was collected"),
        (many, "a table of 200 episodes"),
        (good_only, "a subset of rows (index with gaps, like the good levels)"),
        (mixed.astype({"reached_end": int, "coin_collected": int, "died": int}), INTEGER_COLUMNS),
        (mixed[["coin_collected", "reached_end"]], "a table with only the two columns it needs"),
    ]
    for episodes, what in cases:
        before = episodes.copy()
        expected = reference_misgeneralization_rate(episodes)
        got = call(misgeneralization_rate, episodes)
        if not (episodes.columns.equals(before.columns) and episodes.equals(before)):
            raise CheckFailed(
                f"for {what} your function changed the table it was given. Hint: compute the share "
                "without adding or overwriting columns."
            )
        value = _one_number(got, what)
        if np.isclose(value, expected):
            continue
        reached = episodes["reached_end"].astype(bool)
        coin = episodes["coin_collected"].astype(bool)
        if what == INTEGER_COLUMNS:
            hint = ("with 0/1 integer columns `~` flips every bit (~1 == -2, which counts as true): "
                    "turn the columns into booleans (.astype(bool)) before combining them.")
        elif np.isclose(value, expected * len(episodes)):
            hint = "that is a count; return the share of all episodes (between 0 and 1)."
        elif np.isclose(value, float((~coin).mean())):
            hint = ("you counted every episode without the coin. An episode that died or timed out is a "
                    "capability failure; misgeneralization is reaching the end of the level *without* the coin.")
        elif reached.any() and np.isclose(value, float((~coin[reached]).mean())):
            hint = "divide by the number of all episodes, not only those that reached the end."
        elif np.isclose(value, float((reached & coin).mean())):
            hint = "those are the episodes that reached the end *with* the coin; we want the ones without it."
        else:
            hint = "count the rows where reached_end is True and coin_collected is False, divided by all rows."
        raise CheckFailed(f"for {what} expected {expected:.3f}, got {value:.3f}. Hint: {hint}")
    empty = mixed.iloc[:0]
    value = _one_number(call(misgeneralization_rate, empty), "an empty table")
    if not np.isnan(value):
        raise CheckFailed(
            f"for an empty table (no episodes) expected nan, got {value}. Hint: a share of zero episodes is "
            "undefined; return float('nan'), as the mean of an empty column does."
        )


def _one_number(got: object, what: str) -> float:
    if isinstance(got, (pd.Series, pd.DataFrame)) or (isinstance(got, np.ndarray) and got.ndim > 0):
        raise CheckFailed(
            f"for {what} expected one number, got a {type(got).__name__}. Hint: reduce the per-episode "
            "True/False values to their mean."
        )
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"for {what} expected a float, got {type(got).__name__} {got!r}.")
    return float(got)


def _paths(rng: np.random.Generator, n: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random visited cells and coins, a third of the coins on a visited cell."""
    visited = rng.random((n, width, height)) < 0.15
    coin_x = rng.integers(0, width, n)
    coin_y = rng.integers(0, height, n)
    on_path = rng.random(n) < 0.35
    visited[np.flatnonzero(on_path), coin_x[on_path], coin_y[on_path]] = True
    return visited, coin_x, coin_y


@checker("ex-coinrun-good")
def check_good_level_mask(good_level_mask: Callable) -> None:
    """Check ``good_level_mask(visited, coin_x, coin_y)``: ``(n,)`` bool, True where the agent never
    entered cell ``(coin_x[i], coin_y[i])`` of level ``i``; ``visited`` is ``(n, W, H)`` bool."""
    rng = np.random.default_rng(2)
    small = np.zeros((3, 6, 4), dtype=bool)
    small[0, 1, 2] = True
    small[1, 2, 1] = True
    small[2, :, 0] = True
    tall = _paths(rng, 40, 12, 5)
    inside = tall[0], rng.integers(0, 5, 40), rng.integers(0, 5, 40)
    cases = [
        (small, np.array([1, 1, 5]), np.array([2, 2, 3]), "3 levels: coin on the path, next to it, away from it"),
        (*tall, "40 levels of width 12 and height 5"),
        (*inside, "40 levels, every coin in the first 5 columns"),
        (tall[0], tall[1].astype(np.int32), tall[2].astype(np.uint8), "int32 and uint8 coin coordinates"),
        (np.ones((2, 4, 3), dtype=bool), np.array([0, 3]), np.array([2, 0]), "levels where every cell was visited"),
        (np.zeros((0, 12, 5), dtype=bool), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), "an empty batch (n = 0)"),
    ]
    for visited, coin_x, coin_y, what in cases:
        inputs = (visited.copy(), coin_x.copy(), coin_y.copy())
        expected = reference_good_level_mask(visited, coin_x, coin_y)
        try:
            got = _as_array(call(good_level_mask, visited, coin_x, coin_y), "the mask")
        except CheckFailed as failure:
            if "IndexError" not in str(failure):
                raise
            raise CheckFailed(
                f"{failure}. Hint: `visited` has shape (n, W, H) = {visited.shape}: it is indexed "
                "[level, x, y], the column x before the row y."
            ) from None
        if any(not np.array_equal(a, b) for a, b in zip((visited, coin_x, coin_y), inputs)):
            raise CheckFailed(f"for {what} your function changed its inputs. Hint: only read `visited`.")
        n = len(visited)
        if got.shape != expected.shape:
            hint = "one True/False per level."
            if got.shape == (n, n):
                hint = ("you got one value per pair of levels: pair level i with its own coin "
                        "(coin_x[i], coin_y[i]) by indexing the level axis together with x and y.")
            raise CheckFailed(f"for {what} expected shape {expected.shape}, got {got.shape}. Hint: {hint}")
        if got.dtype != bool:
            extra = " For an empty batch return an empty bool array." if n == 0 else ""
            raise CheckFailed(f"for {what} the mask has dtype {got.dtype}, expected bool.{extra}")
        if np.array_equal(got, expected):
            continue
        if np.array_equal(got, ~expected):
            hint = "a good level is one where the agent did NOT pass through the coin's cell."
        elif np.array_equal(got, ~visited.any(axis=(1, 2))) or np.array_equal(got, ~visited.all(axis=(1, 2))):
            hint = "look only at the coin's cell, not at the whole level."
        elif np.all(coin_y < visited.shape[1]) and np.all(coin_x < visited.shape[2]) and np.array_equal(
            got, ~visited[np.arange(n), coin_y, coin_x]
        ):
            hint = "x and y are swapped: `visited` is indexed [level, x, y], the column x before the row y."
        else:
            hint = "level i is good when visited[i] is False at the cell (coin_x[i], coin_y[i])."
        i = int(np.flatnonzero(got != expected)[0])
        raise CheckFailed(
            f"for {what}: level {i} (coin at x={int(coin_x[i])}, y={int(coin_y[i])}) should be "
            f"{'good' if expected[i] else 'not good'}, got {bool(got[i])}. Hint: {hint}"
        )


# ---- ex-coinrun-predict: the coin rate on good levels, before the evaluation ---------------------

PREDICT_TOLERANCE = 0.15
"""How far (in share of episodes) a prediction may lie from the shipped agents' measured rate."""


@functools.cache
def shipped_moved_rates() -> dict[str, dict]:
    """The shipped headline agents (``data/coinrun_headline``) with the coin moved, on the good
    levels where they passed the coin's column: ``coin_collected`` and ``reached_end``, each the
    mean over seeds with a 95% CI resampling seeds and levels (``seeds_summary``)."""
    from goalmisgen.analysis.evaluation import seeds_summary
    from goalmisgen.paths import data_dir

    folder = data_dir() / "coinrun_headline"
    manifest = json.loads((folder / "manifest.json").read_text())
    episodes = pd.read_csv(folder / manifest["episodes_file"])
    moved = episodes[(episodes["training"] == "headline") & (episodes["coin_placement"] == "random")]
    return {metric: seeds_summary(moved, metric, "good_passed") for metric in ("coin_collected", "reached_end")}


@checker("ex-coinrun-predict")
def check_rate_prediction(predicted_rates: Callable) -> None:
    """Record ``predicted_rates() -> (coin, end)`` and show the shipped agents' measured rates
    (``shipped_moved_rates``) with the reasoning; a prediction more than ``PREDICT_TOLERANCE`` from a
    measured mean is told which way it is off, and is not failed for it. Refuses only an answer of
    the wrong form."""
    got = call(predicted_rates)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise CheckFailed(f"return two numbers, (coin, end), got {got!r}.")
    coin, end = share_answer(got[0], "the coin rate (first number)"), share_answer(got[1], "the end rate (second number)")
    if coin + end > 1.05:
        raise CheckFailed(
            f"your two shares add up to {coin + end:.2f}. With the coin moved, it lies before the end of the level "
            "and touching it ends the episode, so an episode counts for both only if the agent reached the end "
            "and then turned back for the coin: the two shares add up to about 1 at most. Decide which of the two "
            "the agent mostly does."
        )
    measured = shipped_moved_rates()
    m_coin, m_end = measured["coin_collected"], measured["reached_end"]
    shown = (f"the shipped agents collect the moved coin on {m_coin['mean']:.2f} of these levels "
             f"(95% CI {m_coin['ci_low']:.2f}-{m_coin['ci_high']:.2f}) and reach the end on {m_end['mean']:.2f} "
             f"({m_end['ci_low']:.2f}-{m_end['ci_high']:.2f})")
    hints = []
    if coin > m_coin["mean"] + PREDICT_TOLERANCE:
        hints.append("you expected the agents to go for the moved coin far more often than they do. Every training "
                     "level rewarded the coin, but on every training level the coin also sat at the right end: "
                     "the reward could not tell the two goals apart")
    elif coin < m_coin["mean"] - PREDICT_TOLERANCE:
        hints.append("they collect the moved coin more often than you expected")
    if end < m_end["mean"] - PREDICT_TOLERANCE:
        hints.append("you expected the agents to fail on these levels far more often than they do: their skill "
                     "(jumping pits, avoiding enemies) carries over to levels they never met; what changed is only "
                     "where the coin is")
    elif end > m_end["mean"] + PREDICT_TOLERANCE:
        hints.append("they reach the end less often than you expected")
    if hints:
        why = f"Off by more than {PREDICT_TOLERANCE:.2f}: {'; and '.join(hints)}."
    else:
        why = (f"Both within {PREDICT_TOLERANCE:.2f} of the measurement. Why: the agents' skill carries over to "
               "levels they never met, and on every training level the coin sat at the right end, so the reward "
               "could not tell the two goals apart.")
    raise Recorded(f"You predicted coin {coin:.2f} and end {end:.2f}; {shown}. {why} Compare with your own "
                   "agent's evaluation in the next cells.")


# ---- ex-coinrun-separate: an experiment that tells two proxies apart ----------------------------

SEPARATE_LEVELS = 200
"""Held-out levels the checker of ``ex-coinrun-separate`` edits and plays."""


def reference_separating_edit() -> list[str]:
    """Edits under which "go to the end of the level" and "go right as far as you can" predict
    different outcomes: no coin (so nothing ends the episode at the end) and no right wall."""
    return ["coin_removed", "end_permeable"]


def as_interventions(edits: object) -> list:
    """The interventions named by ``edits``: a list whose items are names of
    ``envs.coinrun.interventions.INTERVENTIONS`` (``"coin_removed"``) or pairs of a name and a dict of
    arguments (``("end_closer", {"sections": 2})``).

    Plain names rather than ``Intervention`` objects, so that a learner's answer travels to the
    grader as plain data.

    Raises:
        ValueError: naming the item that is not an intervention, or the argument that is refused.
    """
    from goalmisgen.envs.coinrun.interventions import INTERVENTIONS

    if isinstance(edits, str):
        edits = [edits]
    if isinstance(edits, tuple):
        edits = list(edits)
    if not isinstance(edits, list):
        raise ValueError(f"{edits!r} is not allowed: give a list of intervention names, e.g. ['coin_moved']")
    out = []
    for item in edits:
        if isinstance(item, str):
            name, kwargs = item, {}
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            name, kwargs = item
        else:
            name, kwargs = None, {}
        if not isinstance(name, str) or name not in INTERVENTIONS:
            made = callable(item) or "Intervention" in repr(item)
            extra = " (give its name as a string, e.g. 'coin_removed', not the function or what it returns)" if made else ""
            raise ValueError(f"{item!r} is not allowed{extra}: each edit is one of {sorted(INTERVENTIONS)}, "
                             "or a pair (name, {argument: value})")
        if not isinstance(kwargs, dict):
            raise ValueError(f"{item!r} is not allowed: the second item of a pair is a dict of arguments")
        try:
            out.append(INTERVENTIONS[name](**kwargs))
        except TypeError as error:
            raise ValueError(f"{item!r} is not allowed: {error}") from None
    return out


@functools.cache
def _shipped_agent():
    from goalmisgen.agents import load_agent
    from goalmisgen.paths import data_dir

    return load_agent(data_dir() / "coinrun_headline" / "headline_seed0.pt")


@checker("ex-coinrun-separate")
def check_separating_edit(separating_edit: Callable) -> None:
    """Check ``separating_edit()``: intervention names (``as_interventions``) under which an
    agent that goes to the end and one that goes right as far as it can behave differently on
    every level; then play the shipped agent ``headline_seed0`` on ``SEPARATE_LEVELS`` edited
    held-out levels, which must give episodes that reach the end and do not stop there."""
    from goalmisgen.analysis.evaluate_coinrun import play_levels
    from goalmisgen.envs.coinrun import HELD_OUT_START
    from goalmisgen.envs.coinrun.levels import generate_levels
    from goalmisgen.envs.coinrun.interventions import describe, do

    given = call(separating_edit)
    try:
        edits = as_interventions(given)
    except ValueError as error:
        raise CheckFailed(f"{error}. Hint: return a list of names, e.g. ['coin_moved', 'hazards_removed'].") from None
    if not edits:
        raise CheckFailed(
            "you returned no edit. On the levels as they are, the coin sits at the end against the right wall, and "
            "every goal that fits training predicts the same run. Hint: return a list of intervention names, "
            "e.g. ['coin_moved']."
        )
    seeds = HELD_OUT_START + np.arange(SEPARATE_LEVELS, dtype=np.int64)
    try:
        levels = do(generate_levels(seeds), *edits)
    except ValueError as error:
        raise CheckFailed(f"your edits could not be applied to the held-out levels: {error}") from None
    name = describe(edits)
    if (levels.wall_x >= 0).any():
        raise CheckFailed(
            f"with your edits ({name}) the right wall is still there on {int((levels.wall_x >= 0).sum())} of "
            f"{SEPARATE_LEVELS} levels. An agent that goes right as far as it can is stopped by the wall at the end "
            "of the level, exactly where an agent that goes to the end stops: the two predict the same. "
            "Hint: look for an edit that lets an agent walk on past the end."
        )
    at_end = levels.coin_present & (levels.coin_x == levels.end_x)
    if at_end.any():
        raise CheckFailed(
            f"with your edits ({name}) the coin still sits at the end on {int(at_end.sum())} of {SEPARATE_LEVELS} "
            "levels. Touching it ends the episode right there, so an agent that goes right as far as it can is "
            "stopped at the end as surely as by the wall: both predict the same outcome. Hint: take the coin "
            "away from the end."
        )
    plays = play_levels(_shipped_agent(), seeds, "end", tuple(edits), seed=0)
    went_on = plays["reached_end"] & ~plays["coin_collected"]
    if went_on.mean() < 0.5:
        hint = "keep the levels crossable, and keep anything that ends the episode off the agent's way to the end."
        if plays["coin_collected"].mean() >= 0.25:
            hint = (f"the agent touched the coin on {int(plays['coin_collected'].sum())} levels: a coin on its route "
                    "ends the episode before the end, and those levels cannot tell the two goals apart. Take the coin "
                    "out of the way altogether.")
        raise CheckFailed(
            f"with your edits ({name}) the shipped agent reached the end without the episode ending there on only "
            f"{int(went_on.sum())} of {SEPARATE_LEVELS} levels: too few to compare the two predictions. Hint: {hint}"
        )


def open_end_question(passed: int, reached: int) -> Question:
    """``ex-coinrun-open-end``: what walking past an open end in ``passed`` of ``reached`` episodes
    licenses; the correct choice follows from the Wilson interval of the share."""
    from goalmisgen.analysis.stats import rate_ci

    reached = check_int("reached", reached, low=1)
    passed = check_int("passed", passed, low=0, high=reached)
    ci = rate_ci(passed, reached)
    span = f"{ci['mean']:.2f} (95% CI {ci['ci_low']:.2f}-{ci['ci_high']:.2f})"
    right = ci["ci_low"] > 0.5
    stops = ci["ci_high"] < 0.5
    return Question(
        f"With the coin removed and the right wall gone, the agent walked on past the end of the level in "
        f"{passed} of the {reached} episodes in which it reached the end: a share of {span}. What does this support?",
        [
            Choice("Its behaviour fits \"go right as far as you can\" better than \"go to the end of the level\".",
                   correct=right,
                   feedback=("Yes: most of the interval lies above one half, so on most levels it does not stop where "
                             "the level ends; in training the end was only where the wall stopped it." if right else
                             f"Not from {span}: the interval does not lie above one half.")),
            Choice("Its behaviour fits \"go to the end of the level\" better than \"go right as far as you can\".",
                   correct=stops,
                   feedback=("Yes: the whole interval lies below one half, so it mostly stops where the level ends."
                             if stops else f"Then it would mostly stop at the end; it walked on in {span} of the episodes.")),
            Choice("The agent has no goal at all: it moves at random.",
                   feedback="A random mover would not cross levels it never met, jumping pits and avoiding enemies, "
                            "on almost every try; this behaviour is consistent and capable, it only aims elsewhere."),
            Choice("Neither: the data cannot tell the two apart.", correct=not (right or stops),
                   feedback=(f"Yes: {span} straddles one half." if not (right or stops) else
                             "The edit was designed so that they predict different outcomes, and the interval is "
                             "clearly on one side of one half: the data do tell them apart.")),
        ],
    )


def goal_questions() -> list[Question]:
    """``ex-coinrun-goal``: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*goal_questions())``."""
    return [
        Question(
       "On every training level the coin sat at the right end, and the reward paid only for touching it. "
       "What does the evidence of this chapter support?",
       [
           Choice("The reward was misspecified: it paid the agent for reaching the right end.",
                  feedback="The reward paid only for the coin. But on every training level, going right and "
                           "collecting the coin earn the same return, so the reward could not tell them apart."),
           Choice("The agent learned to go to the right end, a goal that earned the same return as collecting "
                  "the coin on every training level.", correct=True,
                  feedback="Yes: the two goals agree on the training levels and come apart only when the coin moves."),
           Choice("The agent is not capable enough to reach a coin that has been moved.",
                  feedback="On the good levels it still reaches the end of levels it has never seen, pits and "
                           "enemies included: its capability generalized, its goal did not."),
           Choice("Counting every test level, accidents included, measures best what the agent is after.",
                  feedback="A moved coin on the agent's usual route is collected by accident; the good-levels "
                           "filter keeps only the levels where that cannot happen."),
       ],
   ),
    ]
