"""Policy networks: observation -> (action logits, state value).

Two sizes of the same idea, both with one shared body and two heads:

* ``MLPPolicy``: flattens the one-hot grid view; fast on a CPU, the default for CoinRun-grid.
* ``CNNPolicy``: a small conv net over the (channels, rows, columns) view.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _init(layer: nn.Module, gain: float = math.sqrt(2)) -> nn.Module:
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


class MLPPolicy(nn.Module):
    """obs (B, C, H, W) uint8 or float -> logits (B, num_actions), value (B,)."""

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 128):
        super().__init__()
        self.obs_shape, self.num_actions = tuple(obs_shape), num_actions
        self.body = nn.Sequential(
            nn.Flatten(),
            _init(nn.Linear(math.prod(obs_shape), hidden)),
            nn.ReLU(),
            _init(nn.Linear(hidden, hidden)),
            nn.ReLU(),
        )
        self.pi = _init(nn.Linear(hidden, num_actions), gain=0.01)
        self.v = _init(nn.Linear(hidden, 1), gain=0.01)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(obs.float())
        return self.pi(h), self.v(h).squeeze(-1)


class CNNPolicy(nn.Module):
    """obs (B, C, H, W) -> logits (B, num_actions), value (B,): two 3x3 convs, then an MLP."""

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 128):
        super().__init__()
        self.obs_shape, self.num_actions = tuple(obs_shape), num_actions
        c, h, w = obs_shape
        self.body = nn.Sequential(
            _init(nn.Conv2d(c, 16, 3, padding=1)),
            nn.ReLU(),
            _init(nn.Conv2d(16, 16, 3, padding=1)),
            nn.ReLU(),
            nn.Flatten(),
            _init(nn.Linear(16 * h * w, hidden)),
            nn.ReLU(),
        )
        self.pi = _init(nn.Linear(hidden, num_actions), gain=0.01)
        self.v = _init(nn.Linear(hidden, 1), gain=0.01)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(obs.float())
        return self.pi(h), self.v(h).squeeze(-1)


NETWORKS = {"mlp": MLPPolicy, "cnn": CNNPolicy}


def make_network(name: str, obs_shape: tuple[int, ...], num_actions: int, hidden: int) -> nn.Module:
    """Build a policy network by name ("mlp" or "cnn")."""
    if name not in NETWORKS:
        raise ValueError(f"network={name!r} is not allowed; use one of {sorted(NETWORKS)}")
    return NETWORKS[name](obs_shape, num_actions, hidden)
