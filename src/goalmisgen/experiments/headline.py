"""Chapter 0's headline experiment: CoinRun-grid agents trained with the coin at the end (and
positive controls trained with the coin at random), played on held-out levels with the coin at
the end and moved (``python -m goalmisgen regenerate headline``, data/coinrun_headline)."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from goalmisgen.agents import PPOConfig, load_agent, save_agent, train
from goalmisgen.analysis import evaluate
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, bools_as_int8, float_history, provenance, write_manifest
from goalmisgen.files import jsonable, write_json

HEADLINE_SEEDS = tuple(range(10))
CONTROL_SEEDS = tuple(range(5))
HEADLINE_PPO = {"network": "mlp", "hidden": 128, "num_envs": 256, "num_steps": 32, "learning_rate": 1e-3,
                "gamma": 0.99, "gae_lambda": 0.95, "update_epochs": 3, "num_minibatches": 4, "clip_coef": 0.2,
                "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5, "torch_threads": 1, "device": "cpu"}
"""The PPO settings every headline agent was trained with (seeds 0-4 and controls 0-2 on 2026-11-27,
the rest on 2026-12-06), written out so that a change of ``PPOConfig``'s defaults leaves them alone."""
HEADLINE_STEPS = 3_000_000
HEADLINE_LEVELS = 1000
HEADLINE_FILTER_RUNS = 5
TRAINING_SETS = {
    "headline": {"coin_placement": "end"},
    "control": {"coin_placement": "random"},
}
"""The two training distributions of the first chapter: the coin always at the end (the headline
agents), and the coin at a random spot on every level (the positive control: agents that must
have learned to seek the coin, to show that the evaluation can see a coin-seeking agent)."""


