"""Exhaustive search over CoinRun-grid's own dynamics: can the coin be reached, and how fast?

Breadth-first search over agent states ``(x, y, jump lift, time mod enemy period)`` for a whole
batch of levels at once, stepping every frontier state with every action through
``coinrun.physics_step`` (the very function the environment uses), so the answer cannot drift
from the game's rules. Enemies move on a fixed cycle, so time only matters modulo that cycle, and
reaching a state earlier is never worse: the first visit is the only one that counts.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.envs import coinrun_levels as lv
from goalmisgen.envs.coinrun import ACTIONS, CoinRunOptions, CoinRunState, physics_step


def shortest_coin_paths(level_seeds, **options) -> np.ndarray:
    """Fewest steps from the start to the coin for each level (-1 where the coin is unreachable
    within ``max_steps``).

    Args:
        level_seeds: (n,) level seeds.
        **options: CoinRunOptions (coin_placement, num_sections, max_steps, ...).

    Returns:
        (n,) int64.
    """
    opts = CoinRunOptions(**options)
    seeds = np.asarray(level_seeds, dtype=np.int64)
    n = len(seeds)
    state = CoinRunState(n, opts)
    state.load(np.arange(n), state.generate(seeds))
    W, H, P, V = opts.width, lv.GRID_HEIGHT, lv.enemy_period(), lv.JUMP_HEIGHT + 1
    visited = np.zeros((n, W, H, V, P), dtype=bool)
    best = np.full(n, -1, dtype=np.int64)

    idx, x, y, vy = np.arange(n), state.x.copy(), state.y.copy(), state.vy.copy()
    visited[idx, x, y, vy, 0] = True
    num_actions = len(ACTIONS)
    for t in range(opts.max_steps):
        if idx.size == 0:
            break
        m = idx.size
        a = np.repeat(np.arange(num_actions), m)
        i, x0, y0, v0 = (np.tile(arr, num_actions) for arr in (idx, x, y, vy))
        nx, ny, nvy, died, coin = physics_step(state, i, x0, y0, v0, np.full(i.size, t), a)
        solved = np.unique(i[coin])
        best[solved[best[solved] < 0]] = t + 1
        keep = ~died & ~coin & (best[i] < 0)
        i, nx, ny, nvy = i[keep], nx[keep], ny[keep], nvy[keep]
        phase = (t + 1) % P
        fresh = ~visited[i, nx, ny, nvy, phase]
        i, nx, ny, nvy = i[fresh], nx[fresh], ny[fresh], nvy[fresh]
        key = np.unique(((i * W + nx) * H + ny) * V + nvy)
        vy = key % V
        y = (key // V) % H
        x = (key // (V * H)) % W
        idx = key // (V * H * W)
        visited[idx, x, y, vy, phase] = True
    return best
