"""The games of the course, one folder each, and the table of their specs.

- ``grid/``             the game-agnostic grid core (options, level queue, env shells, windows,
                        search, top-down moves, drawing primitives)
- ``coinrun/``          CoinRun-grid;  ``maze/``  the Maze;  ``keys_chests/``  Keys and Chests
- ``procgen_coinrun/``  the real procgen CoinRun (needs procgen only when an env is built)
- ``spec.py``           ``GameSpec`` (what a game is to the rest of the package) and ``GAMES``
- ``sb3_adapter.py``    the batched envs for Stable-Baselines3

Importing this package registers every built-in game (``GAMES``) and its Gymnasium ids
(``goalmisgen/<id>``). A new game registers itself with ``register_game(spec)``.
"""

from goalmisgen.envs import coinrun, keys_chests, maze, procgen_coinrun
from goalmisgen.envs.coinrun import ACTIONS, HELD_OUT_START, CoinRunGridEnv, CoinRunGridVecEnv, CoinRunOptions
from goalmisgen.envs.spec import GAMES, GameSpec, GoalSpec, game, goal_spec, grid_games, make_vec_env, register_game

__all__ = ["ACTIONS", "GAMES", "HELD_OUT_START", "CoinRunGridEnv", "CoinRunGridVecEnv", "CoinRunOptions", "GameSpec",
           "GoalSpec", "game", "goal_spec", "grid_games", "make_vec_env", "register_game"]

for _spec in (coinrun.SPEC, maze.SPEC, keys_chests.SPEC, procgen_coinrun.SPEC):
    register_game(_spec)
