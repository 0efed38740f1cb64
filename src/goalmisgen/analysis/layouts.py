"""Has an agent met this layout before? The overlap between a training run's levels and an
evaluation set, by exact comparison of everything that shapes play (``envs/grid/layout.py``).

A training run of ``num_envs`` environments seeded with ``seed`` plays the first
``num_envs + episodes`` levels its level queue hands out (one per environment at the start, one
per finished episode); PPO records ``episodes`` in the agent's metrics, so the levels of a shipped
agent's whole run can be regenerated exactly.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import CoinRunOptions, CoinRunState
from goalmisgen.envs.grid.layout import LayoutOverlap, overlap
from goalmisgen.envs.grid.levels import LevelQueue


def training_level_seeds(agent) -> np.ndarray:
    """The level seeds a CoinRun-grid agent's training run played, in order ((num_envs + episodes),)."""
    if getattr(agent, "env", None) != "coinrun":
        raise ValueError(f"agent.env={getattr(agent, 'env', None)!r} is not allowed: training_level_seeds needs a CoinRun-grid agent")
    episodes = agent.metrics.get("episodes")
    if episodes is None:
        raise ValueError("this agent's metrics do not record how many episodes it trained on (trained by an older version)")
    options = CoinRunOptions.from_kwargs(dict(agent.env_options))
    low, count = options.seed_range
    return LevelQueue.seeds_handed_out(low, count, agent.config.seed, agent.config.num_envs + int(episodes))


def training_overlap(agent, level_seeds, coin_placement: str = "random", with_coin: bool = False,
                     chunk: int = 50_000) -> LayoutOverlap:
    """How many of the evaluation levels ``level_seeds`` (played with ``coin_placement``) have a
    layout the agent's training run met.

    ``with_coin=False`` (the default, the stricter test) compares terrain, hazards, enemies and the
    end but not the coin, so a level counts as seen even when only the coin moved.
    """
    options = CoinRunOptions.from_kwargs(dict(agent.env_options))
    train_seeds = training_level_seeds(agent)

    def train_chunks():
        for start in range(0, len(train_seeds), chunk):
            levels = CoinRunState.generate(train_seeds[start:start + chunk], options)
            yield lv.layout_arrays(levels, with_coin)

    eval_options = CoinRunOptions(num_sections=options.num_sections, coin_placement=coin_placement)
    eval_levels = CoinRunState.generate(np.asarray(level_seeds, dtype=np.int64), eval_options)
    return overlap(train_chunks(), lv.layout_arrays(eval_levels, with_coin))
