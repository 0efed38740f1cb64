"""Probe a trained agent's critic: what return does its value head expect, step by step, and what
return actually follows?

PPO trains a value head ``V(s)`` next to the policy, to predict the discounted return from each
state. The reward itself never enters the observation; only through this prediction (and the
advantages built from it) does it shape the network. ``value_trace`` plays levels and records, at
every step, the critic's estimate and the discounted return that followed, so the two can be
compared on levels with the coin at the end, moved or removed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from goalmisgen.analysis.evaluation import play_once
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import COIN_REWARD, CoinRunGridVecEnv
from goalmisgen.validation import check_float, check_int, check_seed


def value_trace(agent, levels: lv.CoinRunLevels, gamma: float | None = None, max_steps: int = 200,
                seed: int = 0) -> pd.DataFrame:
    """Play each level once with a trained agent and record its critic at every step.

    Args:
        agent: a loaded agent (``load_agent``): ``act`` and a ``policy`` network returning
            (logits, value).
        levels: n CoinRunLevels (interventions applied).
        gamma: discount of the returns (default: the agent's training ``gamma``).
        max_steps: the episodes' timeout.
        seed: seed of the agent's action sampling.

    Returns:
        DataFrame, one row per step: ``level`` (0..n-1), ``t``, ``x``, ``end_x``, ``to_end``
        (columns left to the end column, ``end_x - x``), ``value`` (the critic's estimate before the
        action) and ``return_to_go`` (the discounted return that followed: ``10 * gamma**k`` if the
        coin was collected ``k`` steps later, else 0).
    """
    if not isinstance(levels, lv.CoinRunLevels):
        raise ValueError(f"levels={type(levels).__name__} is not allowed: levels must be CoinRunLevels (from generate_levels)")
    if not hasattr(agent, "policy"):
        raise ValueError(f"agent {agent!r} has no value head: value_trace needs a trained agent (load_agent)")
    if gamma is None:
        gamma = agent.config.get("gamma") if isinstance(agent.config, dict) else agent.config.gamma
    gamma = check_float("gamma", gamma, low=0.0, high=1.0)
    max_steps = check_int("max_steps", max_steps, low=1, high=10_000)
    seed = check_seed(seed)
    n = len(levels)
    view = {k: v for k, v in agent.env_options.items() if k == "view_radius"}
    env = CoinRunGridVecEnv(num_envs=n, max_steps=max_steps, num_sections=levels.enemy_x0.shape[1], **view)
    obs, _ = env.reset(seed=seed, options={"levels": levels})
    agent.seed(seed)
    s = env.state
    rows: list[tuple[np.ndarray, ...]] = []

    def record(ids, obs, actions):  # the critic's estimate of the state the agent acts in
        with torch.inference_mode():
            _, value = agent.policy(torch.from_numpy(obs).to(agent.device))
        rows.append((ids, s.t[ids].copy(), s.x[ids].copy(), value.float().cpu().numpy()))

    outcomes = play_once(env, agent, obs, before_step=record)
    coin, length = outcomes["coin_collected"], outcomes["steps"]
    level, t, x, value = (np.concatenate(parts) for parts in zip(*rows))
    steps_left = length[level] - 1 - t
    ret = np.where(coin[level], COIN_REWARD * gamma ** steps_left, 0.0)
    table = pd.DataFrame({"level": level, "t": t, "x": x, "end_x": levels.end_x[level], "value": value,
                          "return_to_go": ret})
    table["to_end"] = table["end_x"] - table["x"]
    return table.sort_values(["level", "t"], ignore_index=True)
