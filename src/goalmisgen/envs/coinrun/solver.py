"""Shortest paths in CoinRun-grid, by the grid core's search over the game's own physics.

The agent's state is ``(x, y, jump lift)``; enemies cycle with periods 4, 6 or 8 (patrols of 3,
4 or 5 cells), so time matters modulo 24.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import ACTIONS, CoinRunOptions, CoinRunState, physics_step
from goalmisgen.envs.grid.search import shortest_paths

ENEMY_PERIOD_LCM = int(np.lcm.reduce(2 * (lv.SECTION_WIDTHS - 1)))


def shortest_paths_to(levels: lv.CoinRunLevels, targets: np.ndarray, max_steps: int = 200) -> np.ndarray:
    """Fewest steps from the start to any cell of ``targets`` (n, W, H) bool in each level of
    ``levels`` (-1 where none can be reached within ``max_steps``). Collecting the coin ends an
    episode, so a path through the coin only counts if the coin's cell is a target."""
    n = len(levels)
    K = levels.enemy_x0.shape[1]
    state = CoinRunState(n, CoinRunOptions(num_sections=K, max_steps=max_steps))
    state.load(np.arange(n), levels)

    def step(i, s, t, a):
        x, y, vy, died, coin = physics_step(state, i, s[0], s[1], s[2], t, a)
        return (x, y, vy), died, coin

    start = (state.x.copy(), state.y.copy(), state.vy.copy())
    sizes = (levels.width, lv.GRID_HEIGHT, lv.JUMP_HEIGHT + 1)
    return shortest_paths(step, start, sizes, targets, len(ACTIONS), max_steps, ENEMY_PERIOD_LCM)


def cell_targets(levels: lv.CoinRunLevels, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(n, W, H) bool targets: cell ``(x[i], y[i])`` of each level, or the whole column ``x[i]``
    when ``y`` is None."""
    n = len(levels)
    t = np.zeros((n, levels.width, lv.GRID_HEIGHT), dtype=bool)
    if y is None:
        t[np.arange(n), np.asarray(x)] = True
    else:
        t[np.arange(n), np.asarray(x), np.asarray(y)] = True
    return t


def shortest_coin_paths(level_seeds, max_steps: int = 200, **options) -> np.ndarray:
    """Fewest steps from the start to the coin for each level seed (-1 where the coin is
    unreachable within ``max_steps``). ``options`` are CoinRunOptions (coin_placement, ...)."""
    opts = CoinRunOptions(max_steps=max_steps, **options)
    seeds = np.asarray(level_seeds, dtype=np.int64)
    levels = CoinRunState.generate(seeds, opts)
    return shortest_paths_to(levels, cell_targets(levels, levels.coin_x, levels.coin_y), max_steps)
