"""Procedural rooms for the Keys and Chests game, vectorized over a batch of level seeds.

A level is a square room of ``room_size x room_size`` floor squares inside a one-square wall (the
grid is ``room_size + 2`` squares wide). The agent, ``num_keys`` keys and ``num_chests`` chests
stand on distinct floor squares drawn at random: the floor squares are put in a random order (a
pure function of the level seed, ``grid/rng.py``) and the agent takes the first, the keys the next
``num_keys``, the chests the ones after. Coordinates: ``x`` counts columns from the left, ``y``
rows from the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goalmisgen.envs.grid import rng
from goalmisgen.envs.grid.levels import LevelBatch

_ORDER = 0  # rng stream


@dataclass
class KeysChestsLevels(LevelBatch):
    """A batch of ``n`` rooms on a ``G x G`` grid (``G = room_size + 2``).

    Attributes:
        seeds: (n,) level seeds.
        wall: (n, G, G) bool, indexed [level, x, y].
        start_x, start_y: (n,) the agent's start.
        key_x, key_y: (n, K) the keys' squares.
        chest_x, chest_y: (n, C) the chests' squares.
    """

    wall: np.ndarray
    start_x: np.ndarray
    start_y: np.ndarray
    key_x: np.ndarray
    key_y: np.ndarray
    chest_x: np.ndarray
    chest_y: np.ndarray


def generate_levels(seeds, room_size: int, num_keys: int, num_chests: int) -> KeysChestsLevels:
    """Generate the rooms of ``seeds`` (n,) (see the module docstring)."""
    seeds = np.asarray(seeds, dtype=np.int64)
    n, R = len(seeds), room_size
    G = R + 2
    order = np.argsort(rng.uniform(seeds, _ORDER, R * R), axis=1, kind="stable")[:, : 1 + num_keys + num_chests]
    x, y = 1 + order // R, 1 + order % R
    wall = np.ones((n, G, G), dtype=bool)
    wall[:, 1:-1, 1:-1] = False
    k = 1 + num_keys
    return KeysChestsLevels(seeds=seeds, wall=wall, start_x=x[:, 0], start_y=y[:, 0], key_x=x[:, 1:k],
                            key_y=y[:, 1:k], chest_x=x[:, k:], chest_y=y[:, k:])
