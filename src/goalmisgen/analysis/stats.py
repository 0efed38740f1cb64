"""Confidence intervals for the evaluation's numbers, and the project's statistics policy.

**The policy** (book page "Statistics: how the book's intervals are made"): name the estimand
first, then use the interval made for it.

1. **Several training seeds** (the usual case). Seeds are the unit of replication. The estimand is
   the mean over training seeds of each seed's rate (or mean) over its levels; every seed counts
   once. When every seed plays the same levels (seeds x levels crossed), use
   :func:`seed_mean_ci`: a Student-t interval with k - 1 degrees of freedom for k seeds whose
   standard error adds the seeds' spread and the shared levels' spread (``S_seeds^2 / k +
   S_levels^2 * sum(w_l^2)``). Two outcomes of the same episodes, or the same seeds and levels
   with and without an intervention: :func:`seed_paired_difference_ci` (the differences, paired).
   Two groups of agents on the same levels: :func:`seed_group_difference_ci` (Welch degrees of
   freedom). With one seed only that agent is described: its levels are the sample (below).
   The percentile bootstrap over seeds and levels (:func:`crossed_bootstrap_ci`,
   :func:`group_difference_ci`) is too narrow with 3-5 seeds (``analysis.coverage`` measures it);
   it stays for the manifests made with it and for comparison.
2. **One agent** (or the levels as the population): a **rate** from independent episodes,
   :func:`rate_ci` (Wilson); a continuous metric, :func:`bootstrap_ci`; a paired difference over
   levels, :func:`paired_difference_ci` with 1-D inputs. Pooling several seeds' episodes into one
   Wilson interval treats correlated episodes as independent: not for seeds.
3. **One more seed**: where a new training seed's number should fall: :func:`seed_prediction_interval`,
   with the seeds' spread pooled over groups by :func:`pooled_seed_sd`.

:func:`t_interval_over_seeds` takes one number per seed (levels fixed); :func:`hierarchical_bootstrap_ci`
is for seeds that played different levels.

Every function returns a dict with ``"mean"``, ``"ci_low"`` and ``"ci_high"`` (Python floats) and
the sample sizes; an empty sample gives NaN for all three.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _scipy_stats

from goalmisgen.validation import check_bool, check_choice, check_float, check_int, check_seed

_NAN = float("nan")
_CHUNK = 256  # bootstrap resamples computed together (bounds memory at about _CHUNK * n_levels)


def _check_common(n_boot, level, seed) -> tuple[int, float, int]:
    n_boot = check_int("n_boot", n_boot, low=100)
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    seed = check_seed(seed)
    return n_boot, level, seed


def _as_outcomes(name: str, values, ndim: tuple[int, ...]) -> np.ndarray:
    """``values`` as a float64 array of one of the dimensions ``ndim``; NaN allowed, inf refused."""
    a = np.asarray(values)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers or bools, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if a.ndim not in ndim:
        shapes = " or ".join({1: "(n,)", 2: "(n_seeds, n_levels)"}[d] for d in ndim)
        raise ValueError(f"{name} must have shape {shapes}, got shape {a.shape}")
    if np.isinf(a).any():
        raise ValueError(f"{name} must be finite (NaN marks a missing value), got an infinity")
    return a


def _percentiles(estimates: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1 - level) / 2
    low, high = np.quantile(estimates, [alpha, 1 - alpha])
    return float(low), float(high)


def bootstrap_ci(values, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Mean of ``values`` with a percentile-bootstrap confidence interval (independent samples).

    Use it for continuous metrics; for a rate prefer :func:`rate_ci`.

    Args:
        values: (n,) numbers, one per independent episode.
        n_boot: bootstrap resamples (>= 100).
        level: coverage of the interval, in (0, 1) (0.95 for 95%).
        seed: seed of the resampling.

    Returns:
        {"mean", "ci_low", "ci_high", "n"}; all three are NaN when n == 0.
    """
    n_boot, level, seed = _check_common(n_boot, level, seed)
    x = _as_outcomes("values", np.asarray(values).reshape(-1), (1,))
    if np.isnan(x).any():
        raise ValueError("values must not contain NaN; drop the missing values first")
    if x.size == 0:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n": 0}
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    low, high = _percentiles(means, level)
    return {"mean": float(x.mean()), "ci_low": low, "ci_high": high, "n": int(x.size)}


