"""Means with 95% bootstrap confidence intervals over independent trials."""

from __future__ import annotations

import math

import numpy as np


def mean_ci(values: np.ndarray, n_boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean and 95% percentile-bootstrap confidence interval of ``values``.

    Args:
        values: ``(n,)`` one number per independent trial (seed).
        n_boot: bootstrap resamples.
        seed: seed of the resampling, so the interval is reproducible.

    Returns:
        ``(mean, low, high)``. The interval stays inside the range of the data (so a probability's
        interval stays inside [0, 1]); with a single value it is ``(nan, nan)``.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mean_ci needs at least one value, got an empty array")
    mean = float(values.mean())
    if values.size == 1:
        return mean, math.nan, math.nan
    rng = np.random.default_rng(seed)
    boot = values[rng.integers(0, values.size, size=(n_boot, values.size))].mean(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    return mean, float(low), float(high)
