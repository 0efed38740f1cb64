"""Record what a network's layers compute on a batch of observations.

A forward hook is a function PyTorch calls with a module's output every time the module runs.
``capture`` registers one on each layer asked for, runs the network once and removes the hooks, so
the network is left as it was.

Layers are named as ``network.named_modules()`` names them: for the package's ``MLPPolicy``,
``"body.2"`` is the first hidden layer after its ReLU and ``"body.4"`` the second
(``hidden_layers`` lists them).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def hidden_layers(network: nn.Module) -> list[str]:
    """Names of the network's hidden activations: every ReLU or Tanh module of its body, in order.

    For ``MLPPolicy``: ["body.2", "body.4"] (hidden 1, hidden 2, each (B, hidden)).
    """
    names = [name for name, module in network.named_modules() if isinstance(module, (nn.ReLU, nn.Tanh))]
    if not names:
        raise ValueError(f"network {type(network).__name__} has no ReLU or Tanh module to read activations from")
    return names


def module(network: nn.Module, layer: str) -> nn.Module:
    """The submodule named ``layer``; ValueError naming the layers there are."""
    modules = dict(network.named_modules())
    if not isinstance(layer, str) or layer not in modules or layer == "":
        allowed = ", ".join(repr(n) for n in modules if n)
        raise ValueError(f"layer={layer!r} is not allowed: the network's layers are {allowed}")
    return modules[layer]


def capture(network: nn.Module, obs, layers: list[str] | str | None = None, batch_size: int = 4096) -> dict[str, np.ndarray]:
    """Activations of ``layers`` on a batch of observations.

    Args:
        network: a torch module (for example ``agent.policy``).
        obs: (B, *obs_shape) observations (numpy or torch), as the environment returns them.
        layers: a layer name or a list of names (default: ``hidden_layers(network)``).
        batch_size: observations per forward pass.

    Returns:
        layer name -> (B, D) float32 array, the layer's output flattened per observation.
    """
    if layers is None:
        layers = hidden_layers(network)
    elif isinstance(layers, str):
        layers = [layers]
    modules = {name: module(network, name) for name in layers}
    obs = torch.as_tensor(np.asarray(obs))
    if obs.ndim < 2 or len(obs) == 0:
        raise ValueError(f"obs of shape {tuple(obs.shape)} is not allowed: obs must be a non-empty batch (B, ...) of observations")
    out: dict[str, list[np.ndarray]] = {name: [] for name in layers}

    def recorder(name):
        def hook(_module, _inputs, output):
            out[name].append(output.detach().float().reshape(len(output), -1).cpu().numpy())
        return hook

    handles = [m.register_forward_hook(recorder(name)) for name, m in modules.items()]
    device = next(network.parameters()).device
    try:
        with torch.inference_mode():
            for start in range(0, len(obs), batch_size):
                network(obs[start:start + batch_size].to(device))
    finally:
        for h in handles:
            h.remove()
    return {name: np.concatenate(parts) for name, parts in out.items()}
