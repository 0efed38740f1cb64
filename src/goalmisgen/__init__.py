"""goalmisgen: environments, agents and evaluation tools for the executable course on goal
misgeneralization.

Layers (one concept per module):

- ``goalmisgen.envs``      the grid core and one folder per game (CoinRun-grid, ...), each with its ``GameSpec``
- ``goalmisgen.validation`` the one rule set for checking user input
- ``goalmisgen.agents``    PPO, networks, checkpoints
- ``goalmisgen.analysis``  evaluation with capability and goal metrics, confidence intervals, plots
"""

__version__ = "0.2.0"

# Register the Gymnasium ids on import, as minigrid and procgen do, so that both
# gymnasium.make("goalmisgen/CoinRunGrid-v0") after `import goalmisgen` and the module-prefix form
# gymnasium.make("goalmisgen:goalmisgen/CoinRunGrid-v0") work.
import goalmisgen.envs  # noqa: E402,F401
