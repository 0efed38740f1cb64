"""Confidence intervals: percentile bootstrap over episodes, and over seeds x levels."""

from __future__ import annotations

import numpy as np


def bootstrap_ci(values, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Mean of ``values`` with a percentile-bootstrap confidence interval.

    Args:
        values: (n,) numbers (0/1 for rates).
        n_boot: bootstrap resamples.
        level: coverage of the interval (0.95 for 95%).

    Returns:
        {"mean", "ci_low", "ci_high", "n"}; the interval is (nan, nan) when n == 0.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        return {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": 0}
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return {"mean": float(x.mean()), "ci_low": float(low), "ci_high": float(high), "n": int(x.size)}


def hierarchical_bootstrap_ci(groups: list, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Mean over groups (e.g. training seeds) with a CI that resamples seeds, then levels within them.

    Use this when several agents (seeds) were each evaluated on many levels: the interval then
    covers the seed-to-seed spread as well as the level-to-level one.

    Args:
        groups: list of (n_i,) arrays, one per seed.

    Returns:
        {"mean", "ci_low", "ci_high", "n"} with n the number of groups; mean is the mean of group means.
    """
    arrays = [np.asarray(g, dtype=np.float64).reshape(-1) for g in groups if len(g)]
    if not arrays:
        return {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": 0}
    rng = np.random.default_rng(seed)
    k = len(arrays)
    means = np.empty(n_boot)
    for b in range(n_boot):
        picks = rng.integers(0, k, size=k)
        means[b] = np.mean([arrays[i][rng.integers(0, arrays[i].size, arrays[i].size)].mean() for i in picks])
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return {"mean": float(np.mean([a.mean() for a in arrays])), "ci_low": float(low), "ci_high": float(high), "n": k}
