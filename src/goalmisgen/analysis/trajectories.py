"""Record what an agent did, step by step, on a batch of CoinRun-grid levels.

``evaluate`` keeps one row per episode; inferring a goal from behaviour needs every step: where the
agent was (column, row, jump lift, time) and which action it chose there. ``record_trajectories``
plays each level once, all levels stepped together, and returns those steps as flat arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goalmisgen.analysis.evaluation import play_once
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import CoinRunGridVecEnv
from goalmisgen.validation import check_bool, check_int, check_seed


@dataclass
class Trajectories:
    """The steps of one play of each level (S steps in all, over n levels).

    Attributes:
        levels: the n levels that were played (CoinRunLevels, interventions applied).
        level: (S,) int64 which level (0 .. n-1) each step belongs to.
        x, y, vy, t: (S,) int64 the agent's column, row, remaining jump lift and time step
            *before* the action.
        action: (S,) int64 the action taken.
        outcomes: per-level episode statistics, each (n,) (``coin_collected``, ``reached_end``, ...).
    """

    levels: lv.CoinRunLevels
    level: np.ndarray
    x: np.ndarray
    y: np.ndarray
    vy: np.ndarray
    t: np.ndarray
    action: np.ndarray
    outcomes: dict

    def __len__(self) -> int:
        return len(self.action)


def record_trajectories(agent, levels: lv.CoinRunLevels, max_steps: int = 200, deterministic: bool = False,
                        seed: int = 0) -> Trajectories:
    """Play each of ``levels`` once with ``agent`` and record every step.

    Args:
        agent: anything with ``act(obs, deterministic) -> (B,) actions`` (a loaded agent, a scripted one).
            An agent that reads the game's state instead of its observation (a planted-goal agent,
            ``analysis.planted_goals``) has ``bind(state)``: it is bound to this game's state and
            asked for every level's action at each step.
        levels: CoinRunLevels (n levels), e.g. ``do(generate_levels(seeds), coin_moved())``.
        max_steps: the episodes' timeout.
        deterministic: take each agent's most likely action instead of sampling.
        seed: seed of the agent's sampling.

    Returns:
        Trajectories with every step of every level, in time order within each level.
    """
    if not isinstance(levels, lv.CoinRunLevels):
        raise ValueError(f"levels={type(levels).__name__} is not allowed: levels must be CoinRunLevels (from generate_levels)")
    max_steps = check_int("max_steps", max_steps, low=1, high=10_000)
    deterministic = check_bool("deterministic", deterministic)
    seed = check_seed(seed)
    n = len(levels)
    if n == 0:
        raise ValueError("levels is empty: record_trajectories needs at least one level")
    view = {k: v for k, v in getattr(agent, "env_options", {}).items() if k == "view_radius"}
    env = CoinRunGridVecEnv(num_envs=n, max_steps=max_steps, num_sections=levels.enemy_x0.shape[1], **view)
    obs, _ = env.reset(seed=seed, options={"levels": levels})
    if hasattr(agent, "seed"):
        agent.seed(seed)
    s = env.state
    if hasattr(agent, "bind"):
        agent.bind(s)
    steps: list[tuple[np.ndarray, ...]] = []

    def record(ids, obs, actions):
        steps.append((ids, s.x[ids].copy(), s.y[ids].copy(), s.vy[ids].copy(), s.t[ids].copy(), actions))

    outcomes = play_once(env, agent, obs, deterministic, before_step=record, act_on_all=hasattr(agent, "bind"))
    level, x, y, vy, t, action = (np.concatenate(parts) for parts in zip(*steps))
    order = np.lexsort((t, level))
    return Trajectories(levels, level[order], x[order], y[order], vy[order], t[order], action[order], outcomes)
