"""A curriculum: one PPO agent trained through stages of environment options, each stage
warm-started from the last (``train(..., initial=...)``).

Used for the Maze: an agent that must first stumble on the cheese by chance learns slowly in
15x15 mazes, so it starts in small ones (``max_size`` 7, then 11, then 15). Every stage uses the
same PPO settings and seed; only the env options and the step count change. The optimizer starts
fresh at each stage.

Example:
    >>> from goalmisgen.agents import PPOConfig
    >>> from goalmisgen.agents.curriculum import Stage, train_curriculum
    >>> config = PPOConfig(env="maze", env_options={"view": "centred"})
    >>> stages = [Stage({"max_size": 7}, 200_000), Stage({"max_size": 15}, 300_000)]
    >>> result = train_curriculum(config, stages)      # one progress bar for both stages
    >>> result.metrics["stage1_intended_rate"]
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Callable

from torch import nn
from goalmisgen.progress import progress_bar

from goalmisgen.agents.ppo import PPOConfig, TrainResult, train
from goalmisgen.validation import check_int


@dataclass(frozen=True)
class Stage:
    """One stage: env options laid over the base config's, and the steps to train for."""

    env_options: dict[str, Any]
    total_steps: int

    def __post_init__(self):
        if not isinstance(self.env_options, dict) or not all(isinstance(k, str) for k in self.env_options):
            raise ValueError(f"env_options={self.env_options!r} is not allowed: a stage's env_options must be a dict "
                             "with string keys")
        object.__setattr__(self, "total_steps", check_int("total_steps", self.total_steps, low=1))


def stage_configs(config: PPOConfig, stages) -> list[PPOConfig]:
    """The PPOConfig of every stage: ``config`` with the stage's env options laid over its own and
    the stage's ``total_steps``."""
    stages = list(stages)
    if not stages or not all(isinstance(s, Stage) for s in stages):
        raise ValueError(f"stages={stages!r} is not allowed: stages must be a non-empty list of Stage")
    return [dataclasses.replace(config, env_options={**config.env_options, **s.env_options}, total_steps=s.total_steps)
            for s in stages]


def train_curriculum(config: PPOConfig, stages, progress: bool = True,
                     callback: Callable[[dict[str, float], nn.Module], bool | None] | None = None,
                     initial=None) -> TrainResult:
    """Train one agent through ``stages`` (a list of ``Stage``), each warm-started from the last.

    Args:
        config: PPO settings shared by every stage (its env options are the base the stages add to).
        progress: one progress bar over all stages (the intended rate and the stage shown live).
        callback: ``callback(row, policy)`` after every iteration; True stops the current stage
            (the next one still runs).
        initial: weights for the first stage (see ``ppo.train``); None starts from scratch.

    Returns:
        A ``TrainResult`` whose policy is the last stage's and whose config is the last stage's
        (so an evaluation's "train" options are the final stage's). ``history`` holds every
        stage's rows with ``stage`` and ``stage_steps`` added and ``steps`` / ``time_s``
        counted from the curriculum's start. ``metrics`` holds the totals (``total_steps``,
        ``wall_time_s``, ``steps_per_s``), the last stage's rates under their usual names, and every
        stage's metrics as ``stage{i}_{name}``.
    """
    configs = stage_configs(config, stages)
    bar = progress_bar(total=sum(c.num_iterations * c.batch_size for c in configs), unit="step", unit_scale=True,
               disable=not progress)
    history: list[dict[str, float]] = []
    metrics: dict[str, float] = {}
    steps_before, time_before, start = 0, 0.0, time.perf_counter()
    result = None
    for i, stage_config in enumerate(configs):
        def on_row(row, policy, i=i, stage_config=stage_config):
            bar.update(stage_config.batch_size)
            bar.set_postfix(stage=f"{i + 1}/{len(configs)}", intended=f"{row['intended_rate']:.2f}",
                            ret=f"{row['mean_return']:.2f}", refresh=False)
            return callback(row, policy) if callback is not None else None

        result = train(stage_config, progress=False, callback=on_row, initial=initial)
        for row in result.history:
            history.append({**row, "stage": i, "stage_steps": row["steps"], "steps": steps_before + row["steps"],
                            "time_s": time_before + row["time_s"]})
        metrics.update({f"stage{i}_{k}": float(v) for k, v in result.metrics.items()})
        steps_before += int(result.metrics["total_steps"])
        time_before += float(result.metrics["wall_time_s"])
        initial = result.policy
    bar.close()
    wall = time.perf_counter() - start
    last = {k: v for k, v in result.metrics.items() if k not in ("wall_time_s", "steps_per_s", "total_steps", "episodes")}
    metrics.update(last)
    metrics.update({"total_steps": steps_before, "wall_time_s": wall, "steps_per_s": steps_before / wall,
                    "episodes": sum(metrics[f"stage{i}_episodes"] for i in range(len(configs))),
                    "stages": len(configs)})
    return TrainResult(policy=result.policy, config=result.config, history=history, metrics=metrics)
