"""Procedural mazes for the Maze game, vectorized over a batch of level seeds.

A maze of side ``size`` (odd, in grid squares, as in procgen's maze) has ``(size + 1) // 2``
rooms per side at the even coordinates ``0, 2, 4, ...``; the squares between two rooms are
passages or walls, and the squares at odd/odd coordinates are always walls. The passages come from
a **randomized depth-first search** (the "recursive backtracker"): start in the bottom-left room,
step to a random unvisited neighbouring room (opening the passage between them) until there is
none, then back up. The result is a perfect maze: exactly one path between any two rooms, long
winding corridors, and no free run along the top row or the right column (unlike a binary-tree
maze, where "go up, then right" solves every level).

Every level of the batch runs its own search in lockstep with the others (one numpy step per
search move, ``2 * rooms**2`` moves for the largest maze), each with its own stack.

``generator="kruskal"`` carves with **randomized Kruskal's algorithm** instead (procgen's maze
generator uses it, and so Turner et al.'s mazes): every passage between two neighbouring rooms is
considered once, in a random order, and opened when the two rooms are not yet connected. The
result is also a perfect maze, but with many short dead ends and branches instead of long
corridors, so the way to the cheese and the way to the corner part more often (more mazes have a
decision square).

The maze sits in the middle of a fixed ``max_size x max_size`` grid; the squares around a smaller
maze are walls, as in procgen. Coordinates: ``x`` counts columns from the left, ``y`` rows from
the bottom. The agent starts in the maze's bottom-left square, the **corner** is its top-right
square.

Cheese placement (all randomness a pure function of the level seed, ``grid/rng.py``):

* ``"region"`` (training): on a random open square of the maze's top-right ``k x k`` squares
  (``k = cheese_region``; ``k = 1`` puts it exactly in the corner). Squares beyond the maze are
  never chosen, nor the start.
* ``"anywhere"`` (test): on a random open square of the maze other than the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goalmisgen.envs.grid import rng
from goalmisgen.envs.grid.levels import LevelBatch

CHEESE_PLACEMENTS = ("region", "anywhere")
GENERATORS = ("dfs", "kruskal")
"""Maze generators: randomized depth-first search (long corridors) or randomized Kruskal's algorithm."""
_SIZE, _CARVE, _CHEESE = 0, 1, 2  # rng streams
_STEPS = np.array([[0, 1], [0, -1], [-1, 0], [1, 0]])  # up, down, left, right


@dataclass
class MazeLevels(LevelBatch):
    """A batch of ``n`` mazes in a ``G x G`` grid (``G = max_size``).

    Attributes:
        seeds: (n,) level seeds.
        wall: (n, G, G) bool, indexed [level, x, y]; True where a wall is.
        size: (n,) side of each maze in squares (odd).
        origin: (n,) the maze's bottom-left square is (origin, origin) (the agent's start).
        cheese_x, cheese_y: (n,) the cheese's square.
    """

    wall: np.ndarray
    size: np.ndarray
    origin: np.ndarray
    cheese_x: np.ndarray
    cheese_y: np.ndarray

    @property
    def corner(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y), each (n,): the maze's top-right square."""
        far = self.origin + self.size - 1
        return far, far.copy()


def carve(seeds: np.ndarray, rooms: np.ndarray, max_rooms: int) -> np.ndarray:
    """Randomized depth-first search over the rooms of each level, all levels in lockstep.

    Args:
        seeds: (n,) level seeds.
        rooms: (n,) rooms per side of each maze (at most ``max_rooms``).
        max_rooms: rooms per side of the largest maze.

    Returns:
        (n, 2 * max_rooms - 1, 2 * max_rooms - 1) bool, True where the maze is open (maze
        coordinates [x, y], the maze of level i in its first ``2 * rooms[i] - 1`` squares).
    """
    n, M = len(seeds), max_rooms
    S = 2 * M - 1
    moves = 2 * M * M
    u = rng.uniform(seeds, _CARVE, moves)
    open_ = np.zeros((n, S, S), dtype=bool)
    ax = np.arange(M)
    visited = (ax[None, :, None] >= rooms[:, None, None]) | (ax[None, None, :] >= rooms[:, None, None])
    stack = np.zeros((n, M * M), dtype=np.int64)  # room index rx * M + ry
    depth = np.ones(n, dtype=np.int64)
    visited[:, 0, 0] = True
    open_[:, 0, 0] = True
    idx = np.arange(n)
    for move in range(moves):
        live = depth > 0
        if not live.any():
            break
        top = stack[idx, np.maximum(depth - 1, 0)]
        rx, ry = top // M, top % M
        nx = rx[:, None] + _STEPS[None, :, 0]
        ny = ry[:, None] + _STEPS[None, :, 1]
        inside = (nx >= 0) & (nx < M) & (ny >= 0) & (ny < M)
        free = inside & ~visited[idx[:, None], np.clip(nx, 0, M - 1), np.clip(ny, 0, M - 1)] & live[:, None]
        count = free.sum(axis=1)
        go = count > 0
        pick = np.minimum((u[:, move] * count).astype(np.int64), np.maximum(count - 1, 0))
        choice = np.argmax(np.cumsum(free, axis=1) > pick[:, None], axis=1)  # the pick-th free neighbour
        g = idx[go]
        cx, cy = nx[g, choice[go]], ny[g, choice[go]]
        visited[g, cx, cy] = True
        open_[g, 2 * cx, 2 * cy] = True
        open_[g, rx[g] + cx, ry[g] + cy] = True  # the passage between the two rooms
        stack[g, depth[g]] = cx * M + cy
        depth = np.where(go, depth + 1, np.where(live, depth - 1, 0))
    return open_


