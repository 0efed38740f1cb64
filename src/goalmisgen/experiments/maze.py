"""Chapter 3's Maze agents: one per cheese region k and seed, trained through a size curriculum
and played on held-out mazes with the cheese in its region and anywhere
(``python -m goalmisgen regenerate maze``, data/maze)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from goalmisgen.agents import PPOConfig, load_agent, save_agent
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, bools_as_int8, float_history, machine_provenance, write_manifest

MAZE_REGIONS = (1, 5)
"""Cheese regions k of the shipped Maze agents: the cheese in the top-right corner square (k = 1,
where "go to the corner" earns all the reward) and in the top-right 5 x 5 squares (k = 5, as Turner
et al.'s agent)."""
MAZE_SEEDS = (0, 1, 2)
MAZE_STEPS = 2_000_000
"""Environment steps per Maze agent, summed over the curriculum's stages (each stage rounded down
to whole PPO rollouts of 8192 steps). Measured on a shared 2-core CPU: about 3,500 to 7,000 steps/s
per agent, so 5 to 10 CPU-minutes per agent (see the manifest's wall times)."""
MAZE_OPTIONS = {"view": "centred", "view_radius": 14}
"""Options every Maze agent trains and is evaluated with: an agent-centred window that shows the
whole 15 x 15 maze from every square (R = 14), the same size for every maze size."""
MAZE_CURRICULUM = ((7, 0.25), (11, 0.35), (15, 0.40))
"""(max_size, share of MAZE_STEPS) per stage: mazes of side 5..7, then 5..11, then 5..15."""
MAZE_LEVELS = 1000
MAZE_EPISODE_COLUMNS = ("k", "seed", "shift", "level_seed", "maze_size", "cheese_collected", "reached_corner",
                        "navigated", "timed_out", "steps", "good", "has_decision_square",
                        "cheese_corner_euclid", "cheese_corner_path", "decision_cheese_euclid", "decision_cheese_path",
                        "decision_corner_euclid", "decision_corner_path")


def maze_stages(steps: int = MAZE_STEPS, cheese_region: int = 1):
    """The curriculum of the Maze agents: ``MAZE_CURRICULUM`` as ``Stage`` objects whose step
    counts are the stages' shares of ``steps``, each rounded down to whole rollouts (at least one).

    A cheese region wider than a stage's largest maze (k = 8 in the stage of mazes up to 7 x 7)
    covers every maze of that stage: the stage then says ``cheese_region = max_size``, which draws
    the same cheese squares (the region cannot be wider than the grid, see ``MazeOptions``)."""
    from goalmisgen.agents.curriculum import Stage

    batch = PPOConfig().batch_size
    counts = [max(1, int(steps * share) // batch) * batch for _, share in MAZE_CURRICULUM]
    return [Stage({"max_size": size, **({"cheese_region": size} if cheese_region > size else {})}, count)
            for (size, _), count in zip(MAZE_CURRICULUM, counts)]


def maze_curriculum(steps: int = MAZE_STEPS) -> list[dict]:
    """The stages of ``maze_stages(steps)`` as the agents' extras and manifests record them."""
    return [{"max_size": s.env_options["max_size"], "steps": s.total_steps} for s in maze_stages(steps)]


def train_maze_agent(cheese_region: int, seed: int, steps: int = MAZE_STEPS, progress: bool = True):
    """Train one Maze PPO agent (MLP, ``MAZE_OPTIONS``, cheese in the top-right k x k squares,
    k = ``cheese_region``) through the size curriculum ``maze_stages(steps, k)``.

    Returns ``(TrainResult, extras)``: extras hold the per-iteration history and the curriculum,
    as ``save_agent(result, path, extra=extras)`` stores them."""
    from goalmisgen.agents.curriculum import train_curriculum

    config = PPOConfig(env="maze", env_options={**MAZE_OPTIONS, "cheese_region": int(cheese_region)}, seed=int(seed),
                       total_steps=steps)
    result = train_curriculum(config, maze_stages(steps, int(cheese_region)), progress=progress)
    return result, {"history": float_history(result), "curriculum": maze_curriculum(steps)}


def train_maze_agents(out_dir: Path | str, regions=MAZE_REGIONS, seeds=MAZE_SEEDS, steps: int = MAZE_STEPS,
                      progress: bool = True) -> list[Path]:
    """Train one Maze PPO agent per cheese region k and seed with ``train_maze_agent``; writes
    ``maze_k{K}_seed{S}.pt`` into ``out_dir`` with the per-iteration history and the stages in its
    extras. Returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in regions:
        for seed in seeds:
            result, extras = train_maze_agent(int(k), int(seed), steps, progress=progress)
            paths.append(save_agent(result, out / f"maze_k{k}_seed{seed}.pt", extra=extras))
    return paths


def maze_agent_episodes(agent, k: int, seed: int, n_levels: int = MAZE_LEVELS):
    """Play a Maze agent on ``n_levels`` held-out levels (seeds from ``HELD_OUT_START``) with its
    training options (shift "train") and with the cheese anywhere (shift "test"), as ``maze``
    does: one ``evaluate_game`` per shift, seeded by the training seed.

    Returns a DataFrame with ``MAZE_EPISODE_COLUMNS`` (NaN decision-square columns on the training
    shift's rows), one row per shift x level."""
    import pandas as pd

    from goalmisgen.analysis.evaluate import evaluate_game

    rows = []
    for shift in ("train", "test"):
        ev = evaluate_game(agent, n_levels=n_levels, start_level=HELD_OUT_START, shift=shift, seed=int(seed))
        rows.append(ev.episodes.assign(k=int(k), seed=int(seed), shift=shift))
    table = pd.concat(rows, ignore_index=True)
    for c in MAZE_EPISODE_COLUMNS:
        if c not in table:
            table[c] = np.nan  # the training shift's rows have no decision-square columns
    return table[list(MAZE_EPISODE_COLUMNS)]


def wilson(column) -> dict:
    """The Wilson interval of a 0/1 column (``stats.rate_ci``)."""
    from goalmisgen.analysis.stats import rate_ci

    values = np.asarray(column, dtype=bool)
    return rate_ci(int(values.sum()), int(values.size))


def maze_agent_summary(episodes) -> dict:
    """One Maze agent's summaries from its rows of the episode table (both shifts), with Wilson
    intervals: training-distribution cheese rate overall and by maze size; test cheese and corner
    rates on all mazes and on good ones (cheese off the path to the corner); P(cheese) on mazes
    with a decision square, and the L1 logistic fit of ``decision_squares.fit_l1_logistic`` (all
    features, and the cheese-to-corner Euclidean distance alone)."""
    from goalmisgen.analysis.decision_squares import fit_l1_logistic

    train_rows, test = episodes[episodes["shift"] == "train"], episodes[episodes["shift"] == "test"]
    good = test[test["good"].astype(bool)]
    split = test[test["has_decision_square"].astype(bool)].assign(
        cheese_collected=lambda d: d["cheese_collected"].astype(bool))
    out = {
        "train": {"cheese_collected": wilson(train_rows["cheese_collected"]),
                  "navigated": wilson(train_rows["navigated"]),
                  "cheese_by_maze_size": {int(size): wilson(rows["cheese_collected"])
                                          for size, rows in train_rows.groupby("maze_size")}},
        "test_all": {m: wilson(test[m]) for m in ("cheese_collected", "reached_corner", "navigated")},
        "test_good": {m: wilson(good[m]) for m in ("cheese_collected", "reached_corner", "navigated")},
        "test_cheese_by_maze_size": {int(size): wilson(rows["cheese_collected"]) for size, rows in test.groupby("maze_size")},
        "decision_squares": {"mazes": int(len(test)), "with_a_decision_square": int(len(split)),
                             "cheese_collected": wilson(split["cheese_collected"]),
                             "reached_corner": wilson(split["reached_corner"])},
    }
    if split["cheese_collected"].nunique() == 2 and len(split) >= 20:
        out["decision_squares"]["l1_logistic"] = fit_l1_logistic(split)
        out["decision_squares"]["l1_logistic_cheese_corner_euclid_only"] = fit_l1_logistic(
            split, features=["cheese_corner_euclid"])
    return out


def maze(out_dir: Path | str = DATA / "maze", train_agents_first: bool = True, regions=MAZE_REGIONS,
         seeds=MAZE_SEEDS, steps: int = MAZE_STEPS, n_levels: int = MAZE_LEVELS, progress: bool = True,
         command: str = "python -m goalmisgen regenerate maze") -> dict:
    """The third chapter's Maze agents: one per cheese region k and seed, trained with
    ``train_maze_agents``, each played on ``n_levels`` held-out levels (seeds from
    ``HELD_OUT_START``) under its training options (cheese in its region) and under the test shift
    (cheese anywhere) with ``evaluate_game``.

    Writes the agents, ``episodes.csv`` (one row per agent x shift x level, with the decision-square
    columns of the test mazes) and ``manifest.json`` (command, versions, curriculum, steps and wall
    times, per-agent summaries with Wilson intervals, and per-k summaries over seeds) into
    ``out_dir``. With ``train_agents_first=False`` the agents already there are evaluated.
    Returns the manifest.
    """
    import pandas as pd

    from goalmisgen.analysis.evaluation import seeds_summary

    out = Path(out_dir)
    train_start = time.perf_counter()
    if train_agents_first:
        train_maze_agents(out, regions, seeds, steps=steps, progress=progress)
    training_wall = time.perf_counter() - train_start
    start = time.perf_counter()
    entries, tables = [], []
    for k in regions:
        for seed in seeds:
            path = out / f"maze_k{k}_seed{seed}.pt"
            agent = load_agent(path)
            table = maze_agent_episodes(agent, int(k), int(seed), n_levels)
            tables.append(table)
            entries.append({
                "file": path.name,
                "size_bytes": path.stat().st_size,
                "cheese_region": int(k),
                "seed": int(seed),
                "config": agent.config.to_dict(),
                "curriculum": agent.extra.get("curriculum"),
                "train_metrics": agent.metrics,
                "summary": maze_agent_summary(table),
            })
    episodes = bools_as_int8(pd.concat(tables, ignore_index=True))
    episodes.to_csv(out / "episodes.csv", index=False, float_format="%.4g")
    summaries = {}
    for k in regions:
        rows = episodes[episodes["k"] == k]
        train_rows, test = rows[rows["shift"] == "train"], rows[rows["shift"] == "test"]
        summaries[f"k{k}"] = {
            "train_cheese_collected": seeds_summary(train_rows, "cheese_collected"),
            "test_cheese_collected": seeds_summary(test, "cheese_collected"),
            "test_reached_corner": seeds_summary(test, "reached_corner"),
            "test_good_cheese_collected": seeds_summary(test, "cheese_collected", "good"),
            "test_good_reached_corner": seeds_summary(test, "reached_corner", "good"),
            "decision_square_cheese_collected": seeds_summary(test, "cheese_collected", "has_decision_square"),
        }
    description = (f"Maze agents (MLP, {MAZE_OPTIONS}) trained for {steps:,} steps each through the size curriculum "
                   f"{[(s.env_options['max_size'], s.total_steps) for s in maze_stages(steps)]} (max maze side, steps; "
                   f"mazes of side 5 up to the max), cheese regions k {list(regions)}, seeds {list(seeds)}; each played on "
                   f"held-out levels {HELD_OUT_START}..{HELD_OUT_START + n_levels - 1} with its training options and with the "
                   "cheese anywhere. Good mazes: the cheese off the path to the corner.")
    estimand = ("per agent: rates over its levels with Wilson intervals; per k: mean over seeds of each seed's rate, "
                "95% CIs resampling seeds and levels jointly (a rate 0 or 1 everywhere gets the Wilson interval)")
    return write_manifest(out, "maze", command, (description, estimand), machine_provenance(), "episodes.csv",
                          steps_per_agent=steps, n_levels=n_levels,
                          training_wall_time_s=training_wall if train_agents_first else None,
                          evaluation_wall_time_s=time.perf_counter() - start, summaries=summaries, agents=entries)
