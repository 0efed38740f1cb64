"""Chapter 3's region-size sweep: Maze agents trained with the cheese in the top-right k x k
squares for growing k, to find where they start to pursue the cheese
(``python -m goalmisgen regenerate maze-regions``, data/maze_regions)."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goalmisgen.agents import load_agent
from goalmisgen.analysis.replication import new_seed_agreement, rerun_agreement
from goalmisgen.analysis.stats import pooled_seed_sd
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import (DATA, RUNS, SweepRunner, check_trial_config, checkpoint_bytes, clone_path,
                                           sweep_provenance, write_manifest)
from goalmisgen.experiments.maze import (MAZE_CURRICULUM, MAZE_LEVELS, MAZE_OPTIONS, MAZE_SEEDS, MAZE_STEPS,
                                         maze_agent_episodes, maze_curriculum, train_maze_agent, wilson)

MAZE_REGION_SWEEP = (1, 2, 3, 5, 8, 15)
"""Cheese regions k of the region-size sweep. Rooms sit on even coordinates, so k = 2 adds the
passages next to the corner room, k = 3 the three rooms beside it, k = 5 the nine rooms of the
top-right 5 x 5 squares. The region is the maze's own top-right k x k squares, so it covers the whole
of every maze whose side is at most k: k = 8 is "anywhere" on mazes of side 5 and 7 and about a
quarter of a 15 x 15 maze; k = 15 is "anywhere" on every maze (the cheese-anywhere control of the
orthogonality section). ``maze_region_share`` measures the share of squares each k covers."""
MAZE_REGION_COLUMNS = ("k", "seed", "shift", "level_seed", "maze_size", "cheese_collected", "reached_corner",
                       "navigated", "timed_out", "steps", "good", "cheese_in_region")
"""Columns of data/maze_regions/episodes.csv.gz (one row per agent x shift x held-out level);
``cheese_in_region``: the cheese lies in the agent's training region (always so under "train")."""
MAZE_TRAIN_METRICS = ("total_steps", "episodes", "intended_rate", "mean_return")
"""Training metrics a region-sweep trial keeps in its result."""
MAZE_REGION_PURSUIT_MIN = 0.5
MAZE_REGION_RULE = ("the cheese-pursuit threshold is the smallest k whose cheese rate on good test mazes (the cheese off "
                    f"the path to the corner, cheese anywhere) has a 95% CI lower end of at least {MAZE_REGION_PURSUIT_MIN}"
                    " (mean over seeds, seeds and levels resampled jointly); None if no k reaches it")
MAZE_REGION_AGENT_BYTES = 1_413_963
"""Size of one Maze MLP checkpoint (data/maze): twelve more would add about 17 MB, so the sweep's
new agents stay in runs/maze_regions and only their per-level rows and manifest are shipped."""


@dataclass(frozen=True)
class MazeRegionGrid:
    """The trials of the region-size sweep: every cheese region k x seed, each agent trained for
    ``steps`` and played on ``n_levels`` held-out mazes."""

    regions: tuple = MAZE_REGION_SWEEP
    seeds: tuple = MAZE_SEEDS
    steps: int = MAZE_STEPS
    n_levels: int = MAZE_LEVELS


def maze_region_configs(grid: MazeRegionGrid = MazeRegionGrid()) -> list[dict]:
    """One ``maze_region_trial`` config per (k, seed) of ``grid``, k outermost; ValueError naming
    the first bad value."""
    from goalmisgen.validation import check_int, check_seed

    regions = [check_int("cheese_region", k, low=1, high=15) for k in grid.regions]
    seeds = [check_seed(s) for s in grid.seeds]
    if not regions or not seeds:
        raise ValueError(f"regions={regions!r}, seeds={seeds!r} are not allowed: both must be non-empty")
    if len(set(regions)) != len(regions) or len(set(seeds)) != len(seeds):
        raise ValueError(f"regions={regions!r}, seeds={seeds!r} are not allowed: the values of each must differ")
    steps = check_int("steps", grid.steps, low=1)
    n_levels = check_int("n_levels", grid.n_levels, low=1, high=100_000)
    return [{"cheese_region": k, "seed": s, "steps": steps, "n_levels": n_levels} for k in regions for s in seeds]


