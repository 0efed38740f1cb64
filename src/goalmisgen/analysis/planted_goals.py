"""Agents whose goal we know, to test goal inference before trusting it.

A method that infers goals from behaviour is only as good as its record on agents whose goal is
known by construction. ``BoltzmannGoalAgent`` is such an agent: at every step it picks actions with
probability ``exp(-beta * regret)`` under one goal's costs (``goal_inference.costs_at``), exactly
the model that ``infer_goals`` fits, so a failure to recover its goal is the method's fault, not
the agent's. ``planted_confusion`` plays many of them (each goal, several ``beta``, independent
replicates on disjoint sets of levels) and tabulates which goal the tool infers for each: a
confusion matrix whose diagonal is the tool's recovery rate.

Usage:
    >>> levels = do(generate_levels(seeds), coin_moved(), end_permeable())
    >>> runs = planted_confusion(levels, betas=(0.5, 2.0), replicates=10)
    >>> recovery_table(runs)     # one row per planted goal and beta: recovered share with its CI
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goalmisgen.agents.scripted import RandomAgent
from goalmisgen.analysis.goal_inference import GOALS, MAX_REGRET, NO_GOAL, SAME, costs_at, goal_values, infer_goals
from goalmisgen.analysis.stats import rate_ci
from goalmisgen.analysis.trajectories import record_trajectories
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.progress import progress_bar
from goalmisgen.validation import check_bool, check_choice, check_float, check_int, check_seed

UNDECIDED = "undecided"
"""What the tool says when no candidate wins in at least ``threshold`` of the bootstrap resamples."""


class BoltzmannGoalAgent:
    """Noisily rational pursuit of a known goal: p(a | s) proportional to exp(-beta * regret(s, a)).

    ``regret`` is the action's steps-to-goal minus the best action's, capped at
    ``goal_inference.MAX_REGRET``, as ``infer_goals`` models it. The agent reads the game's state
    (``bind``), not its observation, so it plays only through ``record_trajectories``.

    Args:
        levels: the CoinRunLevels it will play (in this order).
        goal: "coin", "end" or "right" (``goal_inference.GOALS``).
        beta: rationality (>= 0; 0 is uniformly random).
        value: the goal's ``cost_to_go`` on ``levels`` (computed when None).
        seed: seed of the action sampling.
    """

    env = "coinrun"

    def __init__(self, levels: lv.CoinRunLevels, goal: str, beta: float, value: np.ndarray | None = None, seed: int = 0):
        if not isinstance(levels, lv.CoinRunLevels):
            raise ValueError(f"levels={type(levels).__name__} is not allowed: levels must be CoinRunLevels")
        self.levels, self.goal = levels, check_choice("goal", goal, GOALS)
        self.beta = check_float("beta", beta, low=0.0, high=1000.0)
        self.value = value if value is not None else goal_values(levels, (goal,))[goal]
        self.env_options = {"coin_placement": "end"}
        self._state = None
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart the action sampling from ``seed``."""
        self._rng = np.random.default_rng(check_seed(seed))

    def bind(self, state) -> None:
        """Play the game whose state is ``state`` (a CoinRunState holding ``levels`` in order)."""
        if len(state.x) != len(self.levels):
            raise ValueError(f"a game of {len(state.x)} levels is not allowed: this agent plays {len(self.levels)}")
        self._state = state

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """(n,) int64 actions for every level of the bound game (``obs`` is ignored); with
        ``deterministic`` the cheapest action."""
        check_bool("deterministic", deterministic)
        if self._state is None:
            raise ValueError("this agent reads the game's state: play it with record_trajectories(agent, levels)")
        s = self._state
        q = costs_at(self.levels, self.goal, self.value, np.arange(len(s.x)), s.x, s.y, s.vy, s.t)
        regret = np.minimum(q - q.min(axis=1, keepdims=True), MAX_REGRET)
        if deterministic:
            return regret.argmin(axis=1).astype(np.int64)
        logits = -self.beta * regret
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        u = self._rng.random((len(p), 1))
        return np.minimum((p.cumsum(axis=1) < u).sum(axis=1), p.shape[1] - 1).astype(np.int64)

    def __repr__(self) -> str:
        return f"BoltzmannGoalAgent(goal={self.goal!r}, beta={self.beta})"


