"""Population-based training (PBT): the outer loop that selects learners on their recent reward.

PBT (Jaderberg et al., 2017) trains a population of learners side by side. Every ``interval`` steps
it performs one *exploit/explore* step:

* **exploit**: rank the learners by fitness; each of the worst ``fraction`` of the population
  copies the parameters of a learner drawn at random from the best ``fraction``;
* **explore**: the copy gets the donor's learning rate multiplied by 0.8 or 1.2 (a coin flip).

Nothing in this rule looks further ahead than ``interval`` steps, yet Krueger et al. (2020) show
that it rewards learners for shifting their own future inputs: fitness is measured *after* a
learner's earlier actions have shaped the data it is now being scored on.

In this package the fitness is the learner's mean reward (or accuracy) over the ``interval`` steps
since the previous exploit/explore step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PERTURB_FACTORS = (0.8, 1.2)


def check_fraction(fraction: float) -> None:
    """Raise ``ValueError`` unless ``0 < fraction <= 0.5`` (the top and bottom groups must not overlap)."""
    if not 0.0 < fraction <= 0.5:
        raise ValueError(f"PBT fraction must satisfy 0 < fraction <= 0.5, got {fraction!r}")


def exploit_explore(
    fitness: np.ndarray,
    params: Sequence[np.ndarray],
    lr: np.ndarray,
    rng: np.random.Generator,
    fraction: float = 0.2,
    return_moves: bool = False,
) -> tuple[list[np.ndarray], np.ndarray] | tuple[list[np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """One PBT exploit/explore step, vectorized over independent populations (trials).

    Args:
        fitness: ``(n_trials, population)`` float; higher is better.
        params: arrays of shape ``(n_trials, population, ...)``, the learners' parameters.
        lr: ``(n_trials, population)`` float, each learner's learning rate.
        rng: the random generator (donor choice and perturbation direction).
        fraction: share of the population in the top and bottom groups; ``k = floor(fraction *
            population)`` learners are replaced (none if ``k == 0``).
        return_moves: also return ``(losers, donors)``, two ``(n_trials, k)`` int arrays: in trial
            ``t``, learner ``losers[t, j]`` now holds a copy of learner ``donors[t, j]``.

    Returns:
        ``(new_params, new_lr)``: copies of the inputs in which each of the ``k`` lowest-fitness
        learners holds the parameters of a random learner among the ``k`` fittest, and that
        donor's learning rate times 0.8 or 1.2 (and ``(losers, donors)`` if ``return_moves``).
        The inputs are not modified.
    """
    check_fraction(fraction)
    fitness = np.asarray(fitness, dtype=np.float64)
    if fitness.ndim != 2:
        raise ValueError(f"fitness must have shape (n_trials, population), got shape {fitness.shape}")
    n_trials, population = fitness.shape
    new_params = [np.array(p, copy=True) for p in params]
    new_lr = np.array(lr, dtype=np.float64, copy=True)
    k = int(fraction * population)
    if k == 0:
        empty = np.zeros((n_trials, 0), dtype=np.int64)
        return (new_params, new_lr, (empty, empty)) if return_moves else (new_params, new_lr)
    order = np.argsort(fitness, axis=1, kind="stable")  # ascending: worst first
    losers = order[:, :k]
    winners = order[:, population - k :]
    donors = np.take_along_axis(winners, rng.integers(0, k, size=(n_trials, k)), axis=1)
    rows = np.arange(n_trials)[:, None]
    for p in new_params:
        p[rows, losers] = p[rows, donors]
    factors = rng.choice(np.array(PERTURB_FACTORS), size=(n_trials, k))
    new_lr[rows, losers] = new_lr[rows, donors] * factors
    if return_moves:
        return new_params, new_lr, (losers, donors)
    return new_params, new_lr
