"""Policy networks: observation -> (action logits, state value).

Three sizes of the same idea, each with one shared body and two heads (policy logits, value):

* ``MLPPolicy``: flattens the one-hot grid view; fast on a CPU, the default for CoinRun-grid.
* ``CNNPolicy``: a small conv net over the (channels, rows, columns) view.
* ``ImpalaPolicy``: the IMPALA CNN (Espeholt et al. 2018) that procgen's baselines use, for the
  real CoinRun's pixel frames.

and one without a value head, for policies learnt by imitation rather than by reinforcement:

* ``ClonePolicy``: a small tanh MLP over a feature vector, as in de Haan et al.'s behavioural
  cloning (``goalmisgen.imitation``); its value output is always zero.

The value head starts near zero: with an optimistic start, an episode cut short by death looks
like a loss of value before any reward has been seen, and the agent first learns to avoid dying
rather than to look for the coin.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from goalmisgen.validation import check_choice, check_int


def _init(layer: nn.Module, gain: float = math.sqrt(2)) -> nn.Module:
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


class _GatherSum(torch.autograd.Function):
    """x @ weight.T + bias for a (B, D) integer ``x`` that is mostly zeros, by summing the weight
    columns of its nonzero entries (``F.embedding_bag``) instead of multiplying every zero.

    The backward pass is the dense layer's: grad_weight = grad.T @ x (one matrix product, which a
    CPU does faster than scattering the rows back), grad_bias = grad summed over the batch; an
    integer input has no gradient.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        rows, cols = x.nonzero(as_tuple=True)  # row-major: each row's entries are contiguous
        offsets = torch.searchsorted(rows, torch.arange(len(x), device=x.device))
        values = x[rows, cols].to(weight.dtype)
        out = nn.functional.embedding_bag(cols, weight.t().contiguous(), offsets, mode="sum", per_sample_weights=values)
        ctx.save_for_backward(x)
        return out + bias

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        grad_weight = grad.t() @ x.to(grad.dtype) if ctx.needs_input_grad[1] else None
        grad_bias = grad.sum(0) if ctx.needs_input_grad[2] else None
        return None, grad_weight, grad_bias


