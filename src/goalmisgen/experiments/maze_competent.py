"""Competent Maze agents (issue 24): a network and budget under which a Maze agent solves its
training mazes, found with a one-seed pilot, and the region sweep to run on the sweep runner once
the pilot has passed.

The shipped Maze agents (data/maze, data/maze_regions: MLP of width 128, 2M steps) reach the cheese
in only about half of their training mazes, so what they do at decision squares measures mostly
navigation skill. Here the same game and view are trained longer and wider, in **chunks** of
``CHUNK_STEPS`` environment steps: each chunk is one ``ppo.train`` call warm-started from the last
chunk's weights (the optimizer starts fresh at each chunk) and saved, so a run that is stopped
resumes at its last finished chunk. After each chunk the agent plays ``PILOT_LEVELS`` held-out
mazes of its training distribution; the run stops once its cheese rate reaches ``COMPETENT_MIN``
(or at ``MAX_STEPS``).

Pilot (one seed, the hardest region, k = 15: the cheese anywhere)::

    python -m goalmisgen.experiments.maze_competent pilot      # trains (resumes); writes data/maze_competent/pilot.json
    python -m goalmisgen.experiments.maze_competent snapshot   # writes pilot.json from the chunks done so far

Sweep (``sweep_configs``: k = 1, 2, 3, 5, 8, 15; 5 seeds for k = 1, 5, 15, 3 for the others), one
trial per agent on ``goalmisgen.sweeps`` (local process pool or Ray)::

    python -m goalmisgen.experiments.maze_competent sweep --workers 16
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from goalmisgen.agents import PPOConfig, agent_from_result, load_agent, save_agent
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, RUNS, SweepRunner
from goalmisgen.files import write_json

COMPETENT_OPTIONS = {"view": "centred", "view_radius": 14}
"""The view of the shipped agents: an agent-centred window that shows the whole maze from every square."""
COMPETENT_NETWORK = {"network": "mlp", "hidden": 256}
"""Twice the shipped agents' width."""
CHUNK_STEPS = 262_144
"""Environment steps per chunk (32 PPO rollouts of 256 envs x 32 steps): small, so that a run on a
shared machine loses little when it is stopped."""
SIZE_SCHEDULE = (7, 7, 11, 11)
"""Largest maze side of the first chunks; every later chunk trains on mazes of side 5 to 15."""
MAX_STEPS = 64 * CHUNK_STEPS
"""Budget of one agent: at most 64 chunks (about 16.8M steps)."""
COMPETENT_MIN = 0.9
"""Cheese rate on held-out training-distribution mazes (side 5 to 15) at which a run stops: competent."""
PILOT_LEVELS = 300
"""Held-out mazes played after each chunk."""
SWEEP_REGIONS = {1: 5, 2: 3, 3: 3, 5: 5, 8: 3, 15: 5}
"""Cheese region k -> seeds of the sweep (5 for k = 1, 5, 15)."""
PILOT = {"cheese_region": 15, "seed": 0}
"""The pilot: the cheese anywhere (the hardest training task and the control), seed 0."""


def chunk_config(cheese_region: int, seed: int, chunk: int) -> PPOConfig:
    """The PPOConfig of chunk ``chunk`` of agent (k, seed): the shipped agents' PPO settings,
    ``COMPETENT_NETWORK``, mazes up to ``SIZE_SCHEDULE[chunk]`` (then 15), the chunk's own seed."""
    size = SIZE_SCHEDULE[chunk] if chunk < len(SIZE_SCHEDULE) else 15
    options = {**COMPETENT_OPTIONS, "max_size": size, "cheese_region": min(int(cheese_region), size)}
    return PPOConfig(env="maze", env_options=options, seed=int(seed) * 1000 + chunk, total_steps=CHUNK_STEPS,
                     **COMPETENT_NETWORK)


def cheese_rate(agent, cheese_region: int, n_levels: int = PILOT_LEVELS, seed: int = 0) -> dict:
    """The agent's cheese rate (Wilson CI) on held-out mazes of side 5 to 15 with the cheese in its
    training region (``HELD_OUT_START`` onwards)."""
    from goalmisgen.analysis.evaluate import play_game_levels
    from goalmisgen.analysis.stats import rate_ci

    seeds = np.arange(HELD_OUT_START, HELD_OUT_START + n_levels)
    played = play_game_levels(agent, seeds, shift="train", options={"max_size": 15, "cheese_region": int(cheese_region)},
                              seed=seed)
    got = played["cheese_collected"].astype(bool)
    return {**rate_ci(int(got.sum()), len(got)), "by_size": {str(s): float(g.mean()) for s, g in got.groupby(played["maze_size"])}}


