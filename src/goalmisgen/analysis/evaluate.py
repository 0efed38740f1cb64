"""One evaluation for every game: ``evaluate(agent, ...)`` reads the spec of the game the agent was
trained on (``goalmisgen.envs.spec``) and plays its held-out levels under the game's test shift.

A game whose spec names an ``evaluator`` is evaluated by it (CoinRun-grid: Langosco et al.'s
good-levels filter with the coin moved, ``evaluate_coinrun.py``; procgen CoinRun:
``evaluate_procgen.py``); every other grid game by the generic evaluation here
(``evaluate_game``): each level played once under the shifted options (``play_game_levels``),
judged by the game's goal spec (one row per level: the game's episode statistics plus
``capable``, ``proxy_reached``, ``misgeneralized``), filtered by the game's good-level rule (the
Maze: the cheese off the shortest path to the corner; a game without a rule: every level is good)
and summarized with Wilson intervals for the rates and bootstrap intervals for the counts.
"""

from __future__ import annotations

import importlib
import os

import numpy as np
import pandas as pd

from goalmisgen.analysis.evaluation import Evaluation, check_levels, play_once, summarize
from goalmisgen.envs.grid.options import HELD_OUT_START
from goalmisgen.envs.spec import GAMES, SHIFTS, game, grid_games
from goalmisgen.validation import check_bool, check_choice, check_seed


def _check_options(options) -> None:
    if options is not None and (not isinstance(options, dict) or not all(isinstance(k, str) for k in options)):
        raise ValueError(f"options={options!r} is not allowed: options must be None or a dict of env options")


def _grid_game_of(agent) -> str:
    return check_choice("agent.env", getattr(agent, "env", None), grid_games())


def played_options(agent, shift: str = "test", options: dict | None = None) -> dict:
    """The env options an agent of a grid game is played with: its training options under
    ``shift`` ("train" or "test", see ``GameSpec.shifted``), with ``options`` overriding both."""
    _check_options(options)
    return {**game(_grid_game_of(agent)).shifted(dict(agent.env_options), shift), **(options or {})}


def play_game_levels(agent, level_seeds, shift: str = "test", options: dict | None = None, deterministic: bool = False,
                     seed: int = 0, record_path: bool = False):
    """Play each level of a grid game once (all in one batch) with the agent's options.

    Args:
        agent: anything with ``act(obs, deterministic) -> actions``, ``env`` (a grid game) and
            ``env_options`` (its training options).
        level_seeds: (n,) level seeds.
        shift: "train" (the agent's training options) or "test" (the game's test shift).
        options: env options that override both (e.g. ``{"cheese_region": 5}``).
        record_path: also return the (n, G, G) bool array of squares each agent stood on (a
            top-down game: its state has ``grid``, ``x`` and ``y``).

    Returns:
        DataFrame with ``level_seed`` and every per-episode statistic the game reports (see its
        module docstring), one row per level (and the visited array if ``record_path``).
    """
    spec = game(_grid_game_of(agent))
    check_choice("shift", shift, SHIFTS)
    seeds = np.asarray(level_seeds, dtype=np.int64)
    n = len(seeds)
    env = spec.vec_env(num_envs=n, **played_options(agent, shift, options))
    obs, _ = env.reset(seed=seed, options={"level_seeds": seeds})
    if hasattr(agent, "seed"):
        agent.seed(seed)
    state = env.state
    visited = np.zeros((n, state.grid, state.grid), dtype=bool) if record_path else None
    if record_path:
        visited[np.arange(n), state.x, state.y] = True

    def visit(ids):
        visited[ids, state.x[ids], state.y[ids]] = True

    stats = play_once(env, agent, obs, deterministic, after_step=visit if record_path else None)
    df = pd.DataFrame({"level_seed": seeds, **{k: v for k, v in stats.items() if k != "level_seed"}})
    return (df, visited) if record_path else df


def evaluate_game(agent, n_levels: int = 1000, start_level: int = HELD_OUT_START, shift: str = "test",
                  options: dict | None = None, deterministic: bool = False, seed: int = 0) -> Evaluation:
    """Play and judge a grid game's agent on levels ``start_level .. start_level + n_levels - 1``
    (see ``play_game_levels`` for ``shift`` and ``options``).

    Returns:
        ``Evaluation`` whose episodes hold the game's statistics, the goal spec's ``capable``,
        ``proxy_reached``, ``misgeneralized``, and ``good`` with the columns of the game's
        good-level rule (the Maze: its decision squares); ``summary`` / ``summary_good`` give
        Wilson intervals for the intended, proxy and capability rates and bootstrap intervals
        for the game's counts.
    """
    spec = game(_grid_game_of(agent))
    n_levels, start_level = check_levels(n_levels, start_level)
    check_choice("shift", shift, SHIFTS)
    deterministic = check_bool("deterministic", deterministic)
    seed = check_seed(seed)
    seeds = np.arange(start_level, start_level + n_levels, dtype=np.int64)
    played = played_options(agent, shift, options)
    df = spec.goals.annotate(play_game_levels(agent, seeds, shift, options, deterministic=deterministic, seed=seed))
    if spec.good_levels is not None:
        df = pd.concat([df, spec.good_levels(spec.vec_env(num_envs=1, **played).generate(seeds))], axis=1)
    else:
        df["good"] = True
    goals = spec.goals
    rates = (goals.intended, *goals.proxies, *goals.capable, "capable", "proxy_reached", "misgeneralized", "timed_out")
    return Evaluation(
        episodes=df,
        summary=summarize(df, seed, rates, spec.continuous_metrics),
        summary_good=summarize(df[df["good"]], seed, rates, spec.continuous_metrics),
        coin_placement="none",
        env=spec.name,
        options=played,
    )


def evaluate(agent, n_levels: int = 1000, start_level: int | None = None, deterministic: bool = False, seed: int = 0,
             **game_options) -> Evaluation:
    """Evaluate an agent on the held-out levels of its game, under the game's test shift.

    Args:
        agent: a loaded agent (``env``, ``env_options``, ``act``).
        n_levels: levels to play.
        start_level: the first level seed; None: the game's held-out levels (grid games:
            ``HELD_OUT_START``; procgen CoinRun: right after the agent's training levels).
        game_options: options of the game's own evaluator (CoinRun: ``coin_placement``,
            ``filter_runs``, ``interventions``); a game evaluated generically takes none.
    """
    if isinstance(agent, (str, os.PathLike)):
        raise ValueError(f"agent={str(agent)!r} is not allowed: evaluate needs a loaded agent, not a path; load it "
                         f"first: evaluate(load_agent({str(agent)!r}))")
    if not callable(getattr(agent, "act", None)):
        raise ValueError(f"agent={agent!r} is not allowed: evaluate needs an agent with act(obs, deterministic), "
                         "env and env_options, e.g. from goalmisgen.agents.load_agent")
    check_seed(seed)
    spec = game(check_choice("agent.env", getattr(agent, "env", "coinrun"), sorted(GAMES)))
    if spec.evaluator is not None:
        module, function = spec.evaluator.split(":")
        evaluator = getattr(importlib.import_module(module), function)
        return evaluator(agent, n_levels=n_levels, start_level=start_level, deterministic=deterministic, seed=seed,
                         **game_options)
    if game_options:
        raise ValueError(f"{sorted(game_options)} is not allowed for {spec.name!r} agents: the generic evaluation "
                         "takes n_levels, start_level, deterministic and seed only")
    return evaluate_game(agent, n_levels=n_levels, start_level=HELD_OUT_START if start_level is None else start_level,
                         shift="test", deterministic=deterministic, seed=seed)
