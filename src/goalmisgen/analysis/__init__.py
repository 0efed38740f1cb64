"""Analysis: evaluation with capability and goal metrics (``evaluate.py``), confidence intervals
(``stats.py``), plots and episode animations (``plots.py``)."""

from goalmisgen.analysis.evaluate import Evaluation, evaluate, good_levels, play_levels, summarize
from goalmisgen.analysis.stats import bootstrap_ci, hierarchical_bootstrap_ci

__all__ = ["Evaluation", "bootstrap_ci", "evaluate", "good_levels", "hierarchical_bootstrap_ci", "play_levels", "summarize"]
