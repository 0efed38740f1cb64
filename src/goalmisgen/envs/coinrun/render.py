"""Drawing CoinRun-grid: RGB frames of a whole level and of the agent's view.

Sky blue background, brown ground with a green top, grey outer walls, orange lava, a gold coin,
purple enemies, and the agent in blue with a white eye facing right.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.grid.draw import AGENT, CELL, paint

SKY = (207, 232, 255)
GROUND = (139, 90, 43)
GRASS = (76, 175, 80)
WALL = (96, 96, 96)
LAVA = (255, 87, 34)
COIN = (255, 193, 7)
ENEMY = (123, 31, 162)
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
        paint(img, coin[0], H - 1 - coin[1], sprites["coin"], COIN, cell)
    for ex, ey in enemies:
        paint(img, ex, H - 1 - ey, sprites["enemy"], ENEMY, cell)
    if agent is not None:
        paint(img, agent[0], H - 1 - agent[1], sprites["agent"], AGENT, cell)
        paint(img, agent[0], H - 1 - agent[1], sprites["eye"], EYE, cell)
    return img


def render_level(state, i: int = 0, cell: int = CELL) -> np.ndarray:
    """(H * cell, W * cell, 3) uint8 frame of level ``i`` of a ``CoinRunState``, as it is now."""
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
