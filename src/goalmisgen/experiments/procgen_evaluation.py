"""The procgen CoinRun evaluations: a shipped procgen agent played with the Langosco protocol
(``python -m goalmisgen regenerate procgen`` and ``procgen-cpu``; data/procgen_coinrun and
data/procgen_coinrun_cpu). The agents themselves were trained by the commands in
``PROCGEN_AGENTS``."""

from __future__ import annotations

import os
from pathlib import Path

from goalmisgen.experiments.common import DATA

PROCGEN_AGENTS = {
    "gpu": {
        "folder": "procgen_coinrun",
        "file": "procgen_gpu_seed0.pt",
        "made_by": "bash tools/gpu_train_procgen.sh OUT 4.5 (on a GPU machine)",
        "trained_on": "one NVIDIA H200 GPU with 16 CPU cores (a lent device machine), torch 2.11.0+cu130, Python 3.12.3",
    },
    "cpu": {
        "folder": "procgen_coinrun_cpu",
        "file": "procgen_cpu_seed0.pt",
        "made_by": "python -m goalmisgen train procgen-coinrun --preset cpu --seed 0 --steps 100000000 "
                   "--max-minutes 40 --checkpoint-every 10 --out FIRST.pt; then python -m goalmisgen train "
                   "procgen-coinrun --preset cpu --seed 1 --steps 4200000 --max-minutes 90 --checkpoint-every 10 "
                   "--init-from FIRST.pt --out PATH",
        "trained_on": "a 2-core CPU machine without GPU, torch 2.13.0+cpu, Python 3.11.7 (both stages; the second "
                      "with the network in channels-last order)",
    },
}
"""The shipped procgen CoinRun agents: where they live, the command that made each, and where."""


def procgen_evaluation(which: str = "gpu", out_dir: Path | str | None = None, n_levels: int = 1000,
                       filter_runs: int = 3, workers: int | None = None) -> dict:
    """Evaluate a shipped procgen CoinRun agent (``PROCGEN_AGENTS[which]``, in ``out_dir``; default
    its data/ folder) with the Langosco protocol on levels 0 .. n_levels - 1, coin at the end and
    moved, in shards of 10 levels over ``workers`` processes (default: every core); writes
    ``episodes.csv`` and ``manifest.json`` next to it. 1000 levels took 11.5 minutes for the CPU
    agent on this 2-core machine and 2.6 minutes for the GPU agent with 7 processes on a 16-core
    machine (see their manifests)."""
    from goalmisgen.analysis.evaluate_procgen import write_procgen_evaluation

    if which not in PROCGEN_AGENTS:
        raise ValueError(f"which={which!r} is not allowed: which must be one of {sorted(PROCGEN_AGENTS)}")
    spec = PROCGEN_AGENTS[which]
    out = Path(out_dir) if out_dir is not None else DATA / spec["folder"]
    return write_procgen_evaluation(out / spec["file"], out, spec["made_by"], spec["trained_on"], n_levels=n_levels,
                                    filter_runs=filter_runs, shard_size=10, workers=workers or os.cpu_count() or 1,
                                    device="cpu")