def cheese_in_region(k: int, n_levels: int) -> np.ndarray:
    """(n_levels,) bool: on the held-out test mazes (cheese anywhere), whether the cheese lies in
    the maze's top-right k x k squares."""
    levels = _test_mazes(n_levels)
    far = levels.origin + levels.size - 1
    return (levels.cheese_x > far - k) & (levels.cheese_y > far - k)


@functools.lru_cache(maxsize=4)
def _test_mazes(n_levels: int):
    """The held-out test mazes (``MAZE_OPTIONS``, cheese anywhere) that ``maze_agent_episodes`` plays."""
    from goalmisgen.envs.maze import MazeOptions
    from goalmisgen.envs.maze.levels import generate_levels

    options = MazeOptions(**{**MAZE_OPTIONS, "cheese_placement": "anywhere"})
    seeds = np.arange(HELD_OUT_START, HELD_OUT_START + n_levels, dtype=np.int64)
    return generate_levels(seeds, options.min_size, options.max_size, options.cheese_placement, options.cheese_region)


def maze_region_share(k: int, n_levels: int = MAZE_LEVELS) -> float:
    """Mean over the held-out test mazes of the share of their cheese squares (open squares but
    the start) that lie in the top-right k x k squares: how often "cheese anywhere" already falls
    inside the training region of k."""
    levels = _test_mazes(n_levels)
    G = levels.wall.shape[1]
    ax = np.arange(G)
    far = levels.origin + levels.size - 1
    near = (ax[None, :] > (far - k)[:, None]) & (ax[None, :] <= far[:, None])
    candidates = ~levels.wall
    candidates[np.arange(len(far)), levels.origin, levels.origin] = False
    inside = (candidates & near[:, :, None] & near[:, None, :]).sum(axis=(1, 2))
    return float(np.mean(inside / candidates.sum(axis=(1, 2))))


def _maze_region_levels(table, k: int, n_levels: int) -> dict:
    """Per-shift per-level lists of a Maze agent's ``maze_agent_episodes`` table."""
    out = {}
    for shift in ("train", "test"):
        rows = table[table["shift"] == shift]
        levels = {c: rows[c].astype(int).tolist() for c in MAZE_REGION_COLUMNS[4:-1]}
        levels["cheese_in_region"] = ([1] * n_levels if shift == "train"
                                      else cheese_in_region(k, n_levels).astype(int).tolist())
        out[shift] = levels
    return out


def maze_region_trial(config: dict):
    """Train one Maze agent exactly as ``train_maze_agents`` does for cheese region
    ``config["cheese_region"]`` and seed ``config["seed"]`` (``config["steps"]`` steps through the
    size curriculum), then play it as ``maze`` does (``maze_agent_episodes``: ``config["n_levels"]``
    held-out levels, training options and cheese anywhere).

    Returns a ``sweeps.TrialOutput``: the result holds the training metrics and per-shift
    per-level lists (``MAZE_REGION_COLUMNS`` after ``level_seed``); the checkpoint (history and
    curriculum in its extras) comes back as ``agent.pt``."""
    from goalmisgen.agents import agent_from_result
    from goalmisgen.sweeps import TrialOutput
    from goalmisgen.validation import check_int

    check_trial_config("maze_region_trial", config, ("cheese_region", "seed", "steps", "n_levels"))
    k = check_int("cheese_region", config["cheese_region"], low=1, high=15)
    seed = check_int("seed", config["seed"], low=0)
    n_levels = check_int("n_levels", config["n_levels"], low=1, high=100_000)
    start = time.perf_counter()
    result, extras = train_maze_agent(k, seed, check_int("steps", config["steps"], low=1), progress=False)
    train_s = time.perf_counter() - start
    table = maze_agent_episodes(agent_from_result(result), k, seed, n_levels)
    out = {"train_metrics": {m: result.metrics[m] for m in MAZE_TRAIN_METRICS},
           "first_level": HELD_OUT_START, "per_level": _maze_region_levels(table, k, n_levels)}
    data = checkpoint_bytes(result, extras)
    return TrialOutput(out, files={"agent.pt": data},
                       timings={"train_s": train_s, "eval_s": time.perf_counter() - start - train_s})


