"""Scripted policies with the trained agents' interface: for CoinRun-grid a "go right" planner and a
uniformly random policy; for Keys and Chests a chest seeker (the intended goal as a program).

Both offer ``act(obs, deterministic) -> actions`` (and ``seed``, ``env``, ``env_options``), so
``evaluate``, ``play_levels`` and the goal-inference tool take them wherever they take an agent
loaded with ``load_agent``.

``GoRightAgent`` never looks for the coin. At every step it plans inside its own observation
window with the game's physics (``coinrun.physics_step``) and the grid core's search
(``grid.search.shortest_paths``): for each forward action (noop, right, jump, jump right) it
computes how many steps it would then need to get ``ahead`` columns further right without dying,
and takes the fastest (ties go to "right", then "jump right"). Enemies are not simulated: the cells
an enemy occupies now and next, and the cell after that along its walk, count as deadly. It never
moves left, so it is the proxy goal "go right" written down as a program. On training levels (coin
at the end) it reaches the end of most levels, and so collects the coin there too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import ACTIONS, CHANNELS, physics_step
from goalmisgen.envs.grid.search import shortest_paths
from goalmisgen.envs.maze import ACTIONS as ACTIONS_KC
from goalmisgen.validation import check_bool, check_int, check_seed

_SOLID, _LAVA, _ENEMY, _AGENT, _NEXT = (CHANNELS.index(c) for c in ("solid", "lava", "enemy", "agent", "enemy_next"))
FORWARD_ACTIONS = tuple(ACTIONS.index(a) for a in ("noop", "right", "jump", "jump_right"))
"""The actions the "go right" planner may take (it never moves left)."""
_PREFERENCE = {ACTIONS.index("right"): 0.0, ACTIONS.index("jump_right"): 0.25, ACTIONS.index("noop"): 0.5,
               ACTIONS.index("jump"): 0.5}
"""Tie-breaks added to the planned steps: prefer walking right, then jumping right."""


@dataclass
class _ViewLevels:
    """The observation windows of a batch as levels ``physics_step`` can play: (B, W, H) cells,
    y counted up from the bottom, no enemies (their cells are folded into ``lava``)."""

    width: int
    solid_flat: np.ndarray
    lava_flat: np.ndarray
    enemy_x0: np.ndarray
    enemy_width: np.ndarray
    enemy_phase: np.ndarray
    enemy_y: np.ndarray
    enemy_active: np.ndarray
    coin_present: np.ndarray
    coin_x: np.ndarray
    coin_y: np.ndarray

    @classmethod
    def from_cells(cls, solid: np.ndarray, deadly: np.ndarray) -> "_ViewLevels":
        n, width = solid.shape[:2]
        none = np.zeros((n, 1), dtype=np.int64)
        return cls(width, solid.reshape(-1), deadly.reshape(-1), none, none + 2, none, none,
                   np.zeros((n, 1), dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64),
                   np.zeros(n, dtype=np.int64))


def _enemy_danger(now: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """(B, W, H) bool: cells an enemy is in now, next, or the step after (extrapolated along its walk).

    ``now``/``nxt``: (B, W, H) bool enemy cells at this and the next time step.
    """
    came_from_left = np.zeros_like(now)
    came_from_left[:, 1:] = now[:, :-1]
    walking_right = nxt & came_from_left
    after = np.zeros_like(nxt)
    after[:, 1:] |= walking_right[:, :-1]
    after[:, :-1] |= (nxt & ~walking_right)[:, 1:]
    return now | nxt | after


class GoRightAgent:
    """A scripted policy that goes right as fast as it safely can and ignores the coin.

    Args:
        ahead: how many columns to the right each step's plan aims for (1 to 5).
        horizon: how many steps each plan may take.

    Example:
        >>> from goalmisgen.analysis import evaluate
        >>> evaluate(GoRightAgent(), n_levels=200, coin_placement="random", filter_runs=0)
    """

    env = "coinrun"

    def __init__(self, ahead: int = 3, horizon: int = 12):
        self.ahead = check_int("ahead", ahead, low=1, high=5)
        self.horizon = check_int("horizon", horizon, low=1, high=64)
        self.env_options = {"coin_placement": "end"}

    def seed(self, seed: int) -> None:
        """The planner is deterministic; seeding does nothing (kept for the agent interface)."""
        check_seed(seed)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """Actions for a batch of observations.

        Args:
            obs: (B, 6, 10, 2R+1) uint8 CoinRun-grid observations.
            deterministic: ignored (the planner is deterministic).

        Returns:
            (B,) int64 actions, each one of ``FORWARD_ACTIONS``.
        """
        check_bool("deterministic", deterministic)
        obs = np.asarray(obs)
        if obs.ndim != 4 or obs.shape[1:3] != (len(CHANNELS), lv.GRID_HEIGHT) or obs.shape[3] < 2 * self.ahead + 1:
            raise ValueError(f"obs of shape {obs.shape} is not allowed: obs must be (B, {len(CHANNELS)}, "
                             f"{lv.GRID_HEIGHT}, 2R+1) CoinRun-grid observations with R >= ahead={self.ahead}")
        B, _, H, W = obs.shape
        if B == 0:
            return np.zeros(0, dtype=np.int64)
        cells = obs.astype(bool)[:, :, ::-1, :].transpose(0, 1, 3, 2)  # (B, C, W, H), y up
        centre = W // 2
        deadly = cells[:, _LAVA] | _enemy_danger(cells[:, _ENEMY], cells[:, _NEXT])
        actions = np.array(FORWARD_ACTIONS)
        A = len(actions)
        idx = np.repeat(np.arange(B), A)
        views = _ViewLevels.from_cells(cells[:, _SOLID][idx], deadly[idx])
        rows = np.arange(B * A)
        x0 = np.full(B * A, centre, dtype=np.int64)
        y0 = cells[:, _AGENT, centre].argmax(axis=1)[idx]
        zero = np.zeros(B * A, dtype=np.int64)
        x1, y1, vy1, died, _ = physics_step(views, rows, x0, y0, zero, zero, np.tile(actions, B))

        def step(i, state, t, action):
            x, y, vy, dead, _ = physics_step(views, i, state[0], state[1], state[2], t, action)
            return (x, y, vy), dead, np.zeros_like(dead)

        targets = np.zeros((B * A, W, H), dtype=bool)
        targets[:, centre + self.ahead:] = True
        steps = shortest_paths(step, (x1, y1, vy1), (W, H, lv.JUMP_HEIGHT + 1), targets, len(ACTIONS), self.horizon)
        cost = np.where(x1 >= centre + self.ahead, 0.0, np.where(steps < 0, 100.0, steps))
        cost = np.where(died, 1000.0, cost) + np.tile([_PREFERENCE[a] for a in actions], B)
        return actions[cost.reshape(B, A).argmin(axis=1)].astype(np.int64)

    def __repr__(self) -> str:
        return f"GoRightAgent(ahead={self.ahead}, horizon={self.horizon})"


class RandomAgent:
    """Uniformly random actions: the "no goal" baseline.

    Args:
        seed: seed of the action sampling.
    """

    env = "coinrun"

    def __init__(self, seed: int = 0):
        self.env_options = {"coin_placement": "end"}
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart the action sampling from ``seed``."""
        self._rng = np.random.default_rng(check_seed(seed))

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """(B,) int64 uniformly random actions for (B, ...) observations (``deterministic`` is ignored)."""
        check_bool("deterministic", deterministic)
        obs = np.asarray(obs)
        if obs.ndim < 1:
            raise ValueError(f"obs of shape {obs.shape} is not allowed: obs must be a batch (B, ...)")
        return self._rng.integers(0, len(ACTIONS), size=obs.shape[0]).astype(np.int64)

    def __repr__(self) -> str:
        return "RandomAgent()"


