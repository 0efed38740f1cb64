"""Chapter 6's level curricula: CoinRun-grid agents trained on levels from domain randomization or
prioritized level replay, with few distinguishing levels (``python -m goalmisgen regenerate
curriculum-sweep``, data/curriculum_sweep)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from goalmisgen.agents import PPOConfig, train
from goalmisgen.analysis.replication import new_seed_agreement
from goalmisgen.analysis.stats import pooled_seed_sd
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, RUNS, SweepRunner, check_trial_config, sweep_provenance, write_manifest
from goalmisgen.experiments.randomization_sweep import (LEARNED_MIN_TRAIN_COIN, LEARNED_RULE, SWEEP_LEVEL_COLUMNS,
                                                        CoinGrid, coin_trial_output, fraction_summary,
                                                        randomization_configs)

CURRICULUM_FRACTIONS = (0.0, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005)
"""Fractions alpha of distinguishing levels (coin not at the end) for chapter 6. Lower than the 2025
study's grid: in our game domain randomization already moves the coin rate on good levels from
0.05 (alpha = 0) to 0.29 over all runs at alpha = 0.5% (data/randomization_sweep), so the range
where a curriculum could help lies below 0.5%."""
CURRICULUM_SAMPLERS = ("dr", "plr")


def curriculum_configs(samplers=CURRICULUM_SAMPLERS, grid: CoinGrid = CoinGrid(fractions=CURRICULUM_FRACTIONS)) -> list[dict]:
    """One ``curriculum_trial`` config per (sampler, fraction, seed of ``grid``), samplers outermost."""
    from goalmisgen.validation import check_choice

    samplers = [check_choice("curriculum", c, CURRICULUM_SAMPLERS) for c in samplers]
    if not samplers:
        raise ValueError(f"samplers={samplers!r} is not allowed: name at least one of {list(CURRICULUM_SAMPLERS)}")
    base = randomization_configs(grid)
    return [{"curriculum": c, **config} for c in samplers for config in base]


def curriculum_trial(config: dict):
    """Train one CoinRun-grid PPO agent whose training levels come from the level sampler
    ``config["curriculum"]`` ("dr" or "plr", default parameters of ``goalmisgen.curricula``), with
    the coin random on a fraction ``config["random_fraction"]`` of the training distribution's
    levels; evaluate it as ``randomization_trial`` does.

    Config keys: curriculum, random_fraction, seed, steps, n_levels, filter_runs.

    The result adds to ``randomization_trial``'s: ``curriculum``; ``distinguishing`` with
    ``steps`` / ``levels_played`` / ``share`` per PPO iteration (the share of distinguishing levels
    among the levels handed to the envs) and ``share_all`` / ``share_second_half`` (pooled over
    levels, over all iterations and over the second half of training).
    """
    from goalmisgen.validation import check_choice, check_float, check_int

    check_trial_config("curriculum_trial", config,
                       ("curriculum", "random_fraction", "seed", "steps", "n_levels", "filter_runs"))
    curriculum = check_choice("curriculum", config["curriculum"], CURRICULUM_SAMPLERS)
    fraction = check_float("random_fraction", config["random_fraction"], low=0.0, high=1.0)
    check_int("n_levels", config["n_levels"], low=1, high=100_000)
    check_int("filter_runs", config["filter_runs"], low=1, high=100)
    env_options = {"coin_placement": "end", "random_fraction": fraction}
    start = time.perf_counter()
    result = train(PPOConfig(total_steps=config["steps"], seed=config["seed"], env_options=env_options,
                             level_sampler=curriculum), progress=False)
    train_s = time.perf_counter() - start
    return coin_trial_output(result, config, train_s,
                             extra={"curriculum": curriculum, "distinguishing": distinguishing_history(result.history)})


def distinguishing_history(history: list[dict]) -> dict:
    """What a level sampler handed out over training (PPO history rows with ``levels_played`` and
    ``distinguishing_share``): per-iteration lists and the pooled shares over all iterations and
    over the second half (None where no level was handed out: records are strict JSON)."""
    steps = [int(h["steps"]) for h in history]
    played = np.array([h["levels_played"] for h in history], dtype=float)
    share = np.array([h["distinguishing_share"] for h in history], dtype=float)
    hits = np.where(played > 0, np.nan_to_num(share) * played, 0.0)

    def pooled(rows) -> float:
        n = played[rows].sum()
        return float(hits[rows].sum() / n) if n else None

    return {"steps": steps, "levels_played": played.astype(int).tolist(), "share": [float(x) if n > 0 else None for x, n in zip(share, played)],
            "share_all": pooled(slice(None)), "share_second_half": pooled(slice(len(history) // 2, None))}


CURRICULUM_SWEEP_FRACTIONS = (0.0, 0.0001, 0.0005, 0.001, 0.005, 0.01)
"""The alphas of the shipped chapter-6 sweep: 0, where no sampler can help; 0.01% to 0.1%, where
domain randomization leaves the agents on the proxy; 0.5% and 1%, where it moves them (chapter 2)."""
CURRICULUM_SHIP_SEEDS = (0,)
"""Seeds whose curriculum-sweep agents are shipped in data/ (all of them would be 15 MB)."""
CURRICULUM_COLUMNS = ("curriculum", "random_fraction", "seed", "level_seed", *SWEEP_LEVEL_COLUMNS)
"""Columns of data/curriculum_sweep/episodes.csv.gz (one row per trial x held-out level)."""


def _reusable_trials(reuse: Path | None, configs: list[dict]) -> dict:
    """Domain-randomization configs the randomization sweep in ``reuse`` already ran with the same
    settings: {(fraction, seed): its trial entry}. PPO's default level source is domain
    randomization, bit for bit (tests/test_curricula.py), so those agents are these trials."""
    if reuse is None or not (Path(reuse) / "manifest.json").is_file():
        return {}
    shipped = json.loads((Path(reuse) / "manifest.json").read_text())["trials"]
    found = {}
    for c in configs:
        if c["curriculum"] != "dr":
            continue
        for t in shipped:
            if {k: t["config"][k] for k in ("random_fraction", "seed", "steps", "n_levels", "filter_runs")} == \
                    {k: c[k] for k in ("random_fraction", "seed", "steps", "n_levels", "filter_runs")}:
                found[(c["random_fraction"], c["seed"])] = t
    return found


def curriculum_summaries(episodes, trials: list[dict]) -> dict:
    """Per sampler and alpha (keys like "plr/0.001"): the rates over seeds with levels resampled
    jointly, over runs that learned their training task and over all runs (``LEARNED_RULE``); per
    alpha (keys like "0.001"): PLR minus domain randomization on the coin rate on good levels, over
    learned runs (seeds resampled within each sampler, levels shared: ``group_difference_ci``)."""
    from goalmisgen.analysis.evaluation import seeds_matrix
    from goalmisgen.analysis.stats import group_difference_ci

    learned = {(t["config"]["curriculum"], t["config"]["random_fraction"], t["config"]["seed"]) for t in trials
               if t["train_metrics"]["coin_rate"] >= LEARNED_MIN_TRAIN_COIN}
    keep = np.array([k in learned for k in zip(episodes["curriculum"], episodes["random_fraction"], episodes["seed"])])
    groups, differences = {}, {}
    for (sampler, p), rows in episodes.groupby(["curriculum", "random_fraction"], sort=True):
        kept = rows[keep[rows.index]]
        groups[f"{sampler}/{p:g}"] = {"curriculum": sampler, "random_fraction": float(p),
                                      "runs": int(rows["seed"].nunique()), "runs_learned": int(kept["seed"].nunique()),
                                      "learned": fraction_summary(kept), "all_runs": fraction_summary(rows)}
    for p in sorted(set(episodes["random_fraction"])):
        at_p = (episodes["random_fraction"] == p).to_numpy() & keep
        by = {s: episodes[at_p & (episodes["curriculum"] == s).to_numpy()] for s in CURRICULUM_SAMPLERS}
        if all(len(r) for r in by.values()):
            differences[f"{p:g}"] = group_difference_ci(seeds_matrix(by["plr"], "moved_coin_collected", "good"),
                                                        seeds_matrix(by["dr"], "moved_coin_collected", "good"))
    return {"groups": groups, "plr_minus_dr_coin_good": differences}


def curriculum_sweep(out_dir: Path | str = DATA / "curriculum_sweep", records_dir: Path | str | None = None,
                     grid: CoinGrid = CoinGrid(fractions=CURRICULUM_SWEEP_FRACTIONS),
                     reuse: Path | str | None = DATA / "randomization_sweep", ship_seeds=CURRICULUM_SHIP_SEEDS,
                     runner: SweepRunner = SweepRunner(),
                     command: str = "python -m goalmisgen regenerate curriculum-sweep") -> dict:
    """Chapter 6's sweep: ``curriculum_trial`` for both level samplers x every alpha x seed of
    ``grid``, run by ``runner`` (records in ``records_dir``, default ``runs/curriculum_sweep``, so
    it resumes).

    Domain-randomization trials that the randomization sweep in ``reuse`` already ran with the
    same settings are taken from it instead of retrained (PPO's default level source is domain
    randomization); the first of them is retrained anyway and the manifest says whether its
    per-level outcomes match the shipped ones exactly. Reused trials have no replay history: a
    domain-randomization share is alpha by construction.

    Writes into ``out_dir``: ``agents/{dr,plr}_random{P}pc_seed{S}.pt`` for the agents trained here
    with a seed in ``ship_seeds`` (the others stay in ``records_dir``; their trial's ``agent`` is
    None), ``episodes.csv.gz`` (``CURRICULUM_COLUMNS``) and ``manifest.json`` (configs, per-trial
    counts and replay shares, summaries, provenance, wall times). Returns the manifest.

    Cost: a 3M-step trial took 150 s of one idle core (2026-11-28, 2-core machine), so the 46
    trials the default grid runs (15 domain-randomization trials are reused) take about an hour
    with 2 workers.
    """
    import pandas as pd

    from goalmisgen.analysis.stats import rate_ci
    from goalmisgen.curricula import PLR_DEFAULTS

    configs = curriculum_configs(CURRICULUM_SAMPLERS, grid)
    reused = _reusable_trials(Path(reuse) if reuse is not None else None, configs)
    check = next(iter(reused), None)  # one reused trial is retrained to show the reuse is exact
    to_run = [c for c in configs if c["curriculum"] != "dr" or (c["random_fraction"], c["seed"]) not in reused
              or (c["random_fraction"], c["seed"]) == check]
    records_dir = Path(records_dir) if records_dir is not None else RUNS / "curriculum_sweep"
    out = Path(out_dir)
    records, sweep_wall = runner.run(curriculum_trial, to_run, records_dir)
    by_config = {(r["config"]["curriculum"], r["config"]["random_fraction"], r["config"]["seed"]): r for r in records}

    shutil.rmtree(out / "agents", ignore_errors=True)
    (out / "agents").mkdir(parents=True)
    shipped_rows = pd.read_csv(Path(reuse) / "episodes.csv") if reused else None
    tables, trials, reproduction = [], [], None
    for c in configs:
        key = (c["curriculum"], c["random_fraction"], c["seed"])
        fresh = by_config.get(key)
        if fresh is not None:
            res = fresh["result"]
            name = f"{c['curriculum']}_random{100 * c['random_fraction']:g}pc_seed{c['seed']}.pt"
            shipped = c["seed"] in ship_seeds and (key[0] != "dr" or key[1:] not in reused)  # the check agent is chapter 2's
            if shipped:
                shutil.copyfile(records_dir / fresh["key"] / "agent.pt", out / "agents" / name)
            levels = {k: res["per_level"][k] for k in SWEEP_LEVEL_COLUMNS}
            trial = {"key": fresh["key"], "agent": f"agents/{name}" if shipped else None, "run": fresh["run"],
                     "source": "trained here",
                     "distinguishing": res["distinguishing"],
                     **{k: res[k] for k in ("train_metrics", "coin_at_end", "moved_all", "moved_good")}}
        if key[1:] in reused and key[0] == "dr":
            old = reused[key[1:]]
            rows = shipped_rows[(shipped_rows["random_fraction"] == c["random_fraction"])
                                & (shipped_rows["seed"] == c["seed"])]
            shipped_levels = {k: rows[k].astype(int).tolist() for k in SWEEP_LEVEL_COLUMNS}
            if fresh is not None:
                reproduction = {"config": c, "identical": shipped_levels == levels,
                                "levels_differing": int(sum(a != b for k in SWEEP_LEVEL_COLUMNS
                                                            for a, b in zip(shipped_levels[k], levels[k]))),
                                "fresh_moved_coin": float(np.mean(levels["moved_coin_collected"]))}
            levels = shipped_levels
            trial = {"agent": f"../{Path(reuse).name}/{old['agent']}", "source": f"data/{Path(reuse).name}",
                     "distinguishing": None,
                     **{k: old[k] for k in ("train_metrics", "coin_at_end", "moved_all", "moved_good")}}
        good = trial["moved_good"]
        trial.update(config=c, coin_on_good=rate_ci(good["coin_collected"], good["n"]),
                     end_on_good=rate_ci(good["reached_end"], good["n"]))
        trials.append(trial)
        tables.append(pd.DataFrame({"curriculum": c["curriculum"], "random_fraction": c["random_fraction"],
                                    "seed": c["seed"], "level_seed": HELD_OUT_START + np.arange(c["n_levels"]),
                                    **levels}))
    if reproduction is not None:  # on another machine the retrained agent is one more seed of its alpha
        by_alpha = {}
        for t in trials:
            if t["config"]["curriculum"] == "dr":
                by_alpha.setdefault(t["config"]["random_fraction"], []).append(
                    t["moved_all"]["coin_collected"] / t["moved_all"]["n"])
        spread = pooled_seed_sd(list(by_alpha.values()))
        fresh_rate = reproduction.pop("fresh_moved_coin")
        reproduction["agreement"] = (new_seed_agreement(fresh_rate, by_alpha[reproduction["config"]["random_fraction"]],
                                                        spread) if spread["df"] else None)
    episodes = pd.concat(tables, ignore_index=True)[list(CURRICULUM_COLUMNS)]
    episodes.to_csv(out / "episodes.csv.gz", index=False)
    description = (f"CoinRun-grid PPO agents trained for {grid.steps:,} steps with levels from domain randomization "
                   f"(dr) or prioritized level replay (plr, parameters {PLR_DEFAULTS}), the coin random on a fraction "
                   f"alpha of the training distribution's levels (alpha in "
                   f"{[f'{100 * p:g}%' for p in sorted(set(grid.fractions))]}, seeds {list(grid.seeds)}), each "
                   f"evaluated on held-out levels {HELD_OUT_START}..{HELD_OUT_START + grid.n_levels - 1} with the coin "
                   f"at the end and moved; good levels from {grid.filter_runs} unmodified plays.")
    estimand = ("per sampler and alpha: mean over training seeds of each seed's rate over its (good) levels; 95% "
                "CIs resample seeds and levels jointly; PLR - DR: seeds resampled within each sampler, levels shared")
    reuse_record = {"from": f"data/{Path(reuse).name}" if reused else None, "trials": len(reused),
                    "rule": "domain-randomization trials with the same alpha, seed, steps, levels and filter come from "
                            "the randomization sweep; the first is retrained here as a check (identical on the machine "
                            "that made the randomization sweep; agreement: its moved-coin rate against the 99% "
                            "prediction interval of its alpha's seeds, their spread pooled over every alpha)",
                    "reproduction": reproduction}
    return write_manifest(
        out, "curriculum-sweep", command, (description, estimand), sweep_provenance(runner, sweep_wall, records),
        "episodes.csv.gz", sized=False, reuse=reuse_record, n_levels=grid.n_levels,
        agents_shipped=f"the agents trained here with seed {list(ship_seeds)} (agents/); the other trained agents "
                       f"stay in the sweep's records folder ({records_dir.name}/<key>/agent.pt), reused ones are in "
                       "data/randomization_sweep/agents",
        learned_rule=LEARNED_RULE, summaries=curriculum_summaries(episodes, trials), trials=trials)