def train_agents(out_dir: Path | str, training_set: str, seeds, steps: int = HEADLINE_STEPS,
                 progress: bool = True) -> list[Path]:
    """Train one CoinRun-grid PPO agent per seed on ``TRAINING_SETS[training_set]`` and write
    ``{training_set}_seed{S}.pt`` into ``out_dir`` (with the per-iteration history in its extras).
    Returns the paths."""
    if training_set not in TRAINING_SETS:
        raise ValueError(f"training_set={training_set!r} is not allowed: training_set must be one of {sorted(TRAINING_SETS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        config = PPOConfig(**HEADLINE_PPO, total_steps=steps, seed=seed, env_options=dict(TRAINING_SETS[training_set]))
        result = train(config, progress=progress)
        paths.append(save_agent(result, out / f"{training_set}_seed{seed}.pt", extra={"history": float_history(result)}))
    return paths


def prepare_agent(work_dir: Path | str, training_set: str, seed: int, n_levels: int = HEADLINE_LEVELS,
                  steps: int = HEADLINE_STEPS, progress: bool = True) -> tuple[dict, "pd.DataFrame"]:
    """One agent of the headline experiment, resumably: train ``{training_set}_seed{S}.pt`` into
    ``work_dir`` unless it is there, then evaluate it unless its evaluation is there
    (``{training_set}_seed{S}.json`` and ``.csv``). An interrupted run loses at most the agent it was
    working on. Returns (its manifest entry without the file size, its episode rows)."""
    import pandas as pd

    from goalmisgen.analysis.layouts import training_overlap

    work = Path(work_dir)
    stem = f"{training_set}_seed{seed}"
    path, entry_path, rows_path = work / f"{stem}.pt", work / f"{stem}.json", work / f"{stem}.csv"
    if not path.is_file():
        train_agents(work, training_set, (seed,), steps=steps, progress=progress)
    if entry_path.is_file() and rows_path.is_file():
        return json.loads(entry_path.read_text()), pd.read_csv(rows_path)
    agent = load_agent(path)
    evaluations, tables = {}, []
    start = time.perf_counter()
    for placement in ("end", "random"):
        ev = evaluate(agent, n_levels=n_levels, start_level=HELD_OUT_START, coin_placement=placement, seed=seed)
        evaluations[placement] = ev.to_json_dict()
        tables.append(ev.episodes.assign(training=training_set, seed=seed, coin_placement=placement))
    eval_seeds = np.arange(HELD_OUT_START, HELD_OUT_START + n_levels)
    seen = training_overlap(agent, eval_seeds, coin_placement="random")
    history = agent.extra.get("history", [])
    entry = {
        "file": path.name,
        "training": training_set,
        "seed": seed,
        "config": agent.config.to_dict(),
        "train_metrics": agent.metrics,
        "time_to_95pc_train_coin_rate_s": _time_to(history, "coin_rate", 0.95),
        "layout_overlap": {"eval_levels": seen.n_eval, "seen_in_training": seen.n_seen,
                           "fraction": seen.fraction, "training_levels": seen.n_train_levels,
                           "training_layouts": seen.n_train_layouts,
                           "compared": "terrain, lava, ledges, enemies with their patrols and phases, the end; not the coin"},
        "evaluation": evaluations,
        "evaluation_wall_time_s": time.perf_counter() - start,
    }
    rows = bools_as_int8(pd.concat(tables, ignore_index=True)[list(EPISODE_COLUMNS)])
    rows.to_csv(rows_path, index=False, float_format="%.3g")
    write_json(entry_path, jsonable(entry))
    return json.loads(entry_path.read_text()), pd.read_csv(rows_path)


EPISODE_COLUMNS = ("training", "seed", "coin_placement", "level_seed", "coin_collected", "reached_end", "died",
                   "timed_out", "steps", "max_x", "end_x", "coin_x", "coin_y", "reached_coin_column",
                   "misgeneralized", "coin_cell_hits", "passed_coin_column", "good", "good_passed")


def _time_to(history: list[dict], key: str, threshold: float):
    reached = [h["time_s"] for h in history if h.get(key, float("nan")) >= threshold]
    return reached[0] if reached else None


def headline_summaries(episodes) -> dict:
    """The headline manifest's summaries from its episode table (one row per agent x coin
    placement x level): per training set ("headline", "control"), rates over seeds with the
    statistics policy's interval (``stats.seed_mean_ci``: t over seeds, crossed with levels), and
    the paired difference reached end - coin on good levels the agent passed."""
    from goalmisgen.analysis.evaluation import paired_summary, seeds_summary

    outcomes = ("coin_collected", "reached_end", "died")
    summaries = {}
    for name in sorted(set(episodes["training"])):
        rows = episodes[episodes["training"] == name]
        end, moved = rows[rows["coin_placement"] == "end"], rows[rows["coin_placement"] == "random"]
        summaries[name] = {
            "coin_at_end": seeds_summary(end, "coin_collected", interval="policy"),
            "moved_coin_all_levels": {m: seeds_summary(moved, m, interval="policy") for m in outcomes},
            "moved_coin_good_passed": {m: seeds_summary(moved, m, "good_passed", interval="policy") for m in outcomes},
            "moved_coin_good": {m: seeds_summary(moved, m, "good", interval="policy") for m in outcomes},
            "end_minus_coin_good_passed": paired_summary(moved, "reached_end", "coin_collected", "good_passed",
                                                         interval="policy"),
        }
    return summaries


def resummarize_headline(folder: Path | str = DATA / "coinrun_headline") -> dict:
    """Recompute the summaries of ``folder/manifest.json`` from its ``episodes.csv`` with
    :func:`headline_summaries` (no game is played), say so in the manifest, and write it back."""
    import pandas as pd

    path = Path(folder) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["summaries"] = jsonable(headline_summaries(pd.read_csv(Path(folder) / manifest["episodes_file"])))
    manifest["summaries_made"] = (
        f"recomputed from {manifest['episodes_file']} on {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC by "
        "goalmisgen.experiments.headline.headline_summaries (the statistics policy's interval; a rate that is 0 or 1 on every "
        "level gets the Wilson interval over its levels); the plays are those of the evaluation made on the date in `created`")
    write_json(path, manifest)
    return manifest


def headline(out_dir: Path | str = DATA / "coinrun_headline", work_dir: Path | str | None = None,
             n_levels: int = HEADLINE_LEVELS, steps: int = HEADLINE_STEPS, progress: bool = True) -> dict:
    """The first chapter's experiment: ``len(HEADLINE_SEEDS)`` agents trained with the coin at the
    end and ``len(CONTROL_SEEDS)`` positive-control agents trained with the coin at random, each
    evaluated on ``n_levels`` held-out levels (seeds from ``HELD_OUT_START``) with the coin at the
    end and moved, with both good-level filters; the layout overlap of each training run with the
    evaluation levels; summaries over seeds (``headline_summaries``).

    Agents are trained and evaluated one at a time in ``work_dir`` (default ``out_dir/work``) by
    :func:`prepare_agent`, so a rerun resumes; an agent or evaluation already there is used as it
    is. Writes ``{training}_seed{S}.pt``, ``episodes.csv`` (one row per agent x placement x level)
    and ``manifest.json`` into ``out_dir``. Returns the manifest.
    """
    import shutil

    import pandas as pd

    out = Path(out_dir)
    work = Path(work_dir) if work_dir is not None else out / "work"
    work.mkdir(parents=True, exist_ok=True)
    sets = {"headline": HEADLINE_SEEDS, "control": CONTROL_SEEDS}
    entries, tables = [], []
    for name, seeds in sets.items():
        for seed in seeds:
            entry, rows = prepare_agent(work, name, seed, n_levels=n_levels, steps=steps, progress=progress)
            path = out / entry["file"]
            if (work / entry["file"]).resolve() != path.resolve():
                shutil.copyfile(work / entry["file"], path)
            entries.append({"file": entry["file"], "size_bytes": path.stat().st_size,
                            **{k: v for k, v in entry.items() if k != "file"}})
            tables.append(rows)
    if work_dir is None:
        shutil.rmtree(work)
    episodes = bools_as_int8(pd.concat(tables, ignore_index=True)[list(EPISODE_COLUMNS)])
    episodes.to_csv(out / "episodes.csv", index=False, float_format="%.3g")
    summaries = headline_summaries(episodes)
    description = (f"CoinRun-grid agents trained for {steps:,} steps with the coin at the end (headline, seeds "
                   f"{list(HEADLINE_SEEDS)}) and with the coin at random on every level (positive control, seeds "
                   f"{list(CONTROL_SEEDS)}), evaluated on held-out levels {HELD_OUT_START}..{HELD_OUT_START + n_levels - 1} "
                   f"with the coin at the end and moved, good-level filters from {HEADLINE_FILTER_RUNS} unmodified plays. "
                   "Headline seeds 0-4 and controls 0-2 were trained on 2026-11-27, the others on 2026-12-06, all with "
                   "HEADLINE_PPO (each agent's config is recorded below).")
    estimand = ("mean over training seeds of each seed's rate over its levels; 95% intervals from goalmisgen.analysis.stats"
                " (see summaries' 'interval'); rates per agent have Wilson intervals")
    return write_manifest(out, "headline", "python -m goalmisgen regenerate headline", (description, estimand),
                          provenance(f"{platform.machine()}, {torch.get_num_threads()} torch threads"), "episodes.csv",
                          n_levels=n_levels,
                          evaluation_wall_time_s=sum(e["evaluation_wall_time_s"] for e in entries),
                          summaries=summaries, agents=entries)
