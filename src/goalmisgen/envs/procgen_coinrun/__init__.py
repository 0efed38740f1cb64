"""Procgen CoinRun, the real game, with the coin moved or removed by editing its saved state (the
game's folder). Importing it does not need procgen; building an env does.

- ``env.py``       the batched Gymnasium vector env over procgen's C++ game, and its options
- ``backends.py``  the two builds of the game (procgen-mirror, procgen-gym) behind one interface
- ``state.py``   parsing and editing procgen CoinRun's saved state (the coin's cells)
- ``render.py``  a map of a level from its saved state

Intended goal: collect the coin. Proxy: go right (the stock game's coin is always at the end).
"""

from goalmisgen.envs.coinrun import GOALS
from goalmisgen.envs.procgen_coinrun.backends import INSTALL_HINT, available_backend
from goalmisgen.envs.procgen_coinrun.env import (
    DISTRIBUTION_MODES,
    MAX_LEVEL_SEED,
    NUM_ACTIONS,
    ProcgenCoinRunOptions,
    ProcgenCoinRunVecEnv,
)
from goalmisgen.envs.spec import GameSpec

__all__ = ["DISTRIBUTION_MODES", "INSTALL_HINT", "MAX_LEVEL_SEED", "NUM_ACTIONS", "SPEC", "ProcgenCoinRunOptions",
           "ProcgenCoinRunVecEnv", "available_backend"]

SPEC = GameSpec(
    name="procgen-coinrun",
    title="procgen CoinRun",
    vec_env=ProcgenCoinRunVecEnv,
    options_cls=ProcgenCoinRunOptions,
    grid=False,
    goals=GOALS,
    evaluator="goalmisgen.analysis.evaluate_procgen:evaluate_procgen",
)
