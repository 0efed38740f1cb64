"""What every experiment shares: where it writes, how a sweep runs, and the manifest.

A manifest (``manifest.json`` in an experiment's ``data/`` folder) records the experiment's name,
the command that made it, what was measured (description, estimand), the software and machine
(``provenance``, ``sweep_provenance``), its files and their sizes, wall times, and the results.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import goalmisgen
from goalmisgen.agents import save_agent
from goalmisgen.files import write_json

DATA = Path(__file__).resolve().parents[3] / "data"
"""The clone's data/ folder: the shipped artifacts, written here."""
RUNS = DATA.parent / "runs"
"""The clone's runs/ folder (not shipped): resumable sweep records and checkpoints."""


@dataclass(frozen=True)
class SweepRunner:
    """How a sweep's trials run on ``goalmisgen.sweeps.run_sweep``: ``backend`` ("local", "ray"
    or "serial"), ``workers`` (processes; None: every core), ``address`` (a Ray cluster to join;
    None: start Ray here) and ``progress`` (a progress bar over the trials)."""

    backend: str = "local"
    workers: int | None = None
    address: str | None = None
    progress: bool = True

    def run(self, trial, configs: list[dict], records_dir: Path) -> tuple[list[dict], float]:
        """``run_sweep(trial, configs, records_dir)`` with these options; returns the records and
        the sweep's wall time in seconds."""
        from goalmisgen.sweeps import run_sweep

        start = time.perf_counter()
        records = run_sweep(trial, configs, records_dir, backend=self.backend, workers=self.workers,
                            address=self.address, progress=self.progress)
        return records, time.perf_counter() - start


def provenance(machine: str) -> dict:
    """What every manifest records about the software and the machine (``machine``: its words)."""
    return {"package_version": goalmisgen.__version__, "torch_version": torch.__version__,
            "numpy_version": np.__version__, "python": platform.python_version(), "machine": machine,
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}


def machine_provenance() -> dict:
    """``provenance`` of an experiment that trains and plays in this process: the CPU cores and
    torch threads."""
    return provenance(f"{platform.machine()}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads")


def sweep_provenance(runner: SweepRunner, sweep_wall: float, records: list[dict]) -> dict:
    """``provenance`` of a sweep (one torch thread per trial), its backend and workers, the
    sweep's wall time and the summed wall time of its trials (``records`` of ``run_sweep``)."""
    return {**provenance(f"{platform.machine()}, {os.cpu_count()} cores, one torch thread per trial"),
            "backend": runner.backend, "workers": runner.workers or os.cpu_count(), "sweep_wall_time_s": sweep_wall,
            "trials_wall_time_s": sum(r["run"]["wall_s"] for r in records)}


def write_manifest(out: Path, experiment: str, command: str, texts: tuple[str, str], made: dict,
                   episodes_file: str, sized: bool = True, **fields) -> dict:
    """Build an experiment's manifest and write it (JSON-safe, atomically) to ``out/manifest.json``.

    Args:
        out: the experiment's folder, holding ``episodes_file`` already.
        experiment: its registry name ("headline", "maze-regions", ...).
        command: the command line that made it.
        texts: (description, estimand): what was run and what the summaries estimate.
        made: ``provenance``, ``machine_provenance`` or ``sweep_provenance``.
        episodes_file: the per-level table's file name in ``out``.
        sized: also record the table's size (``episodes_size_bytes``).
        fields: the experiment's own entries (settings, wall times, summaries, agents or trials).

    Returns:
        the manifest as built (NaN kept; the file has null there).
    """
    description, estimand = texts
    manifest = {"experiment": experiment, "command": command, "description": description, "estimand": estimand,
                **made, "episodes_file": episodes_file, **fields}
    if sized:
        manifest["episodes_size_bytes"] = (Path(out) / episodes_file).stat().st_size
    write_json(Path(out) / "manifest.json", manifest)
    return manifest


def check_trial_config(trial: str, config: dict, keys: tuple[str, ...]) -> None:
    """ValueError unless a sweep trial's ``config`` has exactly the keys ``keys`` (``trial``: the
    trial function's name, for the message)."""
    from goalmisgen.validation import check_known_keys

    check_known_keys(f"{trial} config key(s)", config, keys)
    missing = [k for k in keys if k not in config]
    if missing:
        raise ValueError(f"{trial} config lacks {missing}: it needs {list(keys)}")


def float_history(result) -> list[dict]:
    """A training result's per-iteration history with every value a Python float."""
    return [{k: float(v) for k, v in h.items()} for h in result.history]


def checkpoint_bytes(result, extra: dict) -> bytes:
    """The bytes of ``save_agent(result, path, extra=extra)``: a trial's checkpoint, for a
    ``sweeps.TrialOutput``."""
    with tempfile.TemporaryDirectory() as tmp:
        return save_agent(result, Path(tmp) / "agent.pt", extra=extra).read_bytes()


def bools_as_int8(table):
    """``table`` (a DataFrame) with its bool columns turned into 0/1 int8 columns, in place."""
    for c in table.columns:
        if table[c].dtype == bool:
            table[c] = table[c].astype(np.int8)
    return table


def clone_path(path: Path) -> str:
    """``path`` relative to the clone (``DATA``'s parent) when it lies in it, else as given."""
    return str(path.relative_to(DATA.parent)) if path.is_relative_to(DATA.parent) else str(path)
