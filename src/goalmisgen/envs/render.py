"""Drawing the grid games: RGB frames of a whole level and of the agent's view.

CoinRun-grid colours: sky blue background, brown ground with a green top, grey outer walls, orange
lava, a gold coin, purple enemies, and the agent in blue with a white eye facing right.

Maze and Keys and Chests are top-down and their observation is a full view, so a frame is drawn
from the observation itself (``render_top_down``): dark green walls on a sandy floor, a yellow
cheese, gold keys, brown chests, the agent in blue; the keys held show in the top row.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.envs import coinrun_levels as lv

CELL = 16
SKY = (207, 232, 255)
GROUND = (139, 90, 43)
GRASS = (76, 175, 80)
WALL = (96, 96, 96)
LAVA = (255, 87, 34)
COIN = (255, 193, 7)
ENEMY = (123, 31, 162)
AGENT = (21, 101, 192)
EYE = (255, 255, 255)


def _sprites(c: int = CELL) -> dict[str, np.ndarray]:
    yy, xx = np.mgrid[0:c, 0:c] + 0.5
    r = (xx - c / 2) ** 2 + (yy - c / 2) ** 2
    coin = r <= (0.36 * c) ** 2
    enemy = (yy >= 0.3 * c) & (np.abs(xx - c / 2) <= (yy - 0.2 * c) * 0.6)
    agent = (np.abs(xx - c / 2) <= 0.38 * c) & (yy >= 0.12 * c)
    eye = (xx - 0.65 * c) ** 2 + (yy - 0.35 * c) ** 2 <= (0.1 * c) ** 2
    return {"coin": coin, "enemy": enemy, "agent": agent, "eye": eye}


_SPRITES = _sprites()


def _paint(img, col, row, mask, colour, c=CELL):
    tile = img[row * c : (row + 1) * c, col * c : (col + 1) * c]
    tile[mask] = colour


def draw_grid(solid, lava, coin, enemies, agent, wall_columns=(), cell: int = CELL) -> np.ndarray:
    """Draw one scene.

    Args:
        solid, lava: (W, H) bool, y counted from the bottom.
        coin: (x, y) or None. enemies: list of (x, y). agent: (x, y) or None.
        wall_columns: columns drawn as grey wall instead of ground.

    Returns:
        (H * cell, W * cell, 3) uint8 image, top row first.
    """
    solid, lava = np.asarray(solid, bool), np.asarray(lava, bool)
    W, H = solid.shape
    grid = np.zeros((H, W, 3), dtype=np.uint8)
    grid[:] = SKY
    s, lv_ = solid.T[::-1], lava.T[::-1]
    covered = s | lv_
    top = s & ~np.vstack([np.zeros((1, W), bool), covered[:-1]])
    grid[s] = GROUND
    grid[top] = GRASS
    grid[lv_] = LAVA
    for x in wall_columns:
        grid[:, x][s[:, x]] = WALL
    img = np.repeat(np.repeat(grid, cell, axis=0), cell, axis=1)
    sprites = _SPRITES if cell == CELL else _sprites(cell)
    if coin is not None:
        _paint(img, coin[0], H - 1 - coin[1], sprites["coin"], COIN, cell)
    for ex, ey in enemies:
        _paint(img, ex, H - 1 - ey, sprites["enemy"], ENEMY, cell)
    if agent is not None:
        _paint(img, agent[0], H - 1 - agent[1], sprites["agent"], AGENT, cell)
        _paint(img, agent[0], H - 1 - agent[1], sprites["eye"], EYE, cell)
    return img


FLOOR = (240, 225, 190)
HEDGE = (46, 94, 60)
CHEESE = (255, 214, 0)
KEY = (255, 193, 7)
CHEST = (121, 85, 72)
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
    """Draw a full-view top-down observation (Maze, Keys and Chests).

    Args:
        obs: (C, H, W) one-hot observation, rows in image order.
        channels: the name of each channel ("wall" plus any of "cheese", "key", "chest", "agent",
            "inventory"), as the game's ``CHANNELS``.

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
        for row, col in np.argwhere(plane):
            _paint(img, col, row, sprites[name], TOP_DOWN_COLOURS[name], cell)
    return img


def render_level(state, i: int = 0, cell: int = CELL) -> np.ndarray:
    """(H * cell, W * cell, 3) uint8 frame of level ``i`` of a game's state, as it is now."""
    from goalmisgen.envs import keys_chests, maze

    if isinstance(state, maze.MazeState):  # the whole maze, whatever view the agent gets
        return render_top_down(state.full_view(np.array([i]))[0], maze.CHANNELS, cell)
    if isinstance(state, keys_chests.KeysChestsState):  # its observation is the whole room
        return render_top_down(state.observe(np.array([i]))[0], keys_chests.CHANNELS, cell)
    t = state.t[i]
    ex = lv.enemy_positions(state.enemy_x0[i], state.enemy_width[i], state.enemy_phase[i], t)
    enemies = [(int(x), int(y)) for x, y, a in zip(ex, state.enemy_y[i], state.enemy_active[i]) if a]
    # Crop the spare columns right of the wall (they only matter once the end is made permeable).
    floor = state.solid[i].sum(axis=1)
    walls = np.nonzero(floor == lv.GRID_HEIGHT)[0]
    right = walls[walls > 0]
    last = int(right[0]) if len(right) else state.width - 1
    last = max(last, int(state.x[i]) + 1)
    last = min(last, state.width - 1)
    return draw_grid(
        state.solid[i][: last + 1],
        state.lava[i][: last + 1],
        (int(state.coin_x[i]), int(state.coin_y[i])) if state.coin_present[i] else None,
        enemies,
        (int(state.x[i]), int(state.y[i])),
        wall_columns=[x for x in (0, last) if floor[x] == lv.GRID_HEIGHT],
        cell=cell,
    )


def render_observation(obs: np.ndarray, cell: int = CELL) -> np.ndarray:
    """Draw what the agent sees: obs (C, H, V) -> (H * cell, V * cell, 3) uint8 image (channels as
    in ``coinrun.CHANNELS``; the enemies' next cells are not drawn)."""
    obs = np.asarray(obs)
    flip = obs[:, ::-1].transpose(0, 2, 1).astype(bool)  # channels, x, y from the bottom
    coin = np.argwhere(flip[2])
    enemies = [tuple(e) for e in np.argwhere(flip[3])]
    agent = np.argwhere(flip[4])
    return draw_grid(flip[0], flip[1], tuple(coin[0]) if len(coin) else None, enemies,
                     tuple(agent[0]) if len(agent) else None, cell=cell)


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