class ChestSeekerAgent:
    """Keys and Chests played for the intended goal: with a key in hand, walk to the nearest closed
    chest; with none, to the nearest key (Manhattan distance; the room has no inner walls, so that is
    the true distance). It wants keys only to open chests, and picks up a spare key only when one lies
    on its way, so its extra keys measure what a chest-opener collects by accident.

    Moves rows first, then columns; ties between targets go to the first in image order.
    """

    env = "keys-chests"

    def __init__(self):
        self.env_options: dict = {}

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """(B,) int64 actions for (B, 5, G, G) Keys and Chests observations (``deterministic`` is ignored)."""
        from goalmisgen.envs.keys_chests import CHANNELS as KC_CHANNELS

        check_bool("deterministic", deterministic)
        obs = np.asarray(obs)
        if obs.ndim != 4 or obs.shape[1] != len(KC_CHANNELS):
            raise ValueError(f"obs of shape {obs.shape} is not allowed: obs must be (B, {len(KC_CHANNELS)}, G, G)")
        B, _, G, _ = obs.shape
        key, chest, agent, inventory = (KC_CHANNELS.index(c) for c in ("key", "chest", "agent", "inventory"))
        where = obs[:, agent].reshape(B, -1).argmax(axis=1)
        row, col = where // G, where % G
        holding = obs[:, inventory, 0, :].sum(axis=1) > 0
        wanted = np.where(holding[:, None, None], obs[:, chest], obs[:, key]).astype(bool)
        wanted |= ~wanted.reshape(B, -1).any(axis=1)[:, None, None] & obs[:, key].astype(bool)
        rr, cc = np.meshgrid(np.arange(G), np.arange(G), indexing="ij")
        dist = np.abs(rr[None] - row[:, None, None]) + np.abs(cc[None] - col[:, None, None])
        target = np.where(wanted, dist, G * G).reshape(B, -1).argmin(axis=1)
        t_row, t_col = target // G, target % G
        up, down, left, right = (ACTIONS_KC.index(a) for a in ("up", "down", "left", "right"))
        return np.where(t_row < row, up, np.where(t_row > row, down, np.where(t_col < col, left, right))).astype(np.int64)

    def __repr__(self) -> str:
        return "ChestSeekerAgent()"