def rate_ci(successes, n, level: float = 0.95, method: str = "wilson") -> dict[str, float]:
    """A success rate ``successes / n`` with a binomial confidence interval.

    Args:
        successes: number of successes, an integer in [0, n].
        n: number of independent trials (episodes).
        level: coverage of the interval, in (0, 1).
        method: "wilson" (Wilson score interval, the default) or "exact" (Clopper-Pearson, never
            below the nominal coverage, a little wider).

    Returns:
        {"mean", "ci_low", "ci_high", "n"}. At 0 successes the upper end is above 0 (0/300 gives
        about [0, 0.013] with Wilson); all three are NaN when n == 0.
    """
    n = check_int("n", n, low=0)
    successes = check_int("successes", successes, low=0, high=n)
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    method = check_choice("method", method, ("wilson", "exact"))
    if n == 0:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n": 0}
    ci = _scipy_stats.binomtest(successes, n).proportion_ci(confidence_level=level, method=method)
    return {"mean": successes / n, "ci_low": float(ci.low), "ci_high": float(ci.high), "n": n}


def t_interval_over_seeds(seed_means, level: float = 0.95) -> dict[str, float]:
    """Mean over training seeds with a Student-t interval (k - 1 degrees of freedom for k seeds).

    The estimand is the mean over the population of training seeds of a per-seed number (for
    example each seed's coin rate over the same levels). It treats the levels as fixed, so it
    answers "on these levels, how much do seeds vary?"; :func:`crossed_bootstrap_ci` also lets the
    levels vary.

    Args:
        seed_means: (k,) one number per seed.
        level: coverage of the interval, in (0, 1).

    Returns:
        {"mean", "ci_low", "ci_high", "n"} with n = k; the interval is NaN when k < 2.
    """
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    x = _as_outcomes("seed_means", np.asarray(seed_means).reshape(-1), (1,))
    if np.isnan(x).any():
        raise ValueError("seed_means must not contain NaN")
    k = int(x.size)
    if k == 0:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n": 0}
    mean = float(x.mean())
    if k < 2:
        return {"mean": mean, "ci_low": _NAN, "ci_high": _NAN, "n": k}
    half = float(_scipy_stats.t.ppf((1 + level) / 2, df=k - 1)) * float(x.std(ddof=1)) / math.sqrt(k)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": k}


def pooled_seed_sd(groups) -> dict[str, float]:
    """The between-seed standard deviation pooled over several groups of seeds (for example the
    same seeds at every checkpoint and ratio): ``sqrt(mean of each group's variance)``, weighted by
    degrees of freedom. Three seeds give one group's spread with 2 degrees of freedom, far too few to
    predict another seed; ten groups of three give 20.

    Args:
        groups: a list of (k_i,) arrays, one number per seed in each group (groups with fewer than
            two seeds are skipped).

    Returns:
        {"sd", "df"}: the pooled standard deviation and its degrees of freedom (sum of k_i - 1);
        NaN and 0 when no group has two seeds.
    """
    ss, df = 0.0, 0
    for i, g in enumerate(groups):
        x = _as_outcomes(f"groups[{i}]", np.asarray(g).reshape(-1), (1,))
        if np.isnan(x).any():
            raise ValueError(f"groups[{i}] must not contain NaN")
        if x.size >= 2:
            ss += float(((x - x.mean()) ** 2).sum())
            df += int(x.size) - 1
    return {"sd": math.sqrt(ss / df) if df else _NAN, "df": df}


