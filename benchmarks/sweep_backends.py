"""The same reduced randomization sweep on the local process pool and on a Ray started on this
machine: wall time of each, and whether their records agree.

Run:  .venv/bin/python benchmarks/sweep_backends.py [--steps N] [--workers W]
Writes benchmarks/sweep_backends.json. Timings are wall-clock on whatever machine runs this; say
how loaded it was when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from goalmisgen.experiments.randomization_sweep import CoinGrid, randomization_configs, randomization_trial
from goalmisgen.sweeps import comparable, run_sweep

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    configs = randomization_configs(CoinGrid(fractions=(0.0, 0.02), seeds=(0, 1), steps=args.steps, n_levels=200,
                                             filter_runs=1))
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
           "trials": len(configs), "steps_per_trial": args.steps, "workers": args.workers,
           "load_before": os.getloadavg()[0], "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    records = {}
    for backend in ("local", "ray"):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            records[backend] = run_sweep(randomization_trial, configs, tmp, backend=backend, workers=args.workers,
                                         progress=False)
            out[f"{backend}_wall_s"] = time.perf_counter() - start
    out["records_identical"] = [comparable(r) for r in records["local"]] == [comparable(r) for r in records["ray"]]
    out["load_after"] = os.getloadavg()[0]
    (HERE / "sweep_backends.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
