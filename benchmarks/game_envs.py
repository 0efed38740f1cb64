"""Environment throughput of the three grid games (random actions, auto-reset), as in the
benchmark table's CoinRun-grid rows.

Run:  .venv/bin/python benchmarks/game_envs.py
Writes benchmarks/game_envs.json and benchmarks/GAME_ENVS.md. Timings are wall-clock on whatever
machine runs this; keep it otherwise idle, and the load average is recorded with the numbers.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from goalmisgen.envs import make_vec_env
from goalmisgen.experiments.maze import MAZE_OPTIONS

HERE = Path(__file__).parent
GAMES = {
    "CoinRun-grid": ("coinrun", {}),
    "Maze (centred view, as the shipped agents)": ("maze", dict(MAZE_OPTIONS)),
    "Maze (full view)": ("maze", {}),
    "Keys and Chests": ("keys-chests", {}),
}


def steps_per_s(family: str, options: dict, num_envs: int, seconds: float = 3.0) -> float:
    env = make_vec_env(family, num_envs, **options)
    env.reset(seed=0)
    n_actions = int(env.single_action_space.n)
    actions = np.random.default_rng(0).integers(0, n_actions, size=(64, num_envs))
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            env.step(a)
        steps += actions.size
    return steps / (time.perf_counter() - start)


def main() -> None:
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "numpy": np.__version__,
           "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_before": os.getloadavg()[0], "rows": []}
    for name, (family, options) in GAMES.items():
        for n in (1, 64, 1024):
            out["rows"].append({"game": name, "num_envs": n, "steps_per_s": steps_per_s(family, options, n)})
    out["load_after"] = os.getloadavg()[0]
    (HERE / "game_envs.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = ["# Grid games: environment steps/s", "",
             f"Measured {out['measured']} on {out['machine']}, numpy {out['numpy']}, with `python benchmarks/game_envs.py` "
             f"(load average {out['load_before']:.1f} before, {out['load_after']:.1f} after; random actions, auto-reset; "
             "target from issue 11: >= 1M steps/s at 1024 envs).", "",
             "| game | envs | steps/s |", "|---|---|---|"]
    lines += [f"| {r['game']} | {r['num_envs']} | {r['steps_per_s']:,.0f} |" for r in out["rows"]]
    (HERE / "GAME_ENVS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
