"""Analysis: one evaluation pipeline for every game (``evaluate.py``), goal specs (``goals.py``),
statistics (``stats.py``), re-runs compared with shipped rows (``replication.py``), plots
(``plots.py``) and episode animations (``animation.py``)."""

from goalmisgen.analysis.evaluate import (
    Evaluation,
    evaluate,
    good_levels,
    paired_evaluation,
    paired_summary,
    play_levels,
    seeds_summary,
    summarize,
)
from goalmisgen.analysis.goals import GOAL_SPECS, GoalSpec, goal_spec
from goalmisgen.analysis.stats import (
    bootstrap_ci,
    crossed_bootstrap_ci,
    group_difference_ci,
    hierarchical_bootstrap_ci,
    paired_difference_ci,
    rate_ci,
)

__all__ = [
    "GOAL_SPECS", "Evaluation", "GoalSpec", "bootstrap_ci", "crossed_bootstrap_ci", "evaluate", "goal_spec",
    "good_levels", "group_difference_ci", "hierarchical_bootstrap_ci", "paired_difference_ci", "paired_evaluation", "paired_summary",
    "play_levels", "rate_ci", "seeds_summary", "summarize",
]
