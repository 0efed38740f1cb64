"""How often an interval over training seeds contains the truth: a simulation with known answers.

Synthetic seeds x levels tables of 0/1 outcomes are drawn from a crossed model with a known
between-seed spread: seed s on level l succeeds with probability
``expit(mu + a_s + b_l)``, ``a_s ~ N(0, seed_sd^2)`` (how much training seeds differ, on the logit
scale) and ``b_l ~ N(0, level_sd^2)`` (how hard a level is, shared by every seed). The estimand is
the rate over the population of seeds and levels, ``E[expit(mu + a + b)]``, known exactly. Each
interval method is applied to many tables; its coverage is the share of intervals that contain the
estimand (95% intervals should contain it about 95% of the time).

Example:
    >>> from goalmisgen.analysis.coverage import CrossedModel, coverage
    >>> table = coverage(CrossedModel(), seeds=(3,), n_tables=50, methods=("policy",), seed=0)
    >>> sorted(table[0])
    ['coverage', 'coverage_ci_high', 'coverage_ci_low', 'method', 'n_seeds', 'n_tables']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from goalmisgen.analysis.stats import crossed_bootstrap_ci, rate_ci, seed_mean_ci, t_interval_over_seeds
from goalmisgen.validation import check_float, check_int, check_seed

METHODS = {
    "policy": "t over seeds, crossed with levels (stats.seed_mean_ci)",
    "crossed bootstrap": "percentile bootstrap over seeds and levels (stats.crossed_bootstrap_ci)",
    "t over seed means": "t over the seeds' means, levels fixed (stats.t_interval_over_seeds)",
    "pooled Wilson": "Wilson interval over every episode pooled (stats.rate_ci)",
}
"""The intervals the simulation compares, by name."""


@dataclass(frozen=True)
class CrossedModel:
    """The synthetic crossed design (see the module's docstring).

    Attributes:
        mu: the logit of a typical cell's success probability (-1.5: about 0.18).
        seed_sd: between-seed standard deviation on the logit scale.
        level_sd: between-level standard deviation on the logit scale.
        n_levels: levels every seed plays.
    """

    mu: float = -1.5
    seed_sd: float = 0.5
    level_sd: float = 1.0
    n_levels: int = 300

    def __post_init__(self):
        check_float("mu", self.mu, low=-20.0, high=20.0)
        check_float("seed_sd", self.seed_sd, low=0.0, high=10.0)
        check_float("level_sd", self.level_sd, low=0.0, high=10.0)
        check_int("n_levels", self.n_levels, low=2)

    def estimand(self) -> float:
        """The population rate ``E[expit(mu + a + b)]`` (a + b is normal with variance
        seed_sd^2 + level_sd^2), by Gauss-Hermite quadrature."""
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)
        sd = float(np.hypot(self.seed_sd, self.level_sd))
        return float((weights * expit(self.mu + sd * nodes)).sum() / weights.sum())

    def draw(self, rng: np.random.Generator, n_seeds: int) -> np.ndarray:
        """One (n_seeds, n_levels) table of 0/1 outcomes."""
        a = rng.normal(0.0, self.seed_sd, size=(n_seeds, 1))
        b = rng.normal(0.0, self.level_sd, size=(1, self.n_levels))
        return (rng.random((n_seeds, self.n_levels)) < expit(self.mu + a + b)).astype(np.float64)


def _interval(method: str, table: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    if method == "policy":
        ci = seed_mean_ci(table)
    elif method == "crossed bootstrap":
        ci = crossed_bootstrap_ci(table, n_boot=n_boot, seed=seed)
    elif method == "t over seed means":
        ci = t_interval_over_seeds(table.mean(axis=1))
    else:
        ci = rate_ci(int(table.sum()), int(table.size))
    return ci["ci_low"], ci["ci_high"]


def coverage(model: CrossedModel = CrossedModel(), seeds=(3, 5, 10), n_tables: int = 400,
             methods=tuple(METHODS), n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """The coverage of each method's 95% interval at each number of seeds.

    Args:
        model: the synthetic design.
        seeds: numbers of training seeds per table.
        n_tables: tables drawn per number of seeds (every method sees the same tables).
        methods: names in ``METHODS``.
        n_boot: resamples of the bootstrap method.
        seed: seed of the draws.

    Returns:
        one row per (n_seeds, method): {"n_seeds", "method", "n_tables", "coverage",
        "coverage_ci_low", "coverage_ci_high"} (a Wilson interval over the tables).
    """
    n_tables = check_int("n_tables", n_tables, low=1)
    seed = check_seed(seed)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method {m!r} is not allowed: methods must be among {sorted(METHODS)}")
    truth = model.estimand()
    rng = np.random.default_rng(seed)
    rows = []
    for k in seeds:
        k = check_int("number of seeds", k, low=2)
        hits = dict.fromkeys(methods, 0)
        for i in range(n_tables):
            table = model.draw(rng, k)
            for m in methods:
                low, high = _interval(m, table, n_boot, seed + i)
                hits[m] += int(low <= truth <= high)
        for m in methods:
            ci = rate_ci(hits[m], n_tables)
            rows.append({"n_seeds": k, "method": m, "n_tables": n_tables, "coverage": ci["mean"],
                         "coverage_ci_low": ci["ci_low"], "coverage_ci_high": ci["ci_high"]})
    return rows