class OneHotLinear(nn.Linear):
    """A dense layer (same parameters ``weight`` (out, in) and ``bias`` (out,), same function) that
    is fast on one-hot input.

    Input (B, in) -> (B, out). A float input goes through ``nn.Linear`` unchanged (gradients reach
    the input). An integer input (the envs' uint8 one-hot views) on a CPU is summed column by
    column over its nonzero entries: a CoinRun-grid view has about 50 ones among 660 entries, so
    the forward pass does about a thirteenth of the multiply-adds (benchmarks/PROFILE.md).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point() or x.device.type != "cpu":
            return super().forward(x.float())
        return _GatherSum.apply(x, self.weight, self.bias)


class MLPPolicy(nn.Module):
    """obs (B, C, H, W) uint8 or float -> logits (B, num_actions), value (B,).

    The first layer is an ``OneHotLinear``: a dense layer that skips the zeros of a uint8 view."""

    name = "mlp"

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 128):
        super().__init__()
        self.obs_shape, self.num_actions, self.hidden = tuple(obs_shape), num_actions, hidden
        self.body = nn.Sequential(
            nn.Flatten(),
            _init(OneHotLinear(math.prod(obs_shape), hidden)),
            nn.ReLU(),
            _init(nn.Linear(hidden, hidden)),
            nn.ReLU(),
        )
        self.pi = _init(nn.Linear(hidden, num_actions), gain=0.01)
        self.v = _init(nn.Linear(hidden, 1), gain=0.01)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(obs)  # the first layer takes the one-hot uint8 view as it is (OneHotLinear)
        return self.pi(h), self.v(h).squeeze(-1)


class CNNPolicy(nn.Module):
    """obs (B, C, H, W) -> logits (B, num_actions), value (B,): two 3x3 convs, then an MLP."""

    name = "cnn"

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 128):
        super().__init__()
        self.obs_shape, self.num_actions, self.hidden = tuple(obs_shape), num_actions, hidden
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


class _ResidualBlock(nn.Module):
    """x + conv(relu(conv(relu(x)))), channels and size unchanged."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv0 = _init(nn.Conv2d(channels, channels, 3, padding=1))
        self.conv1 = _init(nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class _ImpalaBlock(nn.Module):
    """conv 3x3 -> max-pool 3x3 stride 2 -> two residual blocks: (B, c_in, H, W) -> (B, c_out, ceil(H/2), ceil(W/2))."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = _init(nn.Conv2d(in_channels, out_channels, 3, padding=1))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.res0, self.res1 = _ResidualBlock(out_channels), _ResidualBlock(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res1(self.res0(self.pool(self.conv(x))))


class ImpalaPolicy(nn.Module):
    """The IMPALA CNN (Espeholt et al. 2018) used for procgen by Cobbe et al. and Langosco et al.

    obs (B, C, H, W) uint8 pixels -> logits (B, num_actions), value (B,). Pixels are scaled by
    1/255; three blocks of 16, 32 and 32 channels (each conv 3x3, max-pool 3/2, two residual
    blocks) shrink a 64 x 64 frame to 8 x 8; then ReLU, a fully connected layer of ``hidden``
    units (256 in the papers) and the policy and value heads.
    """

    name = "impala"

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 256, channels: tuple[int, ...] = (16, 32, 32)):
        super().__init__()
        self.obs_shape, self.num_actions, self.hidden = tuple(obs_shape), num_actions, hidden
        c, h, w = obs_shape
        blocks = []
        for out in channels:
            blocks.append(_ImpalaBlock(c, out))
            c, h, w = out, (h + 1) // 2, (w + 1) // 2
        self.body = nn.Sequential(
            *blocks,
            nn.Flatten(),
            nn.ReLU(),
            _init(nn.Linear(c * h * w, hidden)),
            nn.ReLU(),
        )
        self.pi = _init(nn.Linear(hidden, num_actions), gain=0.01)
        self.v = _init(nn.Linear(hidden, 1), gain=0.01)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = obs.float() * (1.0 / 255.0)
        if x.device.type == "cpu":
            # The same numbers in channels-last memory order: oneDNN's convolutions and pooling
            # are about 1.5x faster that way on a CPU (benchmarks/impala_cpu.py).
            x = x.contiguous(memory_format=torch.channels_last)
        h = self.body(x)
        return self.pi(h), self.v(h).squeeze(-1)


class ClonePolicy(nn.Module):
    """A behavioural clone's network: MLP [d, hidden, hidden, num_actions] with tanh, as in de Haan
    et al. 2019, d = prod(obs_shape) (obs_shape is (d,) for a feature vector).

    obs (B, *obs_shape) float -> logits (B, num_actions), value (B,) of zeros (cloning learns no
    value). The inputs are standardized by ``mean`` and ``scale`` (d,), buffers that the trainer sets
    from its training set, so a checkpoint keeps them with the weights. PyTorch's default
    initialization (not the orthogonal one above), as in the paper's code.
    """

    name = "clone"

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, hidden: int = 50):
        super().__init__()
        self.obs_shape, self.num_actions, self.hidden = tuple(obs_shape), num_actions, hidden
        in_dim = math.prod(obs_shape)
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("scale", torch.ones(in_dim))
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, num_actions))

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = obs.float().reshape(len(obs), -1)
        return self.net((x - self.mean) / self.scale), x.new_zeros(len(x))


NETWORKS = {cls.name: cls for cls in (MLPPolicy, CNNPolicy, ImpalaPolicy, ClonePolicy)}
ACTOR_CRITIC_NETWORKS = ("mlp", "cnn", "impala")
"""The networks with a learned value head, which PPO can train ("clone" has none)."""


def make_network(name: str, obs_shape: tuple[int, ...], num_actions: int, hidden: int) -> nn.Module:
    """Build a policy network by name ("mlp", "cnn", "impala" or "clone").

    Every network has the attributes ``name``, ``obs_shape``, ``num_actions`` and ``hidden``, which
    a checkpoint records to rebuild it. Build it under ``torch.device("meta")`` to learn its
    parameter shapes without allocating them.
    """
    check_choice("network", name, sorted(NETWORKS))
    return NETWORKS[name](tuple(obs_shape), check_int("num_actions", num_actions, low=1), check_int("hidden", hidden, low=1))
