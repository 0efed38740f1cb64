"""Drawing procgen CoinRun: a map of a level from its saved state's grid."""

from __future__ import annotations

import numpy as np

from goalmisgen.envs.coinrun.render import COIN, GRASS, GROUND, LAVA, SKY
from goalmisgen.envs.grid.draw import AGENT

PROCGEN_COLOURS = {1: COIN, 15: GROUND, 16: GRASS, 17: LAVA, 18: LAVA}
"""Cell codes of procgen CoinRun's grid (coin, wall, wall top, lava) and their colours; the rest
(space 100, the invisible enemy barrier 19, ...) is drawn as sky."""


def draw_procgen_grid(grid: np.ndarray, player_xy=None, end_x: int | None = None, cell: int = 6) -> np.ndarray:
    """Map of a procgen CoinRun level from its saved-state grid.

    Args:
        grid: (64, 64) int cells indexed [y, x], y = 0 at the bottom (``CoinRunSavedState.grid``).
        player_xy: the player's (x, y) in cells, drawn as a blue square, or None.
        end_x: crop the map just right of this column (default: the rightmost non-space column).
        cell: pixels per cell.

    Returns:
        (rows * cell, columns * cell, 3) uint8 image, top row first. Moving entities (enemies,
        saws) are not part of the grid and are not drawn.
    """
    grid = np.asarray(grid)
    used = np.nonzero((grid != 100).any(axis=0))[0]
    right = (end_x + 2) if end_x is not None else (used.max() + 1 if used.size else grid.shape[1])
    interior = grid[:-1, 1 : right - 1]  # ignore the border walls and the ceiling
    top = min(grid.shape[0], int(np.nonzero((interior != 100).any(axis=1))[0].max()) + 5)
    view = grid[:top, :right][::-1]
    img = np.zeros(view.shape + (3,), dtype=np.uint8)
    img[:] = SKY
    for code, colour in PROCGEN_COLOURS.items():
        img[view == code] = colour
    img = np.repeat(np.repeat(img, cell, axis=0), cell, axis=1)
    if player_xy is not None:
        px, py = int(player_xy[0]), int(player_xy[1])
        row = top - 1 - py
        if 0 <= row < top and 0 <= px < right:
            img[row * cell : (row + 1) * cell, px * cell : (px + 1) * cell] = AGENT
    return img
