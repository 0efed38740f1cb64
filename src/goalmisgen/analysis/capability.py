"""Capability measured without the proxy (the games' ``CapabilitySpec``): play an agent on held-out
levels where its game's intended goal and proxy coincide and judge each episode by the game's rule
(solved within ``slack`` times the fewest steps). Which goal the agent pursues cannot change the
result; a random walk, or heading for the proxy without the skill, does not pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goalmisgen.analysis.evaluate import play_game_levels
from goalmisgen.analysis.evaluation import check_levels
from goalmisgen.envs.grid.options import HELD_OUT_START
from goalmisgen.envs.spec import GAMES, game
from goalmisgen.validation import check_bool, check_choice, check_seed


def capability_levels(agent, n_levels: int = 200, start_level: int = HELD_OUT_START, deterministic: bool = False,
                      seed: int = 0) -> pd.DataFrame:
    """Play ``agent`` once on each capability level ``start_level .. start_level + n_levels - 1``.

    Args:
        agent: a grid game's agent (``env``, ``env_options``, ``act``), trained or scripted.

    Returns:
        DataFrame, one row per level: the game's episode statistics, the judge's columns and
        ``capable_without_proxy`` (bool: the game's capability column).
    """
    name = getattr(agent, "env", None)
    spec = game(check_choice("agent.env", name, tuple(n for n, s in GAMES.items() if s.capability)))
    n_levels, start_level = check_levels(n_levels, start_level)
    deterministic, seed = check_bool("deterministic", deterministic), check_seed(seed)
    cap = spec.capability
    options = cap.options(dict(agent.env_options))
    seeds = np.arange(start_level, start_level + n_levels, dtype=np.int64)
    episodes = play_game_levels(agent, seeds, shift="train", options=options, deterministic=deterministic, seed=seed)
    levels = spec.vec_env(num_envs=1, **{**spec.shifted(dict(agent.env_options), "train"), **options}).generate(seeds)
    judged = cap.judge(episodes, levels, cap.slack)
    return episodes.assign(**judged, capable_without_proxy=judged[cap.column])
