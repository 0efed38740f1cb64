"""Chapter 3's capability without the proxy: every shipped CoinRun-grid headline, Maze (k = 1 and
k = 5) and Keys and Chests agent played on held-out levels where its game's intended goal and proxy
coincide, each episode judged by the game's ``CapabilitySpec`` (solved within twice the fewest
steps), so the chapter reads the plays instead of making them
(``python -m goalmisgen regenerate capability``, data/capability)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from goalmisgen.experiments.common import DATA, bools_as_int8, machine_provenance, write_manifest

CAPABILITY_AGENTS = {"coinrun": "coinrun_headline/headline_seed*.pt", "maze_k5": "maze/maze_k5_seed*.pt",
                     "maze_k1": "maze/maze_k1_seed*.pt", "keys-chests": "keys_chests/keys_chests_seed*.pt"}
"""Group -> the shipped agents it plays (data/ paths; the seed is the file's order)."""
CAPABILITY_LEVELS = 200
"""Held-out capability levels per agent (level seeds from ``HELD_OUT_START``)."""
CAPABILITY_COLUMNS = ("group", "env", "seed", "level_seed", "steps", "fewest_steps", "solved", "capable_without_proxy")


def capability(out_dir: Path | str = DATA / "capability", n_levels: int = CAPABILITY_LEVELS) -> dict:
    """Play every agent of ``CAPABILITY_AGENTS`` on ``n_levels`` capability levels; write
    ``episodes.csv.gz`` (``CAPABILITY_COLUMNS``: ``solved`` = the intended goal reached at any speed)
    and ``manifest.json`` into ``out_dir``. Returns the manifest."""
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.capability import capability_levels
    from goalmisgen.analysis.evaluation import seeds_summary
    from goalmisgen.envs import goal_spec

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = []
    for group, pattern in CAPABILITY_AGENTS.items():
        for seed, path in enumerate(sorted(DATA.glob(pattern))):
            agent = load_agent(path)
            t = capability_levels(agent, n_levels=n_levels)
            rows.append(t.assign(group=group, env=agent.env, seed=seed, solved=t[goal_spec(agent.env).intended].astype(bool)))
    table = bools_as_int8(pd.concat(rows, ignore_index=True)[list(CAPABILITY_COLUMNS)])
    wall = time.perf_counter() - start
    table.to_csv(out / "episodes.csv.gz", index=False)
    summaries = {g: {m: seeds_summary(part, m) for m in ("solved", "capable_without_proxy")}
                 for g, part in table.groupby("group")}
    texts = ("Each shipped agent played once (actions sampled, seed 0) on held-out levels where its game's goals "
             "coincide (CoinRun-grid: coin at the end; Maze: cheese in the corner; Keys and Chests: as many keys as "
             "chests), judged by the game's CapabilitySpec: solved within twice the fewest steps.",
             "per group: mean over seeds of each seed's rate over the levels, 95% CIs resampling seeds and levels jointly")
    return write_manifest(out, "capability", "python -m goalmisgen regenerate capability", texts, machine_provenance(),
                          "episodes.csv.gz", n_levels=n_levels, agents=CAPABILITY_AGENTS, play_wall_time_s=wall,
                          summaries=summaries)