def reusable_maze_agents(reuse: Path | None, configs: list[dict]) -> dict:
    """Configs whose agent the Maze experiment in ``reuse`` (data/maze) already trained and played
    with the same settings: {(k, seed): that agent's path}. Same settings: the same steps per
    agent, held-out levels, curriculum and env options (``MAZE_OPTIONS`` with that k), and the
    checkpoint is there."""
    if reuse is None or not (Path(reuse) / "manifest.json").is_file():
        return {}
    manifest = json.loads((Path(reuse) / "manifest.json").read_text())
    found = {}
    for c in configs:
        if manifest.get("steps_per_agent") != c["steps"] or manifest.get("n_levels") != c["n_levels"]:
            continue
        options = {**MAZE_OPTIONS, "cheese_region": c["cheese_region"], "max_size": MAZE_CURRICULUM[-1][0]}
        for entry in manifest.get("agents", []):
            path = Path(reuse) / entry["file"]
            if (entry["cheese_region"] == c["cheese_region"] and entry["seed"] == c["seed"]
                    and entry["config"]["env_options"] == options and entry["curriculum"] == maze_curriculum(c["steps"])
                    and path.is_file()):
                found[(c["cheese_region"], c["seed"])] = path
    return found


def maze_region_summaries(episodes, region_share: dict | None = None) -> dict:
    """Per k (keys like "k5"): the mean over seeds of each seed's rate, 95% CIs resampling seeds and
    levels jointly (``seeds_summary``): training-distribution cheese rate; under the shift (cheese
    anywhere) cheese and corner rates on all test mazes, on good ones (cheese off the path to the
    corner) and on good ones whose cheese lies outside the training region; and the pursuit
    threshold (``MAZE_REGION_RULE``)."""
    from goalmisgen.analysis.evaluation import seeds_summary

    df = episodes.assign(good_outside=lambda d: d["good"].astype(bool) & ~d["cheese_in_region"].astype(bool))
    per_k = {}
    for k, rows in df.groupby("k", sort=True):
        train, test = rows[rows["shift"] == "train"], rows[rows["shift"] == "test"]
        per_k[f"k{int(k)}"] = {
            "cheese_region": int(k),
            "seeds": sorted(int(s) for s in rows["seed"].unique()),
            "region_share": None if region_share is None else region_share.get(int(k)),
            "train_cheese_collected": seeds_summary(train, "cheese_collected"),
            "train_navigated": seeds_summary(train, "navigated"),
            "test_cheese_collected": seeds_summary(test, "cheese_collected"),
            "test_reached_corner": seeds_summary(test, "reached_corner"),
            "test_navigated": seeds_summary(test, "navigated"),
            "test_good_cheese_collected": seeds_summary(test, "cheese_collected", "good"),
            "test_good_reached_corner": seeds_summary(test, "reached_corner", "good"),
            "test_good_navigated": seeds_summary(test, "navigated", "good"),
            "test_good_outside_cheese_collected": (seeds_summary(test, "cheese_collected", "good_outside")
                                                   if test["good_outside"].any() else None),
        }
    return {"per_k": per_k, "pursuit_threshold": maze_region_threshold(per_k)}


def maze_region_threshold(per_k: dict) -> dict:
    """The smallest k whose ``test_good_cheese_collected`` CI lower end is at least
    ``MAZE_REGION_PURSUIT_MIN`` (``MAZE_REGION_RULE``), or None."""
    ks = sorted(v["cheese_region"] for v in per_k.values())
    hit = [k for k in ks if per_k[f"k{k}"]["test_good_cheese_collected"]["ci_low"] >= MAZE_REGION_PURSUIT_MIN]
    return {"k": hit[0] if hit else None, "rule": MAZE_REGION_RULE, "min_ci_low": MAZE_REGION_PURSUIT_MIN}


