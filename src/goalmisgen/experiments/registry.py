"""The registry of experiments: every experiment that writes a ``data/`` folder, once.

``python -m goalmisgen regenerate NAME`` runs one, ``regenerate all`` (``make data``) every one
that runs on this 2-core CPU machine (``cpu_experiments``), ``regenerate --list`` lists them all.

Example:
    >>> from goalmisgen.experiments.registry import EXPERIMENTS, estimated_wall_s
    >>> EXPERIMENTS["maze"].folder
    'maze'
    >>> round(estimated_wall_s(EXPERIMENTS["maze"]) / 60)
    26
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from goalmisgen.experiments import common
from goalmisgen.experiments.capability import capability
from goalmisgen.experiments.coin_support import coin_support
from goalmisgen.experiments.curriculum_sweep import curriculum_sweep
from goalmisgen.experiments.headline import headline
from goalmisgen.experiments.inside import inside
from goalmisgen.experiments.key_value_probe import key_value_probe
from goalmisgen.experiments.keys_chests import keys_chests
from goalmisgen.experiments.language_model import language_model
from goalmisgen.experiments.maze import maze
from goalmisgen.experiments.maze_regions import MazeRegionGrid, maze_regions
from goalmisgen.experiments.procgen_evaluation import procgen_evaluation
from goalmisgen.experiments.randomization_sweep import randomization_sweep


@dataclass(frozen=True)
class Experiment:
    """One experiment and how ``regenerate`` runs it.

    Attributes:
        name: its name on the command line (``regenerate NAME``).
        folder: its folder under ``data/``, which ``function`` writes.
        function: the experiment, called as ``function(out_dir=FOLDER, **options)``; returns the manifest.
        cpu: whether it runs on this 2-core CPU machine (``regenerate all`` runs exactly these);
            False: its shipped run was made on a GPU machine and takes hours here.
        description: one line.
        wall_keys: the manifest entries whose sum is the run's recorded wall time; a ``*`` step
            goes through every item of a list or dict (``agents.*.train_metrics.wall_time_s``).
        sweep: it runs on ``goalmisgen.sweeps`` and takes a ``runner`` (``--backend``, ``--workers``,
            ``--ray-address``).
        seeded: it takes ``--seeds`` and ``--steps`` (and records the command line).
        grid: where ``seeded`` gives seeds and steps through a grid dataclass, its type.
        stale: file patterns of an earlier run removed from the folder first (they would be listed
            as this run's).
        work_dir: a folder under ``runs/`` passed as ``work_dir`` (resumable checkpoints), removed
            once the run has finished.
    """

    name: str
    folder: str
    function: Callable[..., dict]
    cpu: bool
    description: str
    wall_keys: tuple[str, ...]
    sweep: bool = False
    seeded: bool = False
    grid: type | None = None
    stale: tuple[str, ...] = ()
    work_dir: str | None = None

    def options(self, runner: common.SweepRunner | None, seeds: tuple | None, steps: int | None,
                command: str | None) -> dict:
        """The keyword arguments of ``function`` for these command-line options (None: not given)."""
        kwargs = {"runner": runner} if self.sweep and runner is not None else {}
        if self.seeded:
            given = {k: v for k, v in (("seeds", seeds), ("steps", steps)) if v is not None}
            if self.grid is not None:
                if given:
                    kwargs["grid"] = self.grid(**given)
            else:
                kwargs.update(given)
            if command is not None:
                kwargs["command"] = command
        return kwargs


EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    Experiment("headline", "coinrun_headline", headline, True,
               "chapter 0: 10 CoinRun-grid agents with the coin at the end and 5 positive controls, held-out plays",
               ("agents.*.train_metrics.wall_time_s", "evaluation_wall_time_s"), work_dir="headline"),
    Experiment("randomization-sweep", "randomization_sweep", randomization_sweep, True,
               "chapter 2: 40 CoinRun-grid agents with the coin moved on a share p of training levels",
               ("sweep_wall_time_s",), sweep=True),
    Experiment("coin-support", "coin_support", coin_support, True,
               "chapter 2: agents whose moved coin always stood on the floor (needs randomization-sweep)",
               ("sweep_wall_time_s",), sweep=True),
    Experiment("curriculum-sweep", "curriculum_sweep", curriculum_sweep, True,
               "chapter 6: domain randomization against prioritized level replay (reuses randomization-sweep)",
               ("sweep_wall_time_s",), sweep=True),
    Experiment("maze", "maze", maze, True,
               "chapter 3: 6 Maze agents, cheese regions k = 1 and 5, through a size curriculum",
               ("training_wall_time_s", "evaluation_wall_time_s"), seeded=True, stale=("maze_k*_seed*.pt",)),
    Experiment("maze-regions", "maze_regions", maze_regions, True,
               "chapter 3: the cheese-region sweep k = 1..15 (reuses maze's agents)",
               ("sweep_wall_time_s", "evaluation_wall_time_s"), sweep=True, seeded=True, grid=MazeRegionGrid),
    Experiment("keys-chests", "keys_chests", keys_chests, True,
               "chapter 3: 3 Keys and Chests agents, checkpoints along training at both ratios",
               ("training_wall_time_s.*", "evaluation_wall_time_s"), seeded=True, stale=("keys_chests_seed*.pt",),
               work_dir="keys_chests"),
    Experiment("inside", "inside", inside, True,
               "chapter 7: probes and coin-vector steering of headline's agents (needs headline)",
               ("probe_wall_time_s", "steering_wall_time_s")),
    Experiment("capability", "capability", capability, True,
               "chapter 3: every shipped CoinRun, Maze and Keys and Chests agent on levels where its goals coincide",
               ("play_wall_time_s",)),
    Experiment("key-value-probe", "key_value_probe", key_value_probe, True,
               "chapter 3: the Keys and Chests agents' critic read at every step of 300 test rooms",
               ("probe_wall_time_s",)),
    Experiment("language-model", "language_model", language_model, True,
               "chapter 8: 20 small transformers, wrong 'think' suggestions in 0-25% of training, controls, probes",
               ("sweep_wall_time_s",), sweep=True),
    Experiment("procgen-cpu", "procgen_coinrun_cpu", functools.partial(procgen_evaluation, "cpu"), True,
               "chapter 1: the procgen CoinRun agent trained on this CPU, played on 1000 levels",
               ("evaluation_wall_time_s",)),
    Experiment("procgen", "procgen_coinrun", functools.partial(procgen_evaluation, "gpu"), False,
               "chapter 1: the procgen CoinRun agent trained on a GPU, played on 1000 levels (on a GPU machine)",
               ("evaluation_wall_time_s",)),
)}
"""Every experiment by name, in the order ``regenerate all`` runs them (an experiment that reads
another's folder comes after it)."""


def cpu_experiments() -> list[Experiment]:
    """The experiments ``regenerate all`` runs: every one that runs on a CPU, in registry order."""
    return [e for e in EXPERIMENTS.values() if e.cpu]


def data_folder(experiment: Experiment) -> Path:
    """The experiment's folder under ``data/`` (``common.DATA``)."""
    return common.DATA / experiment.folder


def _recorded(value, steps: list[str]) -> list[float]:
    """The numbers at the dotted path ``steps`` in a manifest (``*``: every item)."""
    if not steps:
        return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []
    head, rest = steps[0], steps[1:]
    if head == "*":
        items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    else:
        items = [value[head]] if isinstance(value, dict) and head in value else []
    return [x for item in items for x in _recorded(item, rest)]


def estimated_wall_s(experiment: Experiment) -> float | None:
    """The wall time in seconds that the shipped run recorded in its manifest (the sum of
    ``experiment.wall_keys``; on this 2-core machine unless ``experiment.cpu`` is False), or None
    where there is no readable manifest or none of the entries."""
    try:
        manifest = json.loads((data_folder(experiment) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    found = [x for key in experiment.wall_keys for x in _recorded(manifest, key.split("."))]
    return sum(found) if found else None


def folder_bytes(folder: Path) -> int:
    """The summed size of the files in ``folder`` and below (0 if it is missing)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def duration(seconds: float | None) -> str:
    """A wall time in words: "42 s", "25 min", "1.8 h"; "unknown" for None."""
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def listing() -> list[str]:
    """One line per experiment: name, data folder, its size on disk, estimated wall time, and
    whether it runs on a CPU (``regenerate --list``)."""
    lines = [f"{'experiment':20s} {'data folder':26s} {'size':>8s}  {'wall time':>9s}  runs on"]
    for e in EXPERIMENTS.values():
        size = folder_bytes(data_folder(e)) / 1e6
        lines.append(f"{e.name:20s} {'data/' + e.folder + '/':26s} {size:6.1f} MB  {duration(estimated_wall_s(e)):>9s}  "
                     + ("CPU (regenerate all)" if e.cpu else "GPU machine: time recorded there, hours on 2 cores; not in all"))
    return lines
