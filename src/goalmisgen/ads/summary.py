"""Means with 95% confidence intervals over independent trials."""

from __future__ import annotations

import math

import numpy as np

# Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (no scipy dependency).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(dof: int) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom (normal 1.96 above 30)."""
    if dof < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {dof}")
    return _T975[dof - 1] if dof <= len(_T975) else 1.96


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and two-sided 95% Student-t confidence interval of ``values`` (``(n,)``, one per trial).

    Returns ``(mean, low, high)``; with a single value the interval is ``(nan, nan)``.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mean_ci needs at least one value")
    mean = float(values.mean())
    if values.size == 1:
        return mean, math.nan, math.nan
    half = t_quantile_975(values.size - 1) * float(values.std(ddof=1)) / math.sqrt(values.size)
    return mean, mean - half, mean + half
