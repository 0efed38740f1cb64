"""Chapter 2's "correlate nobody randomized": CoinRun-grid agents whose moved coin always stood
on the floor, against the randomization sweep's agents whose moved coin stood on the floor or a
ledge top (``python -m goalmisgen regenerate coin-support``, data/coin_support)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from goalmisgen.agents import PPOConfig, load_agent, train
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import (DATA, RUNS, SweepRunner, checkpoint_bytes, clone_path, float_history,
                                           sweep_provenance, write_manifest)
from goalmisgen.experiments.randomization_sweep import (COIN_TRAIN_METRICS, OUTCOMES, RANDOMIZATION_SEEDS,
                                                        RANDOMIZATION_STEPS)

SUPPORT_FRACTION = 0.25
"""Share of training levels whose coin is moved in the second-correlate experiment: the sweep's
25% agents (coin on the floor or a ledge top) are its control, so only the "ground" agents train."""
SUPPORT_SEEDS = RANDOMIZATION_SEEDS
SUPPORT_LEVELS = 2000
"""Held-out levels per agent; about a quarter draw a ledge section for the moved coin, so about 500
levels compare a coin on a ledge top with the same coin on the floor below it."""
SUPPORT_COLUMNS = ("coin_on_ledge", "ledge_coin_collected", "ledge_reached_end", "ledge_died",
                   "floor_coin_collected", "floor_reached_end", "floor_died", "end_coin_collected")
"""Per-level 0/1 columns of data/coin_support/episodes.csv (after group, seed, level_seed)."""


def support_configs(seeds=SUPPORT_SEEDS, steps: int = RANDOMIZATION_STEPS, n_levels: int = SUPPORT_LEVELS) -> list[dict]:
    """One trial config per seed of the agents trained with the moved coin always on the floor."""
    from goalmisgen.validation import check_int, check_seed

    seeds = [check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds=[] is not allowed: give at least one seed")
    return [{"coin_support": "ground", "random_fraction": SUPPORT_FRACTION, "seed": s,
             "steps": check_int("steps", steps, low=1), "n_levels": check_int("n_levels", n_levels, low=1, high=100_000)}
            for s in seeds]


def support_evaluation(agent, n_levels: int = SUPPORT_LEVELS, seed: int = 0) -> dict:
    """Play held-out levels ``HELD_OUT_START ..`` three times: the coin moved onto a ledge top
    (where its section is a ledge), the same coin on the floor of the same column, and the coin
    at the end. Returns the per-level 0/1 lists of ``SUPPORT_COLUMNS``."""
    from goalmisgen.analysis.evaluate_coinrun import play_levels, score
    from goalmisgen.envs.coinrun.levels import coin_on_ledge, generate_levels

    seeds = np.arange(HELD_OUT_START, HELD_OUT_START + n_levels, dtype=np.int64)
    out = {"coin_on_ledge": coin_on_ledge(generate_levels(seeds, coin_placement="random", coin_support="ledge"))}
    for name, support in (("ledge", "ledge"), ("floor", "ground")):
        played = score(play_levels(agent, seeds, "random", seed=seed, coin_support=support))
        for k in OUTCOMES:
            out[f"{name}_{k}"] = played[k].to_numpy()
    out["end_coin_collected"] = score(play_levels(agent, seeds, "end", seed=seed))["coin_collected"].to_numpy()
    return {k: np.asarray(v).astype(int).tolist() for k, v in out.items()}


def support_trial(config: dict):
    """Train one CoinRun-grid agent with the coin moved on ``random_fraction`` of its levels and
    always standing on the floor (``coin_support="ground"``), then ``support_evaluation``.
    Returns a ``sweeps.TrialOutput`` with the checkpoint as ``agent.pt``."""
    from goalmisgen.agents import agent_from_result
    from goalmisgen.sweeps import TrialOutput

    options = {"coin_placement": "end", "random_fraction": config["random_fraction"],
               "coin_support": config["coin_support"]}
    start = time.perf_counter()
    result = train(PPOConfig(total_steps=config["steps"], seed=config["seed"], env_options=options), progress=False)
    train_s = time.perf_counter() - start
    levels = support_evaluation(agent_from_result(result), config["n_levels"], seed=config["seed"])
    out = {"train_metrics": {k: result.metrics[k] for k in COIN_TRAIN_METRICS},
           "first_level": HELD_OUT_START, "per_level": levels}
    data = checkpoint_bytes(result, {"history": float_history(result)})
    return TrialOutput(out, files={"agent.pt": data},
                       timings={"train_s": train_s, "eval_s": time.perf_counter() - start - train_s})


def support_summaries(episodes) -> dict:
    """Per group ("ground": trained with the moved coin on the floor; "any": the randomization
    sweep's agents, floor or ledge top) the coin and end rates on ledge levels, with the coin on the
    ledge top and on the floor below it, and the paired drop floor - ledge; then the difference of
    that drop between the groups (seeds resampled within groups, levels shared)."""
    from goalmisgen.analysis.evaluation import paired_summary, seeds_matrix, seeds_summary
    from goalmisgen.analysis.stats import group_difference_ci

    out = {}
    for group in ("ground", "any"):
        rows = episodes[episodes["group"] == group]
        out[group] = {
            "coin_at_end": seeds_summary(rows, "end_coin_collected"),
            **{f"{where}_{m}": seeds_summary(rows, f"{where}_{m}", "coin_on_ledge")
               for where in ("ledge", "floor") for m in OUTCOMES},
            "floor_minus_ledge_coin": paired_summary(rows, "floor_coin_collected", "ledge_coin_collected", "coin_on_ledge"),
        }
    drops = {}
    for group in ("ground", "any"):
        rows = episodes[episodes["group"] == group]
        drops[group] = (seeds_matrix(rows, "floor_coin_collected", "coin_on_ledge")
                        - seeds_matrix(rows, "ledge_coin_collected", "coin_on_ledge"))
    out["drop_ground_minus_any"] = group_difference_ci(drops["ground"], drops["any"])
    ledge = {g: seeds_matrix(episodes[episodes["group"] == g], "ledge_coin_collected", "coin_on_ledge")
             for g in ("ground", "any")}
    out["ledge_coin_ground_minus_any"] = group_difference_ci(ledge["ground"], ledge["any"])
    return out


def coin_support(out_dir: Path | str = DATA / "coin_support", records_dir: Path | str | None = None,
                 seeds=SUPPORT_SEEDS, steps: int = RANDOMIZATION_STEPS, n_levels: int = SUPPORT_LEVELS,
                 control_dir: Path | str = DATA / "randomization_sweep", runner: SweepRunner = SweepRunner(),
                 command: str = "python -m goalmisgen regenerate coin-support") -> dict:
    """The second chapter's "correlate nobody randomized": agents trained with the coin moved on
    ``SUPPORT_FRACTION`` of levels but always on the floor (``support_trial`` run by ``runner``,
    records in ``runs/coin_support``), against the randomization sweep's agents at the same
    fraction (floor or ledge top at random, loaded from ``control_dir``), all played by
    ``support_evaluation`` on the same held-out levels.

    Writes ``agents/ground25pc_seed{S}.pt``, ``episodes.csv`` (one row per agent x level) and
    ``manifest.json`` into ``out_dir``; returns the manifest.
    """
    import pandas as pd

    control = Path(control_dir)
    controls = [control / "agents" / f"random{100 * SUPPORT_FRACTION:g}pc_seed{s}.pt" for s in seeds]
    missing = [str(c) for c in controls if not c.is_file()]
    if missing:
        raise FileNotFoundError(f"the control agents {missing} are missing: run "
                                "python -m goalmisgen regenerate randomization-sweep first")
    configs = support_configs(seeds, steps, n_levels)
    records_dir = Path(records_dir) if records_dir is not None else RUNS / "coin_support"
    out = Path(out_dir)
    records, sweep_wall = runner.run(support_trial, configs, records_dir)
    shutil.rmtree(out / "agents", ignore_errors=True)
    (out / "agents").mkdir(parents=True)
    tables, trials = [], []
    level_seeds = HELD_OUT_START + np.arange(n_levels)
    for r in records:
        c, res = r["config"], r["result"]
        name = f"ground{100 * c['random_fraction']:g}pc_seed{c['seed']}.pt"
        shutil.copyfile(records_dir / r["key"] / "agent.pt", out / "agents" / name)
        tables.append(pd.DataFrame({"group": "ground", "seed": c["seed"], "level_seed": level_seeds,
                                    **{k: res["per_level"][k] for k in SUPPORT_COLUMNS}}))
        trials.append({"key": r["key"], "group": "ground", "config": c, "agent": f"agents/{name}", "run": r["run"],
                       "train_metrics": res["train_metrics"]})
    for s, path in zip(seeds, controls):
        agent = load_agent(path)
        t0 = time.perf_counter()
        levels = support_evaluation(agent, n_levels, seed=s)
        tables.append(pd.DataFrame({"group": "any", "seed": s, "level_seed": level_seeds, **levels}))
        trials.append({"group": "any", "agent": clone_path(path),
                       "config": {"seed": s, "random_fraction": SUPPORT_FRACTION, "coin_support": "any"},
                       "run": {"eval_s": time.perf_counter() - t0}})
    episodes = pd.concat(tables, ignore_index=True)[["group", "seed", "level_seed", *SUPPORT_COLUMNS]]
    episodes.to_csv(out / "episodes.csv", index=False)
    description = (f"CoinRun-grid PPO agents trained for {steps:,} steps with the coin moved on "
                   f"{100 * SUPPORT_FRACTION:g}% of training levels and always standing on the floor (group "
                   f"'ground', seeds {list(seeds)}), against the randomization sweep's {100 * SUPPORT_FRACTION:g}% "
                   "agents whose moved coin stood on the floor or a ledge top at random (group 'any'); each "
                   f"played on held-out levels {HELD_OUT_START}..{HELD_OUT_START + n_levels - 1} with the moved coin "
                   "on a ledge top, on the floor of the same column, and at the end.")
    estimand = ("per group: mean over seeds of each seed's rate over the levels whose moved coin can stand on a "
                "ledge (coin_on_ledge); CIs resample seeds and levels jointly; between groups: seeds resampled "
                "within each group, levels shared")
    n_ledge = int(episodes[(episodes["group"] == "ground")].groupby("seed")["coin_on_ledge"].sum().iloc[0])
    return write_manifest(out, "coin-support", command, (description, estimand),
                          sweep_provenance(runner, sweep_wall, records), "episodes.csv", sized=False,
                          n_levels=n_levels, n_ledge_levels=n_ledge, summaries=support_summaries(episodes), trials=trials)
