"""Chapter 3's critic probe at keys: every shipped Keys and Chests agent plays held-out rooms at the
test ratio while its critic is read at every step (``analysis.key_value_probe.key_pickups``); the
per-step jumps are shipped so the chapter reads them
(``python -m goalmisgen regenerate key-value-probe``, data/key_value_probe)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from goalmisgen.experiments.common import DATA, machine_provenance, write_manifest

PROBE_LEVELS = 300
"""Held-out rooms per agent (level seeds from ``HELD_OUT_START``), test ratio."""


def key_value_probe(out_dir: Path | str = DATA / "key_value_probe", n_levels: int = PROBE_LEVELS) -> dict:
    """Probe each ``data/keys_chests/keys_chests_seed*.pt`` agent; write ``steps.csv.gz`` (seed,
    level, t, kind, value_jump, return_jump; ordinary steps included) and ``manifest.json``."""
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.key_value_probe import key_pickups

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = [key_pickups(load_agent(path), n_levels=n_levels).assign(seed=seed)
            for seed, path in enumerate(sorted((DATA / "keys_chests").glob("keys_chests_seed*.pt")))]
    wall = time.perf_counter() - start
    table = pd.concat(rows, ignore_index=True)[["seed", "level", "t", "kind", "value_jump", "return_jump"]].round(5)
    table.to_csv(out / "steps.csv.gz", index=False)
    means = table.assign(excess=table["value_jump"] - table["return_jump"]).groupby(["seed", "kind"])["excess"].mean()
    texts = ("Each shipped Keys and Chests agent played once (actions sampled, seed 0) on held-out rooms at the test "
             "ratio (4 keys, 2 chests); at every step with a next state, the critic's change of value and the change "
             "of the discounted return that followed, by the step's kind (spare key, needed key, ordinary).",
             "per seed and kind: mean of (value jump - return jump) over that seed's steps of the kind")
    return write_manifest(out, "key-value-probe", "python -m goalmisgen regenerate key-value-probe", texts,
                          machine_provenance(), "steps.csv.gz", n_levels=n_levels, probe_wall_time_s=wall,
                          excess_jump={f"seed{s}": {k: float(v) for k, v in g.droplevel(0).items()}
                                       for s, g in means.groupby(level=0)})