def maze_regions(out_dir: Path | str = DATA / "maze_regions", records_dir: Path | str | None = None,
                 grid: MazeRegionGrid = MazeRegionGrid(), reuse: Path | str | None = DATA / "maze",
                 retrain_check: bool = True, runner: SweepRunner = SweepRunner(),
                 command: str = "python -m goalmisgen regenerate maze-regions") -> dict:
    """Chapter 3's region-size sweep: where does the Maze agent start to pursue the cheese?
    ``maze_region_trial`` for every cheese region k x seed of ``grid``, run by ``runner`` (records
    and the new agents in ``records_dir``, default ``runs/maze_regions``, so an interrupted sweep
    resumes).

    Agents that the Maze experiment in ``reuse`` (data/maze: k = 1 and 5) already trained with the
    same settings are not retrained: they are played again here (a cheap re-evaluation whose rows
    the manifest compares with the shipped ones). With ``retrain_check`` the first of them is also
    retrained on the runner, and the manifest says whether its per-level outcomes match exactly.

    Writes into ``out_dir``: ``episodes.csv.gz`` (``MAZE_REGION_COLUMNS``, one row per agent x shift
    x level) and ``manifest.json`` (configs, where each agent is, per-agent Wilson rates, per-k
    summaries with CIs over seeds and levels, the pursuit threshold, provenance, wall times). The new
    agents are not shipped (``MAZE_REGION_AGENT_BYTES``). Returns the manifest.

    Cost: one 2M-step Maze agent takes about 4 to 5 minutes of one core, so the default grid's 12
    new agents (and the retrained check) take about 35 minutes with 2 workers.
    """
    import pandas as pd

    from goalmisgen.validation import check_bool

    retrain_check = check_bool("retrain_check", retrain_check)
    configs = maze_region_configs(grid)
    reused = reusable_maze_agents(Path(reuse) if reuse is not None else None, configs)
    check = next(iter(reused), None) if retrain_check else None
    to_run = [c for c in configs if (c["cheese_region"], c["seed"]) not in reused
              or (c["cheese_region"], c["seed"]) == check]
    records_dir = Path(records_dir) if records_dir is not None else RUNS / "maze_regions"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records, sweep_wall = runner.run(maze_region_trial, to_run, records_dir) if to_run else ([], 0.0)
    by_config = {(r["config"]["cheese_region"], r["config"]["seed"]): r for r in records}
    shipped = pd.read_csv(Path(reuse) / "episodes.csv") if reused else None

    tables, trials, checks = [], [], []
    eval_start = time.perf_counter()
    for c in configs:
        key = (c["cheese_region"], c["seed"])
        if key in reused:
            agent = load_agent(reused[key])
            levels = _maze_region_levels(maze_agent_episodes(agent, *key, c["n_levels"]), key[0], c["n_levels"])
            rows = shipped[(shipped["k"] == key[0]) & (shipped["seed"] == key[1])]
            same = all(rows[rows["shift"] == shift][m].astype(int).tolist() == levels[shift][m]
                       for shift in ("train", "test") for m in ("cheese_collected", "reached_corner", "steps"))
            trial = {"agent": clone_path(reused[key]), "source": f"{Path(reuse).name} (re-evaluated here)",
                     "train_metrics": {m: agent.metrics[m] for m in MAZE_TRAIN_METRICS},
                     "matches_shipped_rows": same}
            trial["rerun_agreement"] = {
                f"{shift}_{m}": rerun_agreement(np.asarray(levels[shift][m], dtype=np.int64),
                                                rows[rows["shift"] == shift][m].to_numpy(dtype=np.int64))["verdict"]
                for shift in ("train", "test") for m in ("cheese_collected", "reached_corner")}
            fresh = by_config.get(key)
            if fresh is not None:
                diff = sum(a != b for shift in ("train", "test") for m in MAZE_REGION_COLUMNS[4:]
                           for a, b in zip(fresh["result"]["per_level"][shift][m], levels[shift][m]))
                checks.append({"config": c, "key": fresh["key"], "identical": diff == 0, "values_differing": int(diff),
                               "fresh_levels": fresh["result"]["per_level"]["test"]})
        else:
            fresh = by_config[key]
            levels = fresh["result"]["per_level"]
            trial = {"key": fresh["key"], "agent": clone_path(records_dir / fresh["key"] / "agent.pt"), "source": "trained here", "run": fresh["run"], "train_metrics": fresh["result"]["train_metrics"]}
        for shift in ("train", "test"):
            tables.append(pd.DataFrame({"k": key[0], "seed": key[1], "shift": shift,
                                        "level_seed": HELD_OUT_START + np.arange(c["n_levels"]),
                                        **{m: levels[shift][m] for m in MAZE_REGION_COLUMNS[4:]}}))
        test = tables[-1]
        good = test["good"].astype(bool)
        trial.update(config=c, train_cheese_collected=wilson(tables[-2]["cheese_collected"]),
                     test_good_cheese_collected=wilson(test.loc[good, "cheese_collected"]),
                     test_good_reached_corner=wilson(test.loc[good, "reached_corner"]))
        trials.append(trial)
    evaluation_wall = time.perf_counter() - eval_start
    by_k = {}
    for t in trials:
        if np.isfinite(t["test_good_cheese_collected"]["mean"]):  # NaN: no good maze among the levels
            by_k.setdefault(t["config"]["cheese_region"], []).append(t["test_good_cheese_collected"]["mean"])
    spread = pooled_seed_sd(list(by_k.values()))
    for check in checks:  # on another machine a retrained agent is one more seed: compare it with its k's seeds
        fresh_levels = check.pop("fresh_levels")
        good = np.asarray(fresh_levels["good"], dtype=bool)
        seeds = by_k.get(check["config"]["cheese_region"], [])
        check["agreement"] = (new_seed_agreement(float(np.asarray(fresh_levels["cheese_collected"])[good].mean()),
                                                 seeds, spread) if spread["df"] and seeds and good.any() else None)
    episodes = pd.concat(tables, ignore_index=True)[list(MAZE_REGION_COLUMNS)]
    episodes.to_csv(out / "episodes.csv.gz", index=False)
    share = {int(k): maze_region_share(int(k), grid.n_levels) for k in grid.regions}
    description = (f"Maze agents trained as data/maze's (MLP, {MAZE_OPTIONS}, {grid.steps:,} steps through the size "
                   f"curriculum {maze_curriculum(grid.steps)}) with the training cheese in the top-right k x k squares, "
                   f"k in {sorted(int(k) for k in grid.regions)}, seeds {list(grid.seeds)}; each played on held-out "
                   f"levels {HELD_OUT_START}..{HELD_OUT_START + grid.n_levels - 1} with its training options and with "
                   "the cheese anywhere. Good mazes: the cheese off the path to the corner.")
    estimand = ("per k: mean over seeds of each seed's rate over its (good) levels, 95% CIs resampling seeds and "
                "levels jointly; per agent: Wilson intervals")
    reuse_record = {"from": f"data/{Path(reuse).name}" if reused else None, "trials": len(reused),
                    "rule": "agents of data/maze with the same k, seed, steps, levels, curriculum and options are played "
                            "again instead of retrained (each trial's rerun_agreement: McNemar's test against data/maze's "
                            "rows); with retrain_check the first is also retrained here (identical on the machine that "
                            "made data/maze; agreement: its good-maze cheese rate against the 99% prediction interval "
                            "of its k's seeds, their spread pooled over every k)",
                    "retrained_check": checks[0] if checks else None}
    return write_manifest(
        out, "maze-regions", command, (description, estimand), sweep_provenance(runner, sweep_wall, records),
        "episodes.csv.gz", evaluation_wall_time_s=evaluation_wall, steps_per_agent=grid.steps, n_levels=grid.n_levels,
        agents_shipped=False,
        agents_note=(f"the agents trained here stay in {records_dir.name}/<key>/agent.pt under the runs folder (about "
                     f"{MAZE_REGION_AGENT_BYTES / 1e6:.1f} MB each, too large to ship); the reused ones are data/maze's"),
        reuse=reuse_record, region_share={f"k{k}": v for k, v in share.items()},
        summaries=maze_region_summaries(episodes, share), trials=trials)