def train_competent(cheese_region: int, seed: int, work_dir: Path | str, max_steps: int = MAX_STEPS,
                    progress: bool = True) -> dict:
    """Train agent (k, seed) chunk by chunk in ``work_dir`` (resuming at the last saved chunk) until
    its held-out cheese rate reaches ``COMPETENT_MIN`` or ``max_steps``; returns the log
    (``log.json`` in ``work_dir``: per chunk the steps so far, wall time and cheese rate)."""
    from goalmisgen.agents import train

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "log.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else {"cheese_region": int(cheese_region),
                                                                       "seed": int(seed), "chunks": []}
    initial = load_agent(work / f"chunk{len(log['chunks']) - 1}.pt") if log["chunks"] else None
    while True:
        done = log["chunks"]
        if done and (done[-1]["cheese"]["mean"] >= COMPETENT_MIN or done[-1]["steps"] >= max_steps):
            break
        chunk = len(done)
        config = chunk_config(cheese_region, seed, chunk)
        start = time.perf_counter()
        result = train(config, progress=progress, initial=initial)
        wall = time.perf_counter() - start
        save_agent(result, work / f"chunk{chunk}.pt")
        initial = agent_from_result(result)
        rate = cheese_rate(initial, cheese_region)
        done.append({"chunk": chunk, "max_size": config.env_options["max_size"],
                     "steps": (chunk + 1) * CHUNK_STEPS, "wall_time_s": wall, "cheese": rate})
        write_json(log_path, log)
    log["competent"] = log["chunks"][-1]["cheese"]["mean"] >= COMPETENT_MIN
    write_json(log_path, log)
    return log


def sweep_configs() -> list[dict]:
    """One trial config per agent of the region sweep (``SWEEP_REGIONS``)."""
    return [{"cheese_region": k, "seed": s} for k, n in SWEEP_REGIONS.items() for s in range(n)]


def sweep_trial(config: dict) -> dict:
    """One sweep trial (``goalmisgen.sweeps``): train agent (k, seed) to competence under
    ``RUNS/maze_competent`` and return its log."""
    k, seed = int(config["cheese_region"]), int(config["seed"])
    return train_competent(k, seed, RUNS / "maze_competent" / f"k{k}_seed{seed}", progress=False)


def pilot_record(log: dict, finished: bool) -> dict:
    """The pilot's record as ``data/maze_competent/pilot.json`` holds it: configuration and the log."""
    return {"command": "python -m goalmisgen.experiments.maze_competent pilot", "options": COMPETENT_OPTIONS,
            "network": COMPETENT_NETWORK, "chunk_steps": CHUNK_STEPS, "size_schedule": list(SIZE_SCHEDULE),
            "max_steps": MAX_STEPS, "competent_min": COMPETENT_MIN, "held_out_levels": PILOT_LEVELS,
            "finished": finished, **log}


def run_pilot(out_dir: Path | str = DATA / "maze_competent") -> dict:
    """Run (or resume) the pilot and write its log and configuration to ``out_dir/pilot.json``."""
    k, seed = PILOT["cheese_region"], PILOT["seed"]
    record = pilot_record(train_competent(k, seed, RUNS / "maze_competent" / f"k{k}_seed{seed}"), finished=True)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    write_json(Path(out_dir) / "pilot.json", record)
    return record


def snapshot_pilot(out_dir: Path | str = DATA / "maze_competent") -> dict:
    """Write ``out_dir/pilot.json`` from the chunks the pilot has finished so far, marked unfinished
    (``finished: false``) unless its stop rule has been met; trains nothing."""
    k, seed = PILOT["cheese_region"], PILOT["seed"]
    log = json.loads((RUNS / "maze_competent" / f"k{k}_seed{seed}" / "log.json").read_text())
    last = log["chunks"][-1]
    record = pilot_record(log, finished=last["cheese"]["mean"] >= COMPETENT_MIN or last["steps"] >= MAX_STEPS)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    write_json(Path(out_dir) / "pilot.json", record)
    return record


if __name__ == "__main__":
    if sys.argv[1:2] == ["pilot"]:
        print(json.dumps(run_pilot()["chunks"][-1], indent=1))
    elif sys.argv[1:2] == ["snapshot"]:
        print(json.dumps(snapshot_pilot()["chunks"][-1], indent=1))
    elif sys.argv[1:2] == ["sweep"]:
        workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else None
        records, wall = SweepRunner(workers=workers).run(sweep_trial, sweep_configs(), RUNS / "maze_competent" / "records")
        print(f"{len(records)} agents in {wall / 60:.0f} min")
    else:
        raise SystemExit("usage: python -m goalmisgen.experiments.maze_competent pilot | snapshot | sweep [--workers N]")
