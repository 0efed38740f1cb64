"""Chapter 7's probe table: for CoinRun-grid networks, how well does a linear probe at each layer
read where the coin is and how far the end is, on held-out levels, beside its controls?

Labels (``labels``), on ``CoinRunStates``:

* ``coin_in_view``: is the coin within the agent's view? (all states);
* ``coin_ahead``: is the coin right of the agent rather than left? (states with the coin in view,
  not in the agent's column): the intended goal needs it;
* ``end_far``: is the end more than the median number of columns away? (all states): the proxy
  "go right" could use it, and beyond the view nothing in the observation shows it.

Layer ``"input"`` is the observation itself (the same for every network): what a probe can read
before any network has worked on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goalmisgen.interp.capture import capture
from goalmisgen.interp.coinrun_states import CoinRunStates
from goalmisgen.interp.probes import probe_levels, split_levels

LABELS = ("coin_in_view", "coin_ahead", "end_far")


def labels(states: CoinRunStates) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """label name -> (mask (N,) of the states it is asked on, values (N,) bool)."""
    everywhere = np.ones(len(states), dtype=bool)
    far = states.to_end > np.median(states.to_end)
    return {"coin_in_view": (everywhere, states.coin_in_view),
            "coin_ahead": (states.coin_in_view & (states.coin_dx != 0), states.coin_ahead),
            "end_far": (everywhere, far)}


def layer_features(network, states: CoinRunStates, layers) -> dict[str, np.ndarray]:
    """layer name -> (N, D) features: "input" is the flattened observation, any other name a
    layer of ``network`` (``capture``)."""
    out = {}
    inner = [layer for layer in layers if layer != "input"]
    if inner:
        out.update(capture(network, states.obs, inner))
    if "input" in layers:
        out["input"] = states.obs.reshape(len(states), -1).astype(np.float32)
    return out


def probe_table(states: CoinRunStates, networks, layers, split_seed: int = 0, shuffle_seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every probe: each network x layer x label, with true and with shuffled labels.

    Args:
        states: the states (the same for every network).
        networks: iterable of (group, seed, network): group names the kind of network ("headline",
            "control", "random").
        layers: layer names (``"input"`` included or not).
        split_seed: seed of the split into fitting and held-out levels (the same for every probe).
        shuffle_seed: seed of the label shuffle of the control.

    Returns:
        (probes, per_level): ``probes`` one row per probe (group, seed, layer, label, shuffled,
        accuracy, majority, n_test); ``per_level`` one row per unshuffled probe and held-out level
        (group, seed, layer, label, level, accuracy).
    """
    test = split_levels(states.level, 0.5, seed=split_seed)
    asked = labels(states)
    rows, level_rows = [], []
    for group, seed, network in networks:
        features = layer_features(network, states, layers)
        for layer in layers:
            for name, (mask, y) in asked.items():
                for shuffled in (False, True):
                    r = probe_levels(features[layer][mask], y[mask], states.level[mask], test[mask],
                                     shuffled=shuffled, seed=shuffle_seed)
                    rows.append({"group": group, "seed": seed, "layer": layer, "label": name, "shuffled": shuffled,
                                 "accuracy": r["accuracy"], "majority": r["majority"],
                                 "n_test": int(test[mask].sum())})
                    if not shuffled:
                        level_rows += [{"group": group, "seed": seed, "layer": layer, "label": name, "level": int(lv),
                                        "accuracy": float(a)} for lv, a in zip(r["test_levels"], r["level_accuracy"])]
    return pd.DataFrame(rows), pd.DataFrame(level_rows)


def coin_response(network, states: CoinRunStates, layers) -> dict[str, float]:
    """layer -> the coin vector's norm over the mean activation norm (states with the coin in view):
    how much, relative to its usual activity, the layer changes when the coin enters the view."""
    from goalmisgen.interp.steering import coin_vector

    seen = states.subset(states.coin_in_view)
    acts = capture(network, seen.obs, list(layers))
    return {layer: float(np.linalg.norm(coin_vector(network, layer, seen)) / np.linalg.norm(acts[layer], axis=1).mean())
            for layer in layers}
