"""CoinRun-grid states to probe, each labelled with where the coin and the end are.

The states are those a scripted player visits: ``GoRightAgent`` (the proxy goal written as a
program, blind to the coin) plays held-out levels with the coin moved, so it meets the coin ahead
of it, beside it and, having run past it, behind it, on every level. The same states then go through
every network that is probed, so that their probes differ only by the network.

Intended goal: collect the coin; proxy: go right. The labels ask whether a layer carries what the
intended goal needs (where the coin is) and what the proxy needs (how far the end is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goalmisgen.agents.scripted import GoRightAgent
from goalmisgen.analysis.evaluate_coinrun import eval_env_options
from goalmisgen.analysis.evaluation import play_once
from goalmisgen.envs.coinrun import CHANNELS, HELD_OUT_START, CoinRunGridVecEnv
from goalmisgen.validation import check_int, check_seed

COIN = CHANNELS.index("coin")
STATES_START = HELD_OUT_START + 500_000
"""First level seed of the probe states: held out from training and apart from the levels the
shipped evaluations play (``HELD_OUT_START`` onwards, 1000 levels)."""


@dataclass
class CoinRunStates:
    """States of CoinRun-grid levels with their labels; every array has one row per state.

    Attributes:
        obs: (N, 6, 10, 2R+1) uint8 observations.
        level: (N,) the level seed of each state.
        coin_dx: (N,) coin column minus agent column (negative: the coin is behind, to the left).
        coin_dy: (N,) coin row minus agent row (up is positive).
        to_end: (N,) columns left to the end column.
        view_radius: R, columns the agent sees on each side.
    """

    obs: np.ndarray
    level: np.ndarray
    coin_dx: np.ndarray
    coin_dy: np.ndarray
    to_end: np.ndarray
    view_radius: int

    def __len__(self) -> int:
        return len(self.level)

    @property
    def coin_in_view(self) -> np.ndarray:
        """(N,) bool: the coin is within the agent's view (``|coin_dx| <= R``)."""
        return np.abs(self.coin_dx) <= self.view_radius

    @property
    def coin_ahead(self) -> np.ndarray:
        """(N,) bool: the coin is right of the agent (meaningful where ``coin_in_view`` and ``coin_dx != 0``)."""
        return self.coin_dx > 0

    def subset(self, mask) -> "CoinRunStates":
        """The states where ``mask`` (N,) bool holds."""
        mask = np.asarray(mask, dtype=bool)
        return CoinRunStates(self.obs[mask], self.level[mask], self.coin_dx[mask], self.coin_dy[mask],
                             self.to_end[mask], self.view_radius)

    def without_coin(self) -> np.ndarray:
        """(N, ...) the same observations with the coin channel cleared: matched pairs that differ
        only in whether the coin is in view."""
        out = self.obs.copy()
        out[:, COIN] = 0
        return out


def coinrun_states(n_levels: int = 300, start_level: int = STATES_START, view_radius: int = 5,
                   seed: int = 0) -> CoinRunStates:
    """Play ``n_levels`` held-out levels with the coin moved (``coin_placement="random"``) with
    ``GoRightAgent`` and keep every state it acts in before it reaches the end column.

    Returns:
        ``CoinRunStates``, about 20 states per level.
    """
    n_levels = check_int("n_levels", n_levels, low=2, high=100_000)
    start_level = check_int("start_level", start_level, low=0)
    view_radius = check_int("view_radius", view_radius, low=1, high=64)
    seed = check_seed(seed)
    player = GoRightAgent()
    options = eval_env_options(player, "random")
    env = CoinRunGridVecEnv(num_envs=n_levels, view_radius=view_radius, **options)
    levels = env.generate(np.arange(start_level, start_level + n_levels, dtype=np.int64))
    obs, _ = env.reset(seed=seed, options={"levels": levels})
    s = env.state
    parts: list[tuple[np.ndarray, ...]] = []

    def record(ids, o, _actions):
        keep = s.x[ids] < s.end_x[ids]  # at the end it waits for the timeout: the same state again and again
        ids, o = ids[keep], o[keep]
        parts.append((o.copy(), s.level_seed[ids].copy(), s.coin_x[ids] - s.x[ids], s.coin_y[ids] - s.y[ids],
                      s.end_x[ids] - s.x[ids]))

    play_once(env, player, obs, before_step=record)
    o, level, dx, dy, to_end = (np.concatenate(p) for p in zip(*parts))
    return CoinRunStates(o, level, dx, dy, to_end, view_radius)
