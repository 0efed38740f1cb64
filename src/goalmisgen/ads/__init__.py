"""Auto-induced distributional shift (ADS): a learner's own outputs change the data it sees next.

Modules (one concept each):

- ``unit_test``             the HI-ADS unit test environment: a prisoner's dilemma against your past self
- ``learners``              myopic learners for it: REINFORCE on one logit, tabular Q-learning
- ``pbt``                   population-based training's exploit/explore step
- ``swapping``              context swapping, the mitigation (learners rotate across environments)
- ``unit_test_experiment``  run the unit test for whole populations and many trials, summarise
- ``mlp``                   many small MLP classifiers trained side by side, in numpy
- ``recommender``           content recommendation whose users drift toward what they are shown
- ``plots``                 the chapter's figures; ``explorer``: its interactive widget

Reference: Krueger, Maharaj and Leike (2020), *Hidden Incentives for Auto-Induced Distributional
Shift*, arXiv:2009.09153.
"""

from goalmisgen.ads.pbt import exploit_explore
from goalmisgen.ads.recommender import RecommenderConfig, RecommenderResult, run_recommender
from goalmisgen.ads.swapping import swap_assignment
from goalmisgen.ads.unit_test import unit_test_reward
from goalmisgen.ads.unit_test_experiment import UnitTestConfig, UnitTestResult, run_unit_test, unit_test_grid

__all__ = [
    "RecommenderConfig",
    "RecommenderResult",
    "UnitTestConfig",
    "UnitTestResult",
    "exploit_explore",
    "run_recommender",
    "run_unit_test",
    "swap_assignment",
    "unit_test_grid",
    "unit_test_reward",
]
