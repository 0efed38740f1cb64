"""The game-agnostic grid core every game of the course stands on.

A game (CoinRun-grid, ...) is one rules file over this core; written once here:

- ``options.py``  ``GridOptions``: procgen-style level seeds (``num_levels``, ``start_level``),
  timeout and view size, validated up front
- ``levels.py``   ``LevelBatch`` (a batch of generated levels as numpy arrays) and ``LevelQueue``
  (draws level seeds like procgen and generates their levels ahead, in chunks)
- ``vector.py``   ``GridVecEnv`` (the batched Gymnasium vector env with same-step autoreset,
  ``final_obs``/``final_info``) and ``GridEnv`` (the single env as a view of a one-env batch)
- ``window.py``   agent-centred observation windows cut from a padded picture of each level
- ``search.py``   batched breadth-first search over a game's own step function, to any target cells
- ``layout.py``   layout fingerprints, and the overlap between training and evaluation layouts
- ``rng.py``      counter-based random numbers: a level is a pure function of its seed
"""

from goalmisgen.envs.grid.levels import LevelBatch, LevelQueue
from goalmisgen.envs.grid.options import HELD_OUT_START, MAX_LEVEL_SEED, GridOptions
from goalmisgen.envs.grid.vector import GridEnv, GridState, GridVecEnv

__all__ = ["HELD_OUT_START", "MAX_LEVEL_SEED", "GridEnv", "GridOptions", "GridState", "GridVecEnv", "LevelBatch", "LevelQueue"]
