"""Chapter 3's Keys and Chests agents: trained with keys scarce, checkpoints along training played
with keys scarce and plentiful (``python -m goalmisgen regenerate keys-chests``, data/keys_chests)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from goalmisgen.agents import PPOConfig, load_agent, save_agent, train
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, bools_as_int8, float_history, machine_provenance, write_manifest

KEYS_CHESTS_SEEDS = (0, 1, 2)
KEYS_CHESTS_STEPS = 2_000_000
"""Environment steps per Keys and Chests agent (rounded down to whole PPO rollouts of 8192 steps).
One agent trains in about 1 to 3 CPU-minutes on a shared 2-core machine (see the manifest)."""
KEYS_CHESTS_CHECKPOINTS = (0.005, 0.01, 0.02, 0.04, 0.07, 0.12, 0.2, 0.35, 0.6, 1.0)
"""Shares of the training steps at which a checkpoint is kept and evaluated: dense early, where
the agent learns most, and the final agent last."""
KEYS_CHESTS_LEVELS = 500
KEYS_CHESTS_COLUMNS = ("seed", "checkpoint", "train_steps", "shift", "level_seed", "num_keys", "num_chests",
                       "chests_opened", "keys_collected", "keys_held", "steps", "timed_out", "opened_max_chests",
                       "all_keys_collected", "collected_a_key")


def keys_chests_checkpoint_iterations(steps: int = KEYS_CHESTS_STEPS, shares=KEYS_CHESTS_CHECKPOINTS) -> list[int]:
    """The PPO iterations (1-based counts of rollouts done) at which ``train_keys_chests_agent``
    keeps a checkpoint: each share of the ``steps // batch`` iterations, rounded, at least 1, distinct."""
    iterations = max(1, steps // PPOConfig().batch_size)
    return sorted({min(iterations, max(1, round(share * iterations))) for share in shares})


def _keys_chests_checkpoint(work: Path, seed: int, iteration: int) -> Path:
    return work / f"keys_chests_seed{seed}_iter{iteration:04d}.pt"


def train_keys_chests_agent(work_dir: Path | str, seed: int, steps: int = KEYS_CHESTS_STEPS,
                            progress: bool = True) -> tuple[Path, list[Path], float]:
    """Train one Keys and Chests PPO agent (MLP, training ratio: 2 keys, 4 chests) for ``steps``
    steps, keeping a checkpoint in ``work_dir`` at each of ``keys_chests_checkpoint_iterations``
    and the final agent as ``work_dir/keys_chests_seed{S}.pt``.

    Resumable: when the final agent and every checkpoint of this seed and step count already exist
    (an interrupted regeneration), nothing is trained again.

    Returns:
        (final agent path, checkpoint paths in training order, training wall time in seconds, read
        from the final agent when nothing was trained again).
    """
    from goalmisgen.agents import save_policy

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    config = PPOConfig(env="keys-chests", env_options={}, seed=int(seed), total_steps=steps)
    keep = keys_chests_checkpoint_iterations(steps)
    final = work / f"keys_chests_seed{seed}.pt"
    paths = [_keys_chests_checkpoint(work, seed, it) for it in keep]
    if final.is_file() and all(p.is_file() for p in paths):
        done = load_agent(final)
        if done.config.total_steps == steps:
            return final, paths, done.metrics.get("wall_time_s")

    def callback(row, policy):
        if row["iteration"] + 1 in keep:
            metrics = {k: v for k, v in row.items() if isinstance(v, (int, float)) and np.isfinite(v)}
            save_policy(policy, "ppo", config, metrics, _keys_chests_checkpoint(work, seed, row["iteration"] + 1),
                        config.env, config.env_options, {"iteration": int(row["iteration"] + 1)})

    result = train(config, progress=progress, callback=callback)
    wall = result.metrics["wall_time_s"]
    save_agent(result, final, extra={"history": float_history(result), "checkpoint_iterations": keep})
    return final, paths, wall


def keys_chests_metrics(episodes):
    """Add the chapter's Keys and Chests measures to a copy of an episode table: ``keys_needed``
    (min(keys, chests): the keys that can open something), ``keys_beyond_need`` (keys collected
    beyond that), ``chests_per_step`` (chests opened per step of the episode) and
    ``objects_per_step`` (keys plus chests reached per step: a capability measure whatever the goal)."""
    df = episodes.copy()
    df["keys_needed"] = np.minimum(df["num_keys"], df["num_chests"])
    df["keys_beyond_need"] = (df["keys_collected"] - df["keys_needed"]).clip(lower=0)
    steps = df["steps"].clip(lower=1).astype(float)
    df["chests_per_step"] = df["chests_opened"] / steps
    df["objects_per_step"] = (df["chests_opened"] + df["keys_collected"]) / steps
    return df


def keys_chests_summaries(episodes) -> dict:
    """Per checkpoint and shift, the mean over seeds of each measure with a 95% CI resampling seeds
    and levels jointly (``seeds_summary``)."""
    from goalmisgen.analysis.evaluation import seeds_summary

    df = keys_chests_metrics(episodes)
    out = {}
    for (checkpoint, shift), rows in df.groupby(["checkpoint", "shift"]):
        out[f"checkpoint{int(checkpoint)}_{shift}"] = {
            "train_steps": int(rows["train_steps"].iloc[0]),
            **{m: seeds_summary(rows, m) for m in ("opened_max_chests", "all_keys_collected", "collected_a_key",
                                                    "timed_out", "keys_beyond_need", "keys_held", "chests_per_step",
                                                    "objects_per_step")}}
    return out


def keys_chests(out_dir: Path | str = DATA / "keys_chests", work_dir: Path | str | None = None,
                seeds=KEYS_CHESTS_SEEDS, steps: int = KEYS_CHESTS_STEPS, n_levels: int = KEYS_CHESTS_LEVELS,
                progress: bool = True, command: str = "python -m goalmisgen regenerate keys-chests") -> dict:
    """The third chapter's Keys and Chests agents: one PPO agent per seed trained at the training
    ratio (keys scarce), with checkpoints along training; every checkpoint is played on ``n_levels``
    held-out levels (seeds from ``HELD_OUT_START``) at the training ratio and at the test ratio
    (``shifted_options``: keys plentiful) with ``evaluate_game``.

    Writes into ``out_dir`` the final agents, ``checkpoints.csv.gz`` (one row per seed x checkpoint
    x shift x level: ``KEYS_CHESTS_COLUMNS``) and ``manifest.json`` (command, versions, checkpoint
    steps, training and evaluation wall times, per-checkpoint summaries with CIs over seeds and
    levels). Checkpoints are kept in ``work_dir`` (default ``out_dir/checkpoints``), so that a
    regeneration interrupted after some seeds resumes from them; they are not shipped.
    Returns the manifest.
    """
    import pandas as pd

    from goalmisgen.analysis.evaluate import evaluate_game

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(work_dir) if work_dir is not None else out / "checkpoints"
    keep = keys_chests_checkpoint_iterations(steps)
    batch = PPOConfig().batch_size
    tables, entries, training_walls = [], [], {}
    evaluation_wall = 0.0
    for seed in seeds:
        trained, paths, wall = train_keys_chests_agent(work, int(seed), steps, progress=progress)
        final = out / trained.name
        shutil.copyfile(trained, final)
        training_walls[int(seed)] = wall
        start = time.perf_counter()
        for index, (iteration, path) in enumerate(zip(keep, paths)):
            agent = load_agent(path)
            for shift in ("train", "test"):
                ev = evaluate_game(agent, n_levels=n_levels, start_level=HELD_OUT_START, shift=shift, seed=int(seed))
                tables.append(ev.episodes.assign(seed=int(seed), checkpoint=index, train_steps=iteration * batch,
                                                 shift=shift)[list(KEYS_CHESTS_COLUMNS)])
        evaluation_wall += time.perf_counter() - start
        agent = load_agent(final)
        entries.append({"file": final.name, "size_bytes": final.stat().st_size, "seed": int(seed),
                        "config": agent.config.to_dict(), "train_metrics": agent.metrics,
                        "training_wall_time_s": wall})
    episodes = bools_as_int8(pd.concat(tables, ignore_index=True))
    episodes.to_csv(out / "checkpoints.csv.gz", index=False)
    description = (f"Keys and Chests agents (MLP, PPOConfig defaults, {steps:,} steps each at the training ratio "
                   f"2 keys / 4 chests), seeds {list(seeds)}; checkpoints after {[it * batch for it in keep]} steps, "
                   f"each played once on held-out levels {HELD_OUT_START}..{HELD_OUT_START + n_levels - 1} at the "
                   "training ratio and at the test ratio (4 keys / 2 chests). Only the final agents are shipped.")
    estimand = ("per checkpoint and ratio: mean over seeds of each seed's mean over levels, 95% CIs resampling "
                "seeds and levels jointly")
    return write_manifest(out, "keys-chests", command, (description, estimand), machine_provenance(),
                          "checkpoints.csv.gz", steps_per_agent=steps,
                          checkpoint_train_steps=[it * batch for it in keep], n_levels=n_levels,
                          training_wall_time_s=training_walls, evaluation_wall_time_s=evaluation_wall,
                          summaries=keys_chests_summaries(episodes), agents=entries)