def seed_prediction_interval(seed_means, level: float = 0.95, spread: dict | None = None) -> dict[str, float]:
    """Where one more training seed's number should fall, from k seeds: a Student-t prediction
    interval, mean +- t(df) * sd * sqrt(1 + 1/k).

    Use it to ask whether a fresh run (on another machine a fresh training is one more seed) is
    what the shipped seeds predict; :func:`t_interval_over_seeds` is the interval for their mean.

    Args:
        seed_means: (k,) one number per seed.
        level: coverage of the interval, in (0, 1).
        spread: the between-seed spread to use instead of these k seeds' own (sd with k - 1
            degrees of freedom): {"sd", "df"} from :func:`pooled_seed_sd`.

    Returns:
        {"mean", "pi_low", "pi_high", "n", "sd", "df"} with n = k; the interval is NaN without at
        least one degree of freedom.
    """
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    x = _as_outcomes("seed_means", np.asarray(seed_means).reshape(-1), (1,))
    if np.isnan(x).any():
        raise ValueError("seed_means must not contain NaN")
    k = int(x.size)
    mean = float(x.mean()) if k else _NAN
    if spread is not None:
        if set(spread) != {"sd", "df"}:
            raise ValueError(f"spread must be {{'sd': ..., 'df': ...}} from pooled_seed_sd, got keys {sorted(spread)}")
        sd, df = float(spread["sd"]), int(spread["df"])
    else:
        sd, df = (float(x.std(ddof=1)) if k >= 2 else _NAN), k - 1
    if k < 1 or df < 1 or not math.isfinite(sd):
        return {"mean": mean, "pi_low": _NAN, "pi_high": _NAN, "n": k, "sd": sd, "df": max(df, 0)}
    half = float(_scipy_stats.t.ppf((1 + level) / 2, df=df)) * sd * math.sqrt(1 + 1 / k)
    return {"mean": mean, "pi_low": mean - half, "pi_high": mean + half, "n": k, "sd": sd, "df": df}


def _draw_counts(rng: np.random.Generator, b: int, n: int) -> np.ndarray:
    """(b, n) float: for each of b resamples, how often each of n units is drawn in n draws with
    replacement."""
    picks = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
    return np.bincount(picks.reshape(-1), minlength=b * n).reshape(b, n).astype(np.float64)


def _crossed_estimate(x0: np.ndarray, valid: np.ndarray, level_counts: np.ndarray,
                      seed_counts: np.ndarray) -> np.ndarray:
    """The estimand on a batch of resamples given as draw counts.

    x0: (n_seeds, n_levels) values with missing cells set to 0; valid: same shape, 1.0 where present.
    level_counts: (B, n_levels) how often each level was drawn; seed_counts: (B, n_seeds) likewise.
    Returns (B,) mean over drawn seeds of each seed's mean over its drawn, non-missing levels
    (NaN where no drawn seed has a drawn non-missing level).
    """
    sums = level_counts @ x0.T  # (B, n_seeds)
    counts = level_counts @ valid.T  # (B, n_seeds)
    has = counts > 0
    seed_means = np.divide(sums, counts, out=np.zeros_like(sums), where=has)
    weights = seed_counts * has
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights * seed_means).sum(axis=1) / total


def crossed_bootstrap_ci(values, n_boot: int = 2000, level: float = 0.95, seed: int = 0,
                         rate_floor: bool = True) -> dict[str, float]:
    """Mean over seeds x levels with a bootstrap that resamples seeds and levels (a crossed design).

    Every training seed plays the same levels, and per-level outcomes correlate across seeds (a
    level that is hard for one agent tends to be hard for the others). A bootstrap over all cells
    as if they were independent is then too narrow. Here each resample draws seeds with
    replacement and, independently, levels with replacement, using the *same* level draws for every
    seed, so the correlation between seeds on a level is kept.

    Estimand: the mean over seeds of each seed's mean over its non-missing levels (each seed counts
    equally, however many of its levels are missing). Seeds with no non-missing level are left out;
    a resample in which no drawn seed has a drawn non-missing level is discarded.

    Args:
        values: (n_seeds, n_levels) numbers or bools; NaN marks a missing cell (e.g. a level that
            is not "good" for that seed).
        n_boot: bootstrap resamples (>= 100).
        level: coverage of the interval, in (0, 1).
        seed: seed of the resampling.
        rate_floor: apply the rule below for outcomes that are all 0 or all 1 (off for
            differences, which :func:`paired_difference_ci` passes here).

    When every non-missing outcome is the same 0 or 1 (no agent ever reached the end, say), no
    resample can differ and the bootstrap interval would be [0, 0] or [1, 1]: a claim of certainty
    the data cannot carry. The interval is then the Wilson interval for 0 (or all) successes in
    ``n_levels`` trials, counting each level once however many seeds played it (levels are the
    shared unit, so this is the more cautious count).

    Returns:
        {"mean", "ci_low", "ci_high", "n_seeds", "n_levels"}, counting seeds and levels with at
        least one non-missing cell; all three are NaN when there is none.
    """
    n_boot, level, seed = _check_common(n_boot, level, seed)
    rate_floor = check_bool("rate_floor", rate_floor)
    x = _as_outcomes("values", values, (2,))
    valid = ~np.isnan(x)
    x = x[valid.any(axis=1)][:, valid.any(axis=0)]
    valid = ~np.isnan(x)
    n_seeds, n_levels = x.shape
    if x.size == 0:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n_seeds": 0, "n_levels": 0}
    x0 = np.where(valid, x, 0.0)
    validf = valid.astype(np.float64)
    mean = float(_crossed_estimate(x0, validf, np.ones((1, n_levels)), np.ones((1, n_seeds)))[0])
    rng = np.random.default_rng(seed)
    estimates = []
    for start in range(0, n_boot, _CHUNK):
        b = min(_CHUNK, n_boot - start)
        level_counts = _draw_counts(rng, b, n_levels)
        seed_counts = _draw_counts(rng, b, n_seeds)
        estimates.append(_crossed_estimate(x0, validf, level_counts, seed_counts))
    estimates = np.concatenate(estimates)
    estimates = estimates[~np.isnan(estimates)]
    low, high = _percentiles(estimates, level) if estimates.size else (_NAN, _NAN)
    observed = x[valid]
    if rate_floor and np.all(observed == observed[0]) and observed[0] in (0.0, 1.0):
        wilson = rate_ci(int(observed[0]) * n_levels, n_levels, level=level)
        low, high = wilson["ci_low"], wilson["ci_high"]
    return {"mean": mean, "ci_low": low, "ci_high": high, "n_seeds": int(n_seeds), "n_levels": int(n_levels)}


