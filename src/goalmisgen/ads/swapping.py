"""Context swapping: the mitigation Krueger et al. (2020) propose for hidden incentives.

Every learner sits in one environment at a time. Without swapping, learner ``i`` always sits in
environment ``i``, so whatever it does to its environment comes back to it at the next step: it can
profit from shifting its own inputs. With swapping, the learners rotate one seat every step:

    learner ``i`` sits in environment ``(i + step) % n_learners`` at time ``step``.

The environment learner ``i`` leaves is taken over by learner ``i - 1``, so each learner's action
sets *someone else's* next state. A learner that improves its future inputs now improves a
neighbour's, and an outer loop that selects learners on their reward (population-based training)
no longer rewards that.
"""

from __future__ import annotations

import numpy as np


def swap_assignment(step: int, n_learners: int) -> np.ndarray:
    """Which environment each learner sits in at time ``step`` under context swapping.

    Args:
        step: the time step, an integer ``>= 0``.
        n_learners: how many learners (and environments) there are, ``>= 1``.

    Returns:
        ``(n_learners,)`` int64 array ``env`` with ``env[i] = (i + step) % n_learners``; a
        permutation, so every environment holds exactly one learner.
    """
    if int(step) != step or step < 0:
        raise ValueError(f"step must be an integer >= 0, got {step!r}")
    if int(n_learners) != n_learners or n_learners < 1:
        raise ValueError(f"n_learners must be an integer >= 1, got {n_learners!r}")
    return (np.arange(int(n_learners), dtype=np.int64) + int(step)) % int(n_learners)


def seat_assignment(step: int, n_learners: int, swap: bool) -> np.ndarray:
    """The environment of each learner at ``step``: rotating if ``swap``, else fixed (``env[i] = i``).

    Returns:
        ``(n_learners,)`` int64 array.
    """
    if swap:
        return swap_assignment(step, n_learners)
    return np.arange(n_learners, dtype=np.int64)
