"""Exhaustive search over a game's own step function: can the agent reach a target, and how fast?

Breadth-first search over agent states for a whole batch of levels at once, stepping every
frontier state with every action through the game's step function (the very function the
environment uses), so the answer cannot drift from the game's rules. Moving hazards follow fixed
cycles, so time only matters modulo their common ``period``, and reaching a state earlier is
never worse: the first visit is the only one that counts.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def shortest_paths(
    step: Callable,
    start: tuple[np.ndarray, ...],
    sizes: tuple[int, ...],
    targets: np.ndarray,
    num_actions: int,
    max_steps: int,
    period: int = 1,
) -> np.ndarray:
    """Fewest steps from ``start`` to any target cell, per level (-1 if none is reachable within
    ``max_steps`` steps).

    Args:
        step: ``step(idx, state, t, action) -> (state, dead, done)``: the game's rules for agents in
            levels ``idx`` (M,), where ``state`` is a tuple of (M,) int arrays whose first two
            entries are the column ``x`` and row ``y``, ``t`` (M,) the time step and ``action`` (M,)
            the action; ``dead`` (M,) marks agents that died on this move, ``done`` (M,) those whose
            episode ended for any reason (a dead or finished agent is not expanded further).
        start: the state at t = 0, a tuple of (n,) int arrays.
        sizes: the number of values each state entry takes (the entries must lie in 0 .. size-1).
        targets: (n, W, H) bool, the cells to reach in each level (W, H must equal sizes[0:2]).
        num_actions: actions per step.
        max_steps: the horizon.
        period: time matters only modulo this (the common period of every moving hazard).

    Returns:
        (n,) int64 steps to the nearest target (reaching it on a move that kills does not count).
    """
    n = targets.shape[0]
    sizes = tuple(int(s) for s in sizes)
    visited = np.zeros((n,) + sizes + (period,), dtype=bool)
    best = np.full(n, -1, dtype=np.int64)
    idx = np.arange(n)
    state = tuple(np.asarray(s, dtype=np.int64) for s in start)
    visited[(idx,) + state + (np.zeros(n, dtype=np.int64),)] = True
    strides = np.cumprod((1,) + sizes[::-1])[::-1]  # mixed-radix key over (level, *state)
    for t in range(max_steps):
        if idx.size == 0:
            break
        m = idx.size
        a = np.repeat(np.arange(num_actions), m)
        i = np.tile(idx, num_actions)
        s0 = tuple(np.tile(s, num_actions) for s in state)
        s1, dead, done = step(i, s0, np.full(i.size, t), a)
        hit = targets[i, s1[0], s1[1]] & ~dead
        solved = np.unique(i[hit])
        best[solved[best[solved] < 0]] = t + 1
        keep = ~dead & ~done & ~hit & (best[i] < 0)
        i, s1 = i[keep], tuple(s[keep] for s in s1)
        phase = (t + 1) % period
        fresh = ~visited[(i,) + s1 + (np.full(i.size, phase),)]
        i, s1 = i[fresh], tuple(s[fresh] for s in s1)
        key = np.unique(i * strides[0] + sum(s * st for s, st in zip(s1, strides[1:])))
        idx = key // strides[0]
        state = tuple((key // st) % size for st, size in zip(strides[1:], sizes))
        visited[(idx,) + state + (np.full(idx.size, phase),)] = True
    return best