def paired_difference_ci(a, b, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Mean of ``a - b`` for paired outcomes, with a bootstrap over the pairing units.

    Pairs share a level (and a seed): with and without an intervention, or two outcomes of the same
    episode. Resampling pairs rather than ``a`` and ``b`` separately removes the level-to-level
    variation the two share, so the interval is narrower when they are positively correlated.

    Args:
        a, b: same-shape arrays of numbers or bools, either (n_levels,) (levels are resampled) or
            (n_seeds, n_levels) (seeds and levels are resampled as in :func:`crossed_bootstrap_ci`,
            whose estimand applies to the differences). A NaN in either marks the pair as missing.
        n_boot: bootstrap resamples (>= 100).
        level: coverage of the interval, in (0, 1).
        seed: seed of the resampling.

    Returns:
        {"mean", "ci_low", "ci_high", "n"} with n the number of complete pairs; 2-D inputs also give
        "n_seeds" and "n_levels".
    """
    a = _as_outcomes("a", a, (1, 2))
    b = _as_outcomes("b", b, (1, 2))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (they are paired), got {a.shape} and {b.shape}")
    d = a - b
    n = int((~np.isnan(d)).sum())
    if d.ndim == 1:
        return bootstrap_ci(d[~np.isnan(d)], n_boot=n_boot, level=level, seed=seed)
    out = crossed_bootstrap_ci(d, n_boot=n_boot, level=level, seed=seed, rate_floor=False)
    return {"mean": out["mean"], "ci_low": out["ci_low"], "ci_high": out["ci_high"], "n": n,
            "n_seeds": out["n_seeds"], "n_levels": out["n_levels"]}


def _two_groups(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two groups' (n_seeds, n_levels) tables on the same levels, checked, without the levels that
    neither group played and the seeds with no level; also the mask of levels kept."""
    a = _as_outcomes("a", a, (2,))
    b = _as_outcomes("b", b, (2,))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must cover the same levels (same number of columns), got {a.shape} and {b.shape}")
    keep = ~np.isnan(a).all(axis=0) | ~np.isnan(b).all(axis=0)
    a, b = a[:, keep], b[:, keep]
    return a[~np.isnan(a).all(axis=1)], b[~np.isnan(b).all(axis=1)], keep


def group_difference_ci(a, b, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Difference of two groups of agents that played the same levels: mean(a) - mean(b), each the
    estimand of :func:`crossed_bootstrap_ci` (mean over seeds of each seed's mean over its levels).

    The groups' seeds are different agents (trained two ways), so seeds are resampled within each
    group; the levels are shared, so each resample draws one set of levels for both groups, which
    keeps the correlation a hard level induces in both.

    Args:
        a: (n_seeds_a, n_levels) outcomes of the first group; NaN marks a missing cell.
        b: (n_seeds_b, n_levels) outcomes of the second group, on the same levels in the same order.
        n_boot, level, seed: as in :func:`crossed_bootstrap_ci`.

    Returns:
        {"mean", "ci_low", "ci_high", "n_seeds_a", "n_seeds_b", "n_levels"}.
    """
    n_boot, level, seed = _check_common(n_boot, level, seed)
    a, b, keep = _two_groups(a, b)
    if a.size == 0 or b.size == 0:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n_seeds_a": len(a), "n_seeds_b": len(b),
                "n_levels": int(keep.sum())}
    n_levels = a.shape[1]
    parts = [(np.where(np.isnan(x), 0.0, x), (~np.isnan(x)).astype(np.float64)) for x in (a, b)]
    ones = np.ones((1, n_levels))
    mean = float(_crossed_estimate(*parts[0], ones, np.ones((1, len(a))))[0]
                 - _crossed_estimate(*parts[1], ones, np.ones((1, len(b))))[0])
    rng = np.random.default_rng(seed)
    estimates = []
    for start in range(0, n_boot, _CHUNK):
        k = min(_CHUNK, n_boot - start)
        level_counts = _draw_counts(rng, k, n_levels)
        ea = _crossed_estimate(*parts[0], level_counts, _draw_counts(rng, k, len(a)))
        eb = _crossed_estimate(*parts[1], level_counts, _draw_counts(rng, k, len(b)))
        estimates.append(ea - eb)
    estimates = np.concatenate(estimates)
    estimates = estimates[~np.isnan(estimates)]
    low, high = _percentiles(estimates, level) if estimates.size else (_NAN, _NAN)
    return {"mean": mean, "ci_low": low, "ci_high": high, "n_seeds_a": int(len(a)), "n_seeds_b": int(len(b)),
            "n_levels": int(n_levels)}


def hierarchical_bootstrap_ci(groups: list, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Mean over groups (e.g. training seeds) with a CI that resamples seeds, then levels within them.

    This treats each seed's levels as its own independent sample. When all seeds play the same
    levels, prefer :func:`crossed_bootstrap_ci`, which resamples the shared levels jointly.

    Args:
        groups: list of (n_i,) arrays, one per seed.

    Returns:
        {"mean", "ci_low", "ci_high", "n"} with n the number of groups; mean is the mean of group means.
    """
    n_boot, level, seed = _check_common(n_boot, level, seed)
    arrays = [_as_outcomes("groups[i]", np.asarray(g).reshape(-1), (1,)) for g in groups]
    arrays = [g for g in arrays if g.size]
    if not arrays:
        return {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n": 0}
    rng = np.random.default_rng(seed)
    k = len(arrays)
    means = np.empty(n_boot)
    for b in range(n_boot):
        picks = rng.integers(0, k, size=k)
        means[b] = np.mean([arrays[i][rng.integers(0, arrays[i].size, arrays[i].size)].mean() for i in picks])
    low, high = _percentiles(means, level)
    return {"mean": float(np.mean([a.mean() for a in arrays])), "ci_low": low, "ci_high": high, "n": k}


def _seed_parts(x: np.ndarray) -> dict:
    """The pieces of :func:`seed_mean_ci`'s standard error for an (n_seeds, n_levels) table with NaN
    for missing cells (rows and columns with data only): each seed's mean over its levels
    ("seed_means"); the variance of the level effects, each level's mean deviation from the seeds'
    means over the seeds that played it ("level_var", n_levels - 1 degrees of freedom); ``sum(w_l^2)``
    for the weight ``w_l`` of level l in the mean of the seeds' means ("weight_sq"); and the
    residual variance of a cell around seed mean + level effect ("residual_var")."""
    valid = ~np.isnan(x)
    n_per_seed = valid.sum(axis=1)
    seed_means = np.nanmean(x, axis=1)
    deviations = np.where(valid, x - seed_means[:, None], np.nan)
    level_effects = np.nanmean(deviations, axis=0)
    n_seeds, n_levels = x.shape
    level_var = float(np.var(level_effects, ddof=1)) if n_levels >= 2 else 0.0
    weights = (valid / n_per_seed[:, None]).sum(axis=0) / n_seeds
    residuals = deviations - level_effects[None, :]
    df_residual = int(valid.sum()) - n_seeds - n_levels + 1
    residual_var = float(np.nansum(residuals ** 2)) / df_residual if df_residual > 0 else 0.0
    return {"seed_means": seed_means, "level_var": level_var, "weight_sq": float((weights ** 2).sum()),
            "residual_var": residual_var, "residual_df": max(df_residual, 0)}


def _crossed_table(name: str, values) -> np.ndarray:
    x = _as_outcomes(name, values, (2,))
    valid = ~np.isnan(x)
    return x[valid.any(axis=1)][:, valid.any(axis=0)]


def seed_mean_ci(values, level: float = 0.95, rate: bool | None = None) -> dict[str, float]:
    """The policy's interval for a seeds x levels table: mean over seeds of each seed's mean over
    its levels, with a Student-t interval (k - 1 degrees of freedom for k seeds) whose squared
    standard error is ``var(seed means) / k + var(level effects) * sum(w_l^2) - noise``.

    The first term is the seeds' spread; the second is the spread of the levels that all seeds
    share (a hard level is hard for every agent), which the seeds' spread cannot see; each also
    holds the cells' own noise (residual variance * sum(w_l^2) / k), which the mean holds only once,
    so it is taken out once (never going below either term alone). The t quantile with k - 1
    degrees of freedom keeps the interval from being too narrow with 3-5 seeds; where the levels'
    spread dominates it errs wide (``analysis.coverage`` measures the coverage; the book's page
    "Statistics" shows the table). ``w_l`` is level l's weight in the estimate (1 / n_levels when
    no cell is missing).

    Args:
        values: (n_seeds, n_levels) numbers or bools; NaN marks a missing cell (a level that is not
            "good" for that seed). Every seed counts once however many levels it has.
        level: coverage of the interval, in (0, 1).
        rate: whether the outcomes are 0/1 (None: they are when every one is 0 or 1).

    Returns:
        {"mean", "ci_low", "ci_high", "n_seeds", "n_levels", "df", "interval"}, and "se" where the t
        interval was made. For a rate the interval is clipped to [0, 1], and when every outcome is the
        same 0 or 1 it is the Wilson interval for that in ``n_levels`` trials (never [0, 0]).
        With one seed the interval is NaN: one agent licenses a statement about that agent
        (:func:`rate_ci` over its levels), not about the seeds.
    """
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    if rate is not None:
        rate = check_bool("rate", rate)
    x = _crossed_table("values", values)
    n_seeds, n_levels = x.shape
    out = {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n_seeds": int(n_seeds), "n_levels": int(n_levels),
           "df": max(int(n_seeds) - 1, 0), "interval": "t over seeds, crossed with levels"}
    if x.size == 0:
        return out
    parts = _seed_parts(x)
    seed_means = parts["seed_means"]
    out["mean"] = mean = float(seed_means.mean())
    observed = x[~np.isnan(x)]
    is_rate = bool(np.isin(observed, (0.0, 1.0)).all()) if rate is None else rate
    if is_rate and np.all(observed == observed[0]) and observed[0] in (0.0, 1.0):
        wilson = rate_ci(int(observed[0]) * n_levels, n_levels, level=level)
        out.update(ci_low=wilson["ci_low"], ci_high=wilson["ci_high"], interval="Wilson over levels (every outcome the same)")
        return out
    if n_seeds < 2:
        return out
    # The seeds' spread and the shared levels' spread; each sample variance also holds the cells' own
    # noise, which the mean holds once: it is taken out once, never going below either term alone.
    # Degrees of freedom k - 1 (the seeds): with 3 seeds the interval errs wide where levels dominate.
    seed_term = float(seed_means.var(ddof=1)) / n_seeds
    level_term = parts["level_var"] * parts["weight_sq"]
    noise = parts["residual_var"] * parts["weight_sq"] / n_seeds
    se = math.sqrt(max(seed_term + level_term - noise, seed_term, level_term))
    df = n_seeds - 1
    half = float(_scipy_stats.t.ppf((1 + level) / 2, df=df)) * se
    low, high = mean - half, mean + half
    if is_rate:
        low, high = max(low, 0.0), min(high, 1.0)
    out.update(ci_low=low, ci_high=high, se=se, df=df)
    return out


def seed_paired_difference_ci(a, b, level: float = 0.95) -> dict[str, float]:
    """The policy's interval for a paired difference over seeds x levels: ``a`` and ``b`` are two
    outcomes of the same cells (reached the end and collected the coin in the same episodes, or
    the same seed and level with and without an intervention). The estimand is the mean over seeds
    of each seed's mean difference; the interval is :func:`seed_mean_ci` on ``a - b``, so the
    pairing removes what the two outcomes share.

    Args:
        a, b: (n_seeds, n_levels) numbers or bools of the same shape; NaN in either marks the pair
            as missing.
        level: coverage of the interval.

    Returns:
        :func:`seed_mean_ci`'s dict for the differences, with "n" the number of complete pairs; the
        difference of two 0/1 outcomes has its interval clipped to [-1, 1].
    """
    a = _as_outcomes("a", a, (2,))
    b = _as_outcomes("b", b, (2,))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (they are paired), got {a.shape} and {b.shape}")
    d = a - b
    out = seed_mean_ci(d, level=level, rate=False)
    if np.isin(d[~np.isnan(d)], (-1.0, 0.0, 1.0)).all() and "se" in out:
        out["ci_low"], out["ci_high"] = max(out["ci_low"], -1.0), min(out["ci_high"], 1.0)
    out["n"] = int((~np.isnan(d)).sum())
    return out


def seed_group_difference_ci(a, b, level: float = 0.95) -> dict[str, float]:
    """The policy's interval for the difference of two groups of agents (trained two ways) that
    played the same levels: mean over ``a``'s seeds minus mean over ``b``'s, each the estimand of
    :func:`seed_mean_ci`. The squared standard error adds each group's seed spread (var / k) and
    the spread of the shared levels' effect on the difference; the degrees of freedom are
    Welch-Satterthwaite's for the two seed terms.

    Args:
        a: (n_seeds_a, n_levels); b: (n_seeds_b, n_levels), the same levels in the same order; NaN
            marks a missing cell.
        level: coverage of the interval.

    Returns:
        {"mean", "ci_low", "ci_high", "n_seeds_a", "n_seeds_b", "n_levels", "interval"}, and "se" and
        "df" where the interval was made; the interval is NaN unless both groups have two seeds.
    """
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    a, b, keep = _two_groups(a, b)
    out = {"mean": _NAN, "ci_low": _NAN, "ci_high": _NAN, "n_seeds_a": int(len(a)), "n_seeds_b": int(len(b)),
           "n_levels": int(keep.sum()), "interval": "Welch t over two groups of seeds, crossed with levels"}
    if a.size == 0 or b.size == 0:
        return out
    means = [np.nanmean(g, axis=1) for g in (a, b)]
    out["mean"] = mean = float(means[0].mean() - means[1].mean())
    if len(a) < 2 or len(b) < 2:
        return out
    seed_terms = [float(m.var(ddof=1)) / len(m) for m in means]
    effects, weights = [], []
    for g, m in zip((a, b), means):
        valid = ~np.isnan(g)
        effects.append(np.nanmean(np.where(valid, g - m[:, None], np.nan), axis=0))
        weights.append((valid / valid.sum(axis=1)[:, None]).sum(axis=0) / len(g))
    both = ~np.isnan(effects[0]) & ~np.isnan(effects[1])
    level_term = 0.0
    if both.sum() >= 2:
        level_var = float(np.var(effects[0][both] - effects[1][both], ddof=1))
        level_term = level_var * float((((weights[0] + weights[1]) / 2) ** 2).sum())
    se = math.sqrt(sum(seed_terms) + level_term)
    terms = [(t, len(m) - 1) for t, m in zip(seed_terms, means)]
    denom = sum(t ** 2 / df for t, df in terms)
    df = sum(seed_terms) ** 2 / denom if denom > 0 else float(min(len(a), len(b)) - 1)
    half = float(_scipy_stats.t.ppf((1 + level) / 2, df=df)) * se
    out.update(ci_low=mean - half, ci_high=mean + half, se=se, df=float(df))
    return out
