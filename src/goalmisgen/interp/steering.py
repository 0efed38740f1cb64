"""Steering a CoinRun-grid agent by adding a vector to one layer's activations.

The **coin vector** of a layer is the mean, over matched pairs of observations, of the layer's
activations with the coin in view minus without it: each pair is one state seen by the agent, once
as it is and once with the coin cleared from the view (``CoinRunStates.without_coin``), so the
pair differs in the coin and in nothing else. Mini, Turner et al. (2023) built a "cheese vector"
this way for a maze-solving policy and subtracted it to make the mouse ignore the cheese.

``play_steered`` plays levels with ``coefficient * vector`` added to the layer at every step
(``editing.edited``). A steering claim needs controls: a random direction of the same norm
(``random_direction``), the same procedure on networks that do pursue the coin, and the effect on
levels where the coin stands at the end (the goals coincide there, so an edit that lowers the coin
rate there breaks navigation rather than the goal).
"""

from __future__ import annotations

import numpy as np

from goalmisgen.interp.capture import capture
from goalmisgen.interp.coinrun_states import CoinRunStates
from goalmisgen.interp.editing import edited
from goalmisgen.validation import check_float, check_seed


def coin_vector(network, layer: str, states: CoinRunStates) -> np.ndarray:
    """(D,) mean of ``layer``'s activations with the coin in view minus the same states without it.

    Args:
        network: a torch module (``agent.policy``).
        layer: the layer's name.
        states: CoinRun-grid states; only those with the coin in view are used.
    """
    seen = states.subset(states.coin_in_view)
    if len(seen) == 0:
        raise ValueError("no state has the coin in view: a coin vector needs states with the coin in view")
    with_coin = capture(network, seen.obs, layer)[layer]
    without = capture(network, seen.without_coin(), layer)[layer]
    return (with_coin - without).mean(axis=0)


def random_direction(like, seed: int = 0) -> np.ndarray:
    """A direction drawn uniformly at random with the norm of the vector ``like`` (D,)."""
    like = np.asarray(like, dtype=np.float64)
    if like.ndim != 1 or not np.isfinite(like).all():
        raise ValueError(f"like of shape {like.shape} is not allowed: like must be a finite vector")
    v = np.random.default_rng(check_seed(seed)).normal(size=like.shape)
    return (v / np.linalg.norm(v) * np.linalg.norm(like)).astype(np.float32)


def play_steered(agent, level_seeds, coin_placement: str, layer: str, vector=None, coefficient: float = 1.0,
                 seed: int = 0):
    """Play CoinRun-grid levels with ``coefficient * vector`` added to ``layer`` at every step.

    Args:
        agent: a loaded CoinRun-grid agent.
        level_seeds: (n,) the levels.
        coin_placement: "end" (the goals coincide) or "random" (the coin moved).
        layer: the layer edited; vector: (D,) the direction (None: play unedited).
        coefficient: the multiple of ``vector`` added (negative: subtracted).
        seed: seed of the action sampling.

    Returns:
        the per-level table of ``analysis.evaluate_coinrun.score(play_levels(...))``.
    """
    from goalmisgen.analysis.evaluate_coinrun import play_levels, score

    coefficient = check_float("coefficient", coefficient)
    if vector is None:
        return score(play_levels(agent, level_seeds, coin_placement, seed=seed))
    with edited(agent.policy, layer, add=coefficient * np.asarray(vector, dtype=np.float32)):
        return score(play_levels(agent, level_seeds, coin_placement, seed=seed))