def planted_confusion(levels: lv.CoinRunLevels, goals=GOALS, betas=(0.5, 2.0), replicates: int = 10,
                      max_steps: int = 100, threshold: float = 0.95, n_boot: int = 200, seed: int = 0,
                      progress: bool = True) -> pd.DataFrame:
    """Play planted-goal agents and infer their goals: one row per agent.

    The levels are split into ``replicates`` disjoint blocks; in each block one agent per planted
    goal and ``beta`` (and one random agent, the planted "none") plays every level once, and
    ``infer_goals`` judges it. Replicates are independent: different levels, different sampling.

    Args:
        levels: CoinRunLevels, at least ``replicates`` of them (a multiple is best).
        goals: the planted goals and the candidates of the inference (a subset of ``GOALS``).
        betas: the rationalities of the planted agents (each > 0).
        replicates: independent agents per planted goal and beta (>= 1).
        max_steps: episode timeout.
        threshold: least bootstrap share for a verdict; below it the verdict is "undecided".
        n_boot: bootstrap resamples of each inference.
        seed: seed of the agents' sampling and of the bootstraps.
        progress: show a progress bar.

    Returns:
        DataFrame with columns ``planted`` (goal or "none"), ``beta`` (NaN for "none"),
        ``replicate``, ``inferred`` (candidate name or "undecided"), ``recovered`` (bool: the
        inferred candidate contains the planted goal) and ``p_best``.
    """
    if not isinstance(levels, lv.CoinRunLevels):
        raise ValueError(f"levels={type(levels).__name__} is not allowed: levels must be CoinRunLevels")
    goals = tuple(goals)
    for g in goals:
        check_choice("goal", g, GOALS)
    betas = tuple(check_float("beta", b, low=0.0, high=1000.0, low_open=True) for b in betas)
    if not betas:
        raise ValueError("betas=() is not allowed: give at least one rationality > 0")
    replicates = check_int("replicates", replicates, low=1, high=len(levels))
    threshold = check_float("threshold", threshold, low=0.0, high=1.0)
    seed = check_seed(seed)
    values = goal_values(levels, goals)
    blocks = np.array_split(np.arange(len(levels)), replicates)
    jobs = [(r, g, b) for r in range(replicates) for g in goals for b in betas] + [(r, NO_GOAL, np.nan) for r in range(replicates)]
    rows = []
    for r, goal, beta in progress_bar(jobs, desc="planted goals", disable=not progress):
        block = levels.subset(blocks[r])
        block_values = {g: v[blocks[r]] for g, v in values.items()}
        agent_seed = seed + 1000 * r + len(rows)
        if goal == NO_GOAL:
            agent = RandomAgent(seed=agent_seed)
        else:
            agent = BoltzmannGoalAgent(block, goal, beta, block_values[goal], seed=agent_seed)
        trajectories = record_trajectories(agent, block, max_steps=max_steps, seed=agent_seed)
        result = infer_goals(trajectories, goals, values=block_values, n_boot=n_boot, seed=seed + r)
        share = float(result.table.set_index("goal").loc[result.best, "p_best"])
        inferred = result.best if share >= threshold else UNDECIDED
        rows.append({"planted": goal, "beta": beta, "replicate": r, "inferred": inferred,
                     "recovered": goal in inferred.split(SAME), "p_best": share})
    return pd.DataFrame(rows)


def recovery_table(runs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per planted goal and beta: agents, recovered count and share with its Wilson interval."""
    rows = []
    for (planted, beta), part in runs.groupby(["planted", "beta"], dropna=False, sort=False):
        ci = rate_ci(int(part["recovered"].sum()), len(part), level=level)
        rows.append({"planted": planted, "beta": beta, "agents": len(part), "recovered": int(part["recovered"].sum()),
                     "share": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]})
    return pd.DataFrame(rows)
