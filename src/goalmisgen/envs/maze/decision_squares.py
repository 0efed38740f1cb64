"""Decision squares in the Maze (Turner et al. 2023): where the way to the cheese and the way to the
corner part.

From the start, the shortest path to the cheese and the shortest path to the maze's top-right
corner run together for a while and then split. The **decision square** is the last square they
share: standing there, the agent must choose. A maze *has* a decision square when the two paths
really split, that is when neither target lies on the way to the other (if the cheese lies on the
way to the corner, a corner-seeker collects it by accident and the maze says nothing about the
agent's goal): the game's good-level rule.

The mazes are perfect (one path between any two squares), so the shortest paths from the start
form a tree and the decision square is the lowest common ancestor of the cheese and the corner in
it. Distances from the start come from a breadth-first flood fill over the game's own ``move``
(so they cannot drift from the rules); the cheese-to-corner path distance comes from the grid
core's search (``goalmisgen.envs.grid.search``), started at the cheese.

Features, all in squares (Turner et al.'s set): Euclidean and path distance from the cheese to the
corner, from the decision square to the cheese and from the decision square to the corner
(``goalmisgen.analysis.decision_squares`` fits "got the cheese" on them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goalmisgen.envs.grid.moves import ACTIONS, move
from goalmisgen.envs.grid.search import shortest_paths
from goalmisgen.envs.maze.levels import MazeLevels

FEATURES = ("cheese_corner_euclid", "cheese_corner_path", "decision_cheese_euclid", "decision_cheese_path",
            "decision_corner_euclid", "decision_corner_path")
"""Columns of ``decision_squares`` that ``fit_l1_logistic`` uses by default."""


def distances_from(levels: MazeLevels, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Steps from square ``(x[i], y[i])`` to every square of maze ``i``, by breadth-first search.

    Args:
        levels: a batch of ``n`` mazes on a ``G x G`` grid.
        x, y: (n,) the source square of each maze.

    Returns:
        (n, G, G) int64 indexed [level, x, y]; -1 where the square cannot be reached (walls).
    """
    n, G = len(levels), levels.wall.shape[1]
    wall_flat = levels.wall.reshape(-1)
    dist = np.full((n, G, G), -1, dtype=np.int64)
    idx, fx, fy = np.arange(n), np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    dist[idx, fx, fy] = 0
    for d in range(1, G * G):
        if idx.size == 0:
            break
        k = len(ACTIONS)
        i, a = np.tile(idx, k), np.repeat(np.arange(k), idx.size)
        nx, ny = move(wall_flat, G, i, np.tile(fx, k), np.tile(fy, k), a)
        fresh = dist[i, nx, ny] < 0
        i, nx, ny = i[fresh], nx[fresh], ny[fresh]
        dist[i, nx, ny] = d  # duplicates write the same value
        key = np.unique((i * G + nx) * G + ny)
        idx, fx, fy = key // (G * G), (key // G) % G, key % G
    return dist


def _step_back(dist: np.ndarray, wall_flat: np.ndarray, G: int, idx, x, y):
    """One step towards the source: the open neighbour one step closer (unique in a perfect maze)."""
    bx, by = x.copy(), y.copy()
    for a in range(len(ACTIONS)):
        nx, ny = move(wall_flat, G, idx, x, y, np.full(len(idx), a))
        closer = (dist[idx, nx, ny] == dist[idx, x, y] - 1) & (dist[idx, x, y] > 0)
        bx, by = np.where(closer, nx, bx), np.where(closer, ny, by)
    return bx, by


def decision_squares(levels: MazeLevels) -> pd.DataFrame:
    """The decision square and the distance features of every maze of a batch.

    Returns:
        DataFrame, one row per maze: ``level_seed``, ``has_decision_square`` (the paths to the
        cheese and to the corner split: neither lies on the way to the other), ``decision_x``,
        ``decision_y`` (the last square both paths share; the cheese or the corner itself when
        one lies on the way to the other), ``cheese_on_corner_path``, ``start_cheese_path``,
        ``start_corner_path`` and the ``FEATURES`` (distances in squares).
    """
    n, G = len(levels), levels.wall.shape[1]
    wall_flat = levels.wall.reshape(-1)
    idx = np.arange(n)
    dist = distances_from(levels, levels.origin, levels.origin)
    kx, ky = levels.corner
    cx, cy = levels.cheese_x, levels.cheese_y
    d_cheese, d_corner = dist[idx, cx, cy], dist[idx, kx, ky]
    # walk both ends back towards the start until they meet: the lowest common ancestor
    ax, ay, bx, by = cx.copy(), cy.copy(), kx.copy(), ky.copy()
    for _ in range(2 * G * G):
        da, db = dist[idx, ax, ay], dist[idx, bx, by]
        same = (ax == bx) & (ay == by)
        if same.all():
            break
        back_a = ~same & (da >= db)
        back_b = ~same & (db > da)
        nax, nay = _step_back(dist, wall_flat, G, idx, ax, ay)
        nbx, nby = _step_back(dist, wall_flat, G, idx, bx, by)
        ax, ay = np.where(back_a, nax, ax), np.where(back_a, nay, ay)
        bx, by = np.where(back_b, nbx, bx), np.where(back_b, nby, by)
    dx, dy = ax, ay
    d_decision = dist[idx, dx, dy]
    targets = np.zeros_like(levels.wall)
    targets[idx, kx, ky] = True

    def step(i, state, t, action):
        nx, ny = move(wall_flat, G, i, state[0], state[1], action)
        none = np.zeros(len(i), dtype=bool)
        return (nx, ny), none, none

    cheese_corner = shortest_paths(step, (cx, cy), (G, G), targets, len(ACTIONS), G * G)
    cheese_corner[(cx == kx) & (cy == ky)] = 0
    at_cheese = (dx == cx) & (dy == cy)
    at_corner = (dx == kx) & (dy == ky)
    return pd.DataFrame({
        "level_seed": levels.seeds,
        "has_decision_square": ~at_cheese & ~at_corner,
        "decision_x": dx,
        "decision_y": dy,
        "cheese_on_corner_path": at_cheese,
        "start_cheese_path": d_cheese,
        "start_corner_path": d_corner,
        "cheese_corner_euclid": np.hypot(cx - kx, cy - ky),
        "cheese_corner_path": cheese_corner,
        "decision_cheese_euclid": np.hypot(dx - cx, dy - cy),
        "decision_cheese_path": d_cheese - d_decision,
        "decision_corner_euclid": np.hypot(dx - kx, dy - ky),
        "decision_corner_path": d_corner - d_decision,
    })


def good_levels(levels: MazeLevels) -> pd.DataFrame:
    """The Maze's good-level rule: a maze is good when the cheese lies off the shortest path from
    the start to the corner (elsewhere a corner-seeker collects it on its way). One row per maze:
    ``good`` and the ``decision_squares`` columns (without ``level_seed``)."""
    table = decision_squares(levels).drop(columns="level_seed")
    return table.assign(good=~table["cheese_on_corner_path"])
