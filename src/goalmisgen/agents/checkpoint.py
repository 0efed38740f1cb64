"""Saving and loading trained agents.

A checkpoint is a plain dict of tensors, strings and numbers written with ``torch.save`` and read
with ``torch.load(weights_only=True)``: loading never unpickles arbitrary Python objects, so a
checkpoint from an untrusted source cannot run code.

Contents: ``format``, ``env`` (family), ``env_options``, ``obs_shape``, ``num_actions``,
``config`` (the PPOConfig as a dict), ``metrics``, ``package_version`` and ``state_dict``.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

import goalmisgen
from goalmisgen.agents.networks import make_network
from goalmisgen.agents.ppo import PPOConfig, TrainResult

FORMAT = "goalmisgen-agent-v1"


def save_agent(result: TrainResult, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
    """Write a trained policy with its config and metrics to ``path``; returns the path."""
    return save_policy(result.policy, result.config, result.metrics, path, extra)


def save_policy(policy: torch.nn.Module, config: PPOConfig, metrics: dict[str, float], path: str | os.PathLike,
                extra: dict[str, Any] | None = None) -> Path:
    """Write a policy network (e.g. mid-training) with its config and metrics; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "env": config.env,
        "env_options": dict(config.env_options),
        "obs_shape": list(policy.obs_shape),
        "num_actions": int(policy.num_actions),
        "config": config.to_dict(),
        "metrics": {k: float(v) for k, v in metrics.items()},
        "package_version": goalmisgen.__version__,
        "extra": extra or {},
        "state_dict": {k: v.detach().cpu().clone() for k, v in policy.state_dict().items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


class Agent:
    """A trained policy, ready to act on batches of observations.

    Attributes:
        policy: the torch network (eval mode).
        env, env_options: what it was trained on.
        obs_shape: (C, H, W) it expects.
        config: the PPOConfig it was trained with.
        metrics: training metrics stored in the checkpoint.
        extra: anything else saved with it (e.g. ``extra["history"]``, the per-iteration log).
    """

    def __init__(self, policy: torch.nn.Module, env: str, env_options: dict, config: PPOConfig, metrics: dict,
                 path: str | None = None, device: str = "cpu"):
        self.device = torch.device(device)
        self.policy = policy.to(self.device).eval()
        self.env, self.env_options = env, env_options
        self.obs_shape = tuple(policy.obs_shape)
        self.config, self.metrics, self.path = config, metrics, path
        self._gen = torch.Generator().manual_seed(config.seed)
        self.extra: dict[str, Any] = {}

    def seed(self, seed: int) -> None:
        """Seed the action sampling (for reproducible evaluations)."""
        self._gen.manual_seed(seed)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """Actions for a batch of observations.

        Args:
            obs: (B, C, H, W) observations, as the environment returns them.
            deterministic: take the most likely action instead of sampling.

        Returns:
            (B,) int64 actions.
        """
        from goalmisgen.agents.ppo import sample_actions

        obs = np.asarray(obs)
        if obs.ndim != len(self.obs_shape) + 1 or obs.shape[1:] != self.obs_shape:
            raise ValueError(
                f"observations of shape {obs.shape} do not fit this agent, which expects "
                f"(batch,) + {self.obs_shape} (trained on {self.env} with {self.env_options})"
            )
        with torch.inference_mode():
            logits, _ = self.policy(torch.from_numpy(obs).to(self.device))
            logits = logits.float().cpu()
            if deterministic:
                return logits.argmax(dim=1).numpy()
            return sample_actions(logits, self._gen).numpy()

    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """(B, num_actions) action probabilities for a batch of observations."""
        with torch.inference_mode():
            logits, _ = self.policy(torch.from_numpy(np.asarray(obs)).to(self.device))
            return torch.softmax(logits.float().cpu(), dim=1).numpy()

    def __repr__(self) -> str:
        return f"Agent(env={self.env!r}, env_options={self.env_options}, seed={self.config.seed}, path={self.path!r})"


def load_agent(path: str | os.PathLike, device: str = "cpu") -> Agent:
    """Load a checkpoint written by ``save_agent`` (``torch.load(weights_only=True)`` only);
    ``device="cuda"`` runs the network on the GPU.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a goalmisgen checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # junk bytes can fail anywhere inside the (safe) unpickler
        raise ValueError(f"{path} is not a goalmisgen checkpoint (torch.load failed: {err.__class__.__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a goalmisgen checkpoint (expected format {FORMAT!r})")
    known = {f.name for f in fields(PPOConfig)}
    config = PPOConfig(**{k: v for k, v in payload["config"].items() if k in known})
    policy = make_network(config.network, tuple(payload["obs_shape"]), payload["num_actions"], config.hidden)
    policy.load_state_dict(payload["state_dict"])
    agent = Agent(policy, payload["env"], payload["env_options"], config, payload["metrics"], str(path), device=device)
    agent.extra = payload.get("extra", {})
    return agent


def agent_from_result(result: TrainResult) -> Agent:
    """Wrap a freshly trained policy (no file) as an Agent."""
    c = result.config
    return Agent(result.policy, c.env, dict(c.env_options), c, dict(result.metrics))
