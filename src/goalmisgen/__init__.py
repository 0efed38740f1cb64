"""goalmisgen: environments, agents and evaluation tools for the executable course on goal
misgeneralization.

Layers (one concept per module):

- ``goalmisgen.envs``      environments (CoinRun-grid, ...), Gymnasium registration
- ``goalmisgen.agents``    PPO, networks, checkpoints
- ``goalmisgen.analysis``  evaluation with capability and goal metrics, confidence intervals, plots
"""

__version__ = "0.1.0"
