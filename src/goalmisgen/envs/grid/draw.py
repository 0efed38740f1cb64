"""Drawing primitives every grid game shares: the cell size, painting a sprite into a cell, and
top-down frames drawn from a full-view observation.

A top-down game (the Maze, Keys and Chests) is drawn from its observation itself
(``render_top_down``): dark green walls on a sandy floor, and a sprite per object channel.
"""

from __future__ import annotations

import numpy as np

CELL = 16
"""Pixels per grid cell in every frame the course draws."""
AGENT = (21, 101, 192)


def paint(img: np.ndarray, col: int, row: int, mask: np.ndarray, colour, cell: int = CELL) -> None:
    """Paint ``colour`` where ``mask`` (cell, cell) bool is True in cell (``row``, ``col``) of ``img``."""
    tile = img[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell]
    tile[mask] = colour


FLOOR = (240, 225, 190)
HEDGE = (46, 94, 60)
CHEESE = (255, 214, 0)
KEY = (255, 193, 7)
CHEST = (121, 85, 72)
OTHER = (120, 120, 120)
TOP_DOWN_COLOURS = {"cheese": CHEESE, "key": KEY, "chest": CHEST, "agent": AGENT, "inventory": KEY}


def _top_down_sprites(c: int) -> dict[str, np.ndarray]:
    yy, xx = np.mgrid[0:c, 0:c] + 0.5
    r = (xx - c / 2) ** 2 + (yy - c / 2) ** 2
    wedge = (yy >= 0.25 * c) & (yy <= 0.8 * c) & (np.abs(xx - c / 2) <= (yy - 0.2 * c) * 0.7)
    key = (((xx - 0.3 * c) ** 2 + (yy - c / 2) ** 2 <= (0.18 * c) ** 2)
           | ((xx >= 0.3 * c) & (xx <= 0.85 * c) & (np.abs(yy - c / 2) <= 0.07 * c))
           | ((xx >= 0.65 * c) & (xx <= 0.75 * c) & (yy >= c / 2) & (yy <= 0.7 * c)))
    chest = (np.abs(xx - c / 2) <= 0.38 * c) & (yy >= 0.3 * c) & (yy <= 0.8 * c)
    agent = r <= (0.38 * c) ** 2
    return {"cheese": wedge, "key": key, "chest": chest, "agent": agent, "inventory": key}


def render_top_down(obs: np.ndarray, channels: tuple[str, ...], cell: int = CELL) -> np.ndarray:
    """Draw a full-view top-down observation (Maze, Keys and Chests, any top-down game).

    Args:
        obs: (C, H, W) one-hot observation, rows in image order.
        channels: the name of each channel, as the game's ``CHANNELS``: "wall" plus objects.
            "cheese", "key", "chest", "agent" and "inventory" have their own sprites; any other
            object is drawn as a grey disc.

    Returns:
        (H * cell, W * cell, 3) uint8 image.
    """
    obs = np.asarray(obs).astype(bool)
    grid = np.zeros(obs.shape[1:] + (3,), dtype=np.uint8)
    grid[:] = FLOOR
    grid[obs[channels.index("wall")]] = HEDGE
    img = np.repeat(np.repeat(grid, cell, axis=0), cell, axis=1)
    sprites = _top_down_sprites(cell)
    for name, plane in zip(channels, obs):
        if name == "wall":
            continue
        sprite, colour = sprites.get(name, sprites["agent"]), TOP_DOWN_COLOURS.get(name, OTHER)
        for row, col in np.argwhere(plane):
            paint(img, col, row, sprite, colour, cell)
    return img
