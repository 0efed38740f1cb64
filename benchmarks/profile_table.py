"""Where the time goes: cProfile tables of one short PPO run (CoinRun-grid, default config) and of
env.step at 1024 envs (CoinRun-grid, and the Maze's centred view as the shipped agents see it).

Run:  python benchmarks/profile_table.py            (prints markdown tables: the functions with the
                                                     most own time, as shares of the total)
Run it with PYTHONPATH set to another checkout's src/ to profile that version.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys

import numpy as np
import torch

from goalmisgen.agents import PPOConfig, train
from goalmisgen.envs import make_vec_env
from goalmisgen.experiments.maze import MAZE_OPTIONS


def _name(func: tuple) -> str:
    path, line, name = func
    if path == "~":
        return name.strip("<>")
    parts = path.split(os.sep)
    short = "/".join(parts[parts.index("goalmisgen"):]) if "goalmisgen" in parts else parts[-1]
    return f"{short}:{line}({name})"


def table(profile: cProfile.Profile, title: str, rows: int = 10) -> list[str]:
    stats = pstats.Stats(profile)
    total = stats.total_tt
    top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:rows]
    lines = [f"**{title}**: {total:.2f} s in all", "", "| function | calls | own time (s) | share |", "|---|---|---|---|"]
    lines += [f"| `{_name(f)}` | {v[1]} | {v[2]:.3f} | {v[2] / total:.0%} |" for f, v in top]
    return lines + [""]


def main() -> None:
    torch.set_num_threads(1)
    train(PPOConfig(total_steps=8192, seed=0), progress=False)  # warm-up: imports, first allocations
    profile = cProfile.Profile()
    profile.enable()
    result = train(PPOConfig(total_steps=8192 * 6, seed=0), progress=False)
    profile.disable()
    out = table(profile, f"PPO, 6 iterations of 256 envs x 32 steps ({result.metrics['steps_per_s']:,.0f} steps/s)")
    for label, family, options in (("CoinRun-grid", "coinrun", {}), ("Maze, centred view (R = 14)", "maze", MAZE_OPTIONS)):
        env = make_vec_env(family, 1024, **options)
        env.reset(seed=0)
        actions = np.random.default_rng(0).integers(0, int(env.single_action_space.n), size=(200, 1024))
        for a in actions[:20]:
            env.step(a)
        profile = cProfile.Profile()
        profile.enable()
        for a in actions:
            env.step(a)
        profile.disable()
        out += table(profile, f"{label}: env.step x 200 at 1024 envs, random actions", rows=8)
    print(f"load average {os.getloadavg()[0]:.1f}; torch {torch.__version__}; {sys.argv[0]}\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
