"""Top-down moves: one square up, down, left or right per step, walls block (the Maze, Keys and
Chests and any other top-down game)."""

from __future__ import annotations

import numpy as np

ACTIONS = ("up", "down", "left", "right")
ACTION_DX = np.array([0, 0, -1, 1], dtype=np.int64)
ACTION_DY = np.array([1, -1, 0, 0], dtype=np.int64)


def move(wall_flat: np.ndarray, grid: int, idx, x, y, action):
    """One step of agents in levels ``idx`` (M,) from ``(x, y)`` (M,) with ``action`` (M,):
    the new (x, y). ``wall_flat`` is the (n * G * G,) wall array indexed level, x, y; squares
    beyond the grid count as walls."""
    nx = np.clip(x + ACTION_DX[action], 0, grid - 1)
    ny = np.clip(y + ACTION_DY[action], 0, grid - 1)
    blocked = wall_flat[(idx * grid + nx) * grid + ny]
    return np.where(blocked, x, nx), np.where(blocked, y, ny)