def kruskal(seeds: np.ndarray, rooms: np.ndarray, max_rooms: int) -> np.ndarray:
    """Randomized Kruskal's algorithm over the rooms of each level, all levels in lockstep.

    Same arguments and result as ``carve``. Each level visits every passage between two
    neighbouring rooms of its maze once, in its own random order, and opens it when the rooms are
    in different connected sets (the sets are kept as a label per room and merged by relabelling).
    """
    n, M = len(seeds), max_rooms
    S = 2 * M - 1
    rx, ry = np.meshgrid(np.arange(M), np.arange(M), indexing="ij")
    across = [(a, b) for a, b in zip((rx[:-1] * M + ry[:-1]).ravel(), (rx[1:] * M + ry[1:]).ravel())]
    up = [(a, b) for a, b in zip((rx[:, :-1] * M + ry[:, :-1]).ravel(), (rx[:, 1:] * M + ry[:, 1:]).ravel())]
    edges = np.array(across + up)  # (E, 2) room indices rx * M + ry
    order = np.argsort(rng.uniform(seeds, _CARVE, len(edges)), axis=1, kind="stable")  # (n, E)
    inside = np.maximum(edges // M, edges % M)  # the larger room coordinate of each end, (E, 2)
    labels = np.tile(np.arange(M * M), (n, 1))
    open_ = np.zeros((n, S, S), dtype=bool)
    room = np.arange(M)
    open_[:, 2 * room[:, None], 2 * room[None, :]] = True
    out = (room[None, :, None] >= rooms[:, None, None]) | (room[None, None, :] >= rooms[:, None, None])
    open_[:, ::2, ::2] &= ~out
    idx = np.arange(n)
    for t in range(len(edges)):
        e = order[:, t]
        a, b = edges[e, 0], edges[e, 1]
        fits = inside[e].max(axis=1) < rooms
        la, lb = labels[idx, a], labels[idx, b]
        join = fits & (la != lb)
        labels = np.where(join[:, None] & (labels == lb[:, None]), la[:, None], labels)
        j = idx[join]
        open_[j, (a[join] // M) + (b[join] // M), (a[join] % M) + (b[join] % M)] = True
    return open_


def _pick_square(candidates: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A uniformly chosen True square of each level: candidates (n, G, G) bool, u (n,) in [0, 1)."""
    n, G, _ = candidates.shape
    flat = candidates.reshape(n, -1)
    count = flat.sum(axis=1)
    pick = np.minimum((u * count).astype(np.int64), count - 1)
    cell = np.argmax(np.cumsum(flat, axis=1) > pick[:, None], axis=1)
    return cell // G, cell % G


def generate_levels(seeds, min_size: int, max_size: int, cheese_placement: str, cheese_region: int,
                    generator: str = "dfs") -> MazeLevels:
    """Generate the mazes of ``seeds`` (n,) (see the module docstring for the rules).

    Sizes are drawn uniformly from the odd numbers ``min_size .. max_size``; ``generator`` is one of
    ``GENERATORS`` (the sizes and the cheese's draw do not depend on it).
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    n, G = len(seeds), max_size
    choices = (max_size - min_size) // 2 + 1
    size = min_size + 2 * np.minimum((rng.uniform(seeds, _SIZE, 1)[:, 0] * choices).astype(np.int64), choices - 1)
    rooms = (size + 1) // 2
    carver = kruskal if generator == "kruskal" else carve
    maze = carver(seeds, rooms, (max_size + 1) // 2)  # (n, G, G) in maze coordinates
    origin = (G - size) // 2
    ax = np.arange(G)
    mx = ax[None, :] - origin[:, None]  # maze coordinate of each grid column, (n, G)
    inside = (mx >= 0) & (mx < size[:, None])
    mxc = np.clip(mx, 0, G - 1)
    open_grid = maze[np.arange(n)[:, None, None], mxc[:, :, None], mxc[:, None, :]]
    open_grid &= inside[:, :, None] & inside[:, None, :]
    far = origin + size - 1
    if cheese_placement == "region":
        near = (ax[None, :] > far[:, None] - cheese_region) & (ax[None, :] <= far[:, None])
        candidates = open_grid & near[:, :, None] & near[:, None, :]
    else:
        candidates = open_grid.copy()
    candidates[np.arange(n), origin, origin] = False
    cx, cy = _pick_square(candidates, rng.uniform(seeds, _CHEESE, 1)[:, 0])
    return MazeLevels(seeds=seeds, wall=~open_grid, size=size, origin=origin, cheese_x=cx, cheese_y=cy)
