"""Analysis: one evaluation for every game (``evaluate.py``, over the core in ``evaluation.py``;
CoinRun-grid's and procgen CoinRun's own protocols in ``evaluate_coinrun.py`` and
``evaluate_procgen.py``), statistics (``stats.py``, its policy's coverage simulated in ``coverage.py``), re-runs compared with shipped rows
(``replication.py``), plots (``plots.py``) and episode animations (``animation.py``). The games'
goals live in their specs (``goalmisgen.envs.spec``)."""

from goalmisgen.analysis.evaluate import evaluate, evaluate_game
from goalmisgen.analysis.evaluate_coinrun import good_levels, paired_evaluation, play_levels
from goalmisgen.analysis.evaluation import Evaluation, paired_summary, seeds_summary, summarize
from goalmisgen.analysis.stats import (
    bootstrap_ci,
    crossed_bootstrap_ci,
    group_difference_ci,
    hierarchical_bootstrap_ci,
    paired_difference_ci,
    rate_ci,
    seed_group_difference_ci,
    seed_mean_ci,
    seed_paired_difference_ci,
)

__all__ = [
    "Evaluation", "bootstrap_ci", "crossed_bootstrap_ci", "evaluate", "evaluate_game", "good_levels",
    "group_difference_ci", "hierarchical_bootstrap_ci", "paired_difference_ci", "paired_evaluation", "paired_summary",
    "play_levels", "rate_ci", "seed_group_difference_ci", "seed_mean_ci", "seed_paired_difference_ci", "seeds_summary",
    "summarize",
]
