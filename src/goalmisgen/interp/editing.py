"""Edit a layer's activations while the network runs: add (or subtract) a direction, or set units.

``edited`` is a context manager: inside the ``with`` block, every forward pass of the network (an
agent's ``act`` during a rollout included) goes through a forward hook that changes the layer's
output before the next layer sees it; leaving the block removes the hook. The network's code and
weights are never touched, so an edit cannot outlive its block.

Example:
    >>> with edited(agent.policy, "body.4", add=2.0 * coin_vector):
    ...     episodes = play_levels(agent, seeds, "random")
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from goalmisgen.interp.capture import module


def _as_vector(name: str, value) -> torch.Tensor:
    v = torch.as_tensor(np.asarray(value, dtype=np.float32))
    if v.ndim != 1 or not torch.isfinite(v).all():
        raise ValueError(f"{name} of shape {tuple(v.shape)} is not allowed: {name} must be a finite vector")
    return v


@contextmanager
def edited(network: nn.Module, layer: str, add=None, units=None, values=None):
    """Run ``network`` with ``layer``'s output edited, inside a ``with`` block.

    Args:
        network: a torch module (for example ``agent.policy``).
        layer: the layer's name (``capture.hidden_layers`` lists the hidden ones).
        add: (D,) direction added to the layer's flattened output of every observation (pass
            ``-v`` to subtract ``v``).
        units: indices of units of the flattened output to set, with
        values: the value each of ``units`` is set to (a number or one per unit), after ``add``.

    Yields:
        the network, edited until the block ends.
    """
    target = module(network, layer)
    if add is None and units is None:
        raise ValueError("edited needs add= (a direction) or units= and values= (units to set)")
    direction = None if add is None else _as_vector("add", add)
    if units is not None:
        index = torch.as_tensor(np.asarray(units, dtype=np.int64)).reshape(-1)
        if values is None:
            raise ValueError("units= needs values=: the value each unit is set to")
        setting = torch.as_tensor(np.broadcast_to(np.asarray(values, dtype=np.float32), index.shape).copy())
        if not torch.isfinite(setting).all():
            raise ValueError(f"values={values!r} is not allowed: values must be finite")
    elif values is not None:
        raise ValueError("values= needs units=: the units to set")

    def hook(_module, _inputs, output):
        flat = output.reshape(len(output), -1)
        width = flat.shape[1]
        if direction is not None and direction.numel() != width:
            raise ValueError(f"add has {direction.numel()} numbers; layer {layer!r} has {width} units")
        if units is not None and ((index < 0) | (index >= width)).any():
            raise ValueError(f"units={units!r} is not allowed: layer {layer!r} has units 0..{width - 1}")
        flat = flat.clone()
        if direction is not None:
            flat += direction.to(flat.device, flat.dtype)
        if units is not None:
            flat[:, index.to(flat.device)] = setting.to(flat.device, flat.dtype)
        return flat.reshape(output.shape)

    handle = target.register_forward_hook(hook)
    try:
        yield network
    finally:
        handle.remove()
