"""Does a re-run reproduce shipped results? Comparisons that hold on any machine.

Bit-for-bit equality of a run is a property of one machine, not of the code. torch chooses its CPU
kernels by the processor's features (MKL's code path for matrix products, ATen's vector width for
element-wise operations), and the kernels round the last bits of a sum differently. Measured on
our 2-core machine: the same Keys-and-Chests training (seed 0, 237,568 steps) gives a different
network with ``MKL_CBWR=SSE4_2`` or ``ATEN_CPU_CAPABILITY=default`` than with the defaults, while the
thread count changes nothing (PPO runs torch on one thread). So two kinds of re-run need two
comparisons:

* **A re-evaluation** of a saved network on the same levels with the same sampling seed
  (:func:`rerun_agreement`). The network is the same; rounding can only flip a sampled action whose
  probability lands next to the sampler's draw, and that changes the rest of the episode. The
  per-level outcomes are paired, so the test is McNemar's exact test on the discordant levels: with a
  few flips it cannot fail, a systematic change of the rate fails it.
* **A fresh training** of a shipped configuration (:func:`new_seed_agreement`). Over thousands of
  updates a last-bit difference grows into a different network, as a different seed would. On
  another machine the fresh run is one more seed, so its rate is compared with the 99% prediction
  interval for one more seed from the shipped seeds of that configuration, with the seeds' spread
  pooled over the groups they were measured in (checkpoints, ratios, fractions).

Each returns a dict with an ``"agrees"`` flag and a ``"verdict"`` in words for the prose
(``"identical"`` when every level came out the same, which holds on the machine that made the rows).
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _scipy_stats

from goalmisgen.analysis.stats import paired_difference_ci, seed_prediction_interval
from goalmisgen.validation import check_float

RERUN_ALPHA = 0.01
"""Significance level of :func:`rerun_agreement`, fixed before any cross-machine data: a re-evaluation
that differs from the shipped one only by chance fails 1 time in 100 even at the worst, a fresh draw
of every sampled action, and a few flipped levels never fail. Measured 2026-12-06: re-evaluating
shipped agents (Keys and Chests seed 1, PLR 0.1% seed 0, Maze k = 1 seed 0) with 2-3 other sampling
seeds each gave p from 0.016 to 1 (13 comparisons); another training seed's PLR agent, p < 1e-6."""


def _binary(name: str, values) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of per-level outcomes, got shape {a.shape}")
    if a.dtype.kind not in "biuf" or not np.isin(a, (0, 1)).all():
        raise ValueError(f"{name} must hold 0/1 (or bool) outcomes, one per level")
    return a.astype(np.int64)


def rerun_agreement(fresh, shipped, alpha: float = RERUN_ALPHA) -> dict:
    """Compare a re-evaluation's per-level 0/1 outcomes with the shipped ones on the same levels.

    Args:
        fresh, shipped: (n_levels,) 0/1 or bool, level i of one paired with level i of the other.
        alpha: level of McNemar's exact test (two-sided binomial test on the discordant levels).

    Returns:
        {"n", "n_identical", "fresh_rate", "shipped_rate", "mean", "ci_low", "ci_high" (fresh minus
        shipped, 95% paired bootstrap), "fresh_only", "shipped_only" (discordant levels each way),
        "p_value", "agrees" (p_value >= alpha), "verdict": "identical" | "agrees" | "differs"}.
    """
    a, b = _binary("fresh", fresh), _binary("shipped", shipped)
    if a.shape != b.shape:
        raise ValueError(f"fresh and shipped must be paired level by level, got {a.size} and {b.size} levels")
    if a.size == 0:
        raise ValueError("fresh and shipped hold no levels")
    alpha = check_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    fresh_only, shipped_only = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
    discordant = fresh_only + shipped_only
    p = 1.0 if discordant == 0 else float(_scipy_stats.binomtest(fresh_only, discordant, 0.5).pvalue)
    d = paired_difference_ci(a, b)
    agrees = p >= alpha
    return {"n": int(a.size), "n_identical": int((a == b).sum()), "fresh_rate": float(a.mean()),
            "shipped_rate": float(b.mean()), "mean": d["mean"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
            "fresh_only": fresh_only, "shipped_only": shipped_only, "p_value": p, "agrees": agrees,
            "verdict": "identical" if discordant == 0 else ("agrees" if agrees else "differs")}


NEW_SEED_LEVEL = 0.99
"""Coverage of :func:`new_seed_agreement`'s prediction interval, fixed before any cross-machine data:
a check that runs on every reader's machine should fail by chance about 1 time in 100 per rate."""


def new_seed_agreement(fresh_rate: float, seed_rates, spread: dict | None = None,
                       level: float = NEW_SEED_LEVEL) -> dict:
    """Is a freshly trained agent's rate what one more training seed of the shipped runs would give?

    Args:
        fresh_rate: the fresh agent's rate on the shipped levels.
        seed_rates: (k,) the shipped seeds' rates on the same levels.
        spread: the between-seed spread, {"sd", "df"} from ``stats.pooled_seed_sd`` over several
            groups of the same seeds (recommended: a handful of seeds alone gives an interval too
            wide to fail); default: ``seed_rates``' own standard deviation (needs k >= 2).
        level: coverage of the prediction interval.

    Returns:
        {"fresh", "mean", "pi_low", "pi_high", "n_seeds", "sd", "df", "agrees" (fresh inside the
        interval), "verdict": "within the seed spread" | "outside the seed spread"}.
    """
    fresh_rate = check_float("fresh_rate", fresh_rate, low=0.0, high=1.0)
    pi = seed_prediction_interval(seed_rates, level=level, spread=spread)
    if not np.isfinite(pi["pi_low"]):
        raise ValueError(f"seed_rates ({pi['n']} seeds) and spread give no degree of freedom to predict another seed; "
                         "pass at least 2 seeds or a pooled spread")
    agrees = pi["pi_low"] <= fresh_rate <= pi["pi_high"]
    return {"fresh": fresh_rate, "mean": pi["mean"], "pi_low": pi["pi_low"], "pi_high": pi["pi_high"],
            "n_seeds": pi["n"], "sd": pi["sd"], "df": pi["df"], "agrees": bool(agrees),
            "verdict": "within the seed spread" if agrees else "outside the seed spread"}
