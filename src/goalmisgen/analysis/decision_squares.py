"""Which distances predict whether a Maze agent goes for the cheese (Turner et al. 2023): an
L1-penalized logistic regression of "got the cheese" on the decision-square features
(``goalmisgen.envs.maze.decision_squares``), with held-out accuracy against the base rate.

Read beside a control. An agent that cannot find its way to a far cheese also "prefers" a cheese near
the corner, so the analysis is run on the agents trained with the cheese anywhere (k = 15, the
reference) as well as on the corner-biased ones: ``with_decision_squares`` joins evaluated test
episodes with their mazes' features, ``outcome_rates`` gives P(cheese), P(corner) and P(neither) per
k at decision squares, ``fit_l1_logistic`` splits its rows by maze or by training seed (never one
maze on both sides), and ``coefficient_difference`` gives the difference of one coefficient between
two groups of agents with a CI that resamples seeds within each group and mazes jointly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from goalmisgen.analysis.stats import rate_ci
from goalmisgen.analysis.evaluation import seeds_summary
from goalmisgen.envs.maze.decision_squares import FEATURES, decision_squares
from goalmisgen.validation import check_choice, check_float, check_int, check_seed

SPLITS = ("rows", "maze", "seed")
"""How ``fit_l1_logistic`` holds rows out: at random ("rows": one maze can fall on both sides), by
maze (every row of a held-out maze is held out) or by training seed (one seed's rows held out)."""

OUTCOMES = {"cheese": "reached the cheese", "corner": "reached the corner, not the cheese",
            "neither": "reached neither (timed out elsewhere)"}
"""The three outcomes of a test episode at a decision square; they add up to one."""


def with_decision_squares(episodes: pd.DataFrame, **options) -> pd.DataFrame:
    """``episodes`` (one row per agent and maze, with ``level_seed``, ``cheese_collected`` and
    ``reached_corner``) joined with the decision-square columns of their mazes, regenerated with the
    Maze ``options`` they were played with (e.g. ``cheese_placement="anywhere"``), and with bool
    columns ``cheese``, ``corner`` and ``neither`` (``OUTCOMES``)."""
    from goalmisgen.envs.maze import MazeVecEnv

    seeds = np.sort(episodes["level_seed"].unique())
    features = decision_squares(MazeVecEnv(num_envs=1, **options).generate(seeds))
    cheese = episodes["cheese_collected"].astype(bool)
    corner = episodes["reached_corner"].astype(bool) & ~cheese
    out = episodes.assign(cheese=cheese, corner=corner, neither=~cheese & ~corner)
    return out.drop(columns=[c for c in features if c != "level_seed" and c in out]).merge(features, on="level_seed")


def outcome_rates(table: pd.DataFrame, mask: str = "has_decision_square", seed: int = 0) -> pd.DataFrame:
    """P(cheese), P(corner) and P(neither) per cheese region ``k`` on the mazes where ``mask`` holds:
    one row per k and outcome, the mean over seeds of each seed's rate with a 95% CI resampling seeds
    and mazes jointly (``seeds_summary``)."""
    rows = []
    for k, part in table.groupby("k"):
        for outcome in OUTCOMES:
            rows.append({"k": int(k), "outcome": outcome, **seeds_summary(part, outcome, mask, seed=seed)})
    return pd.DataFrame(rows)


def majority_label(rate: float, outcome: str = "cheese_collected") -> str:
    """What always guessing the majority class guesses, in words: "got the cheese" or "no cheese"."""
    names = {"cheese_collected": ("got the cheese", "no cheese")}
    yes, no = names.get(outcome, (outcome, f"not {outcome}"))
    return yes if rate >= 0.5 else no

def _fit(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """Minimize mean log-loss + alpha * |w|_1 over (intercept b, weights w).

    The L1 term is made smooth by writing w = u - v with u, v >= 0 (then |w|_1 = sum(u + v) at
    the optimum) and solving the bound-constrained problem with L-BFGS-B.
    """
    n, p = X.shape

    def loss(theta):
        b, u, v = theta[0], theta[1 : p + 1], theta[p + 1 :]
        z = b + X @ (u - v)
        # log(1 + e^z) - y z, computed stably; its gradient in z is sigmoid(z) - y
        value = np.mean(np.logaddexp(0.0, z) - y * z) + alpha * (u.sum() + v.sum())
        g = (1.0 / (1.0 + np.exp(-z)) - y) / n
        gw = X.T @ g
        return value, np.concatenate([[g.sum()], gw + alpha, -gw + alpha])

    bounds = [(None, None)] + [(0.0, None)] * (2 * p)
    res = minimize(loss, np.zeros(1 + 2 * p), jac=True, method="L-BFGS-B", bounds=bounds)
    return float(res.x[0]), res.x[1 : p + 1] - res.x[p + 1 :]


def fit_l1_logistic(table: pd.DataFrame, outcome: str = "cheese_collected", features=FEATURES,
                    alpha: float = 0.01, test_fraction: float = 0.3, seed: int = 0, split: str = "rows",
                    held_out_seed: int | None = None) -> dict:
    """L1-penalized logistic regression of ``outcome`` on ``features``, scored on held-out rows.

    Features are standardized with the training rows' mean and standard deviation, so the
    coefficients compare across features (one standard deviation of each). The objective is the
    mean log-loss plus ``alpha`` times the L1 norm of the weights (the intercept is not penalized).

    Args:
        table: one row per maze, with the ``outcome`` (bool) and ``features`` columns.
        alpha: L1 penalty weight (larger: fewer non-zero coefficients).
        test_fraction: share of rows ("rows") or of mazes ("maze") held out, drawn with ``seed``.
        split: one of ``SPLITS``: "rows" (at random), "maze" (by ``level_seed``: a maze's rows all
            fall on one side) or "seed" (the rows of training seed ``held_out_seed`` are held out).
        held_out_seed: with ``split="seed"``, the value of the ``seed`` column held out.

    Returns:
        dict with ``accuracy`` (held-out, with a Wilson CI: ``accuracy_ci``), ``base_rate``
        (held-out accuracy of always guessing the training rows' majority outcome, named by
        ``majority``),
        ``outcome_rate`` (share of held-out rows with the outcome), ``coefficients``
        (feature -> weight per standard deviation), ``intercept``, ``n_train``, ``n_test``.
    """
    features = list(features)
    missing = [c for c in [outcome, *features] if c not in table]
    if missing:
        raise ValueError(f"the table lacks the column(s) {missing}; it has {sorted(table.columns)}")
    alpha = check_float("alpha", alpha, low=0.0)
    test_fraction = check_float("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
    seed = check_seed(seed)
    split = check_choice("split", split, SPLITS)
    X = table[features].to_numpy(dtype=float)
    y = table[outcome].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    if split == "rows":
        order = rng.permutation(len(y))
        n_test = int(round(test_fraction * len(y)))
        held = np.zeros(len(y), dtype=bool)
        held[order[:n_test]] = True
    elif split == "maze":
        mazes = np.sort(table["level_seed"].unique())
        out = rng.permutation(mazes)[: int(round(test_fraction * len(mazes)))]
        held = table["level_seed"].isin(out).to_numpy()
    else:
        seeds = sorted(table["seed"].unique())
        if held_out_seed not in seeds:
            raise ValueError(f"held_out_seed={held_out_seed!r} is not allowed: with split='seed' it must be one of {seeds}")
        held = (table["seed"] == held_out_seed).to_numpy()
    test, train = np.flatnonzero(held), np.flatnonzero(~held)
    n_test = len(test)
    if n_test < 1 or len(train) < 2:
        raise ValueError(f"{len(y)} rows with split={split!r} and test_fraction={test_fraction} leave too few rows "
                         "to fit or to test")
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    b, w = _fit(Z[train], y[train], alpha)
    predicted = (b + Z[test] @ w) > 0
    hits = int((predicted == y[test].astype(bool)).sum())
    majority = y[train].mean() >= 0.5
    return {
        "accuracy": hits / n_test,
        "accuracy_ci": rate_ci(hits, n_test),
        "base_rate": float(np.mean(y[test].astype(bool) == majority)),
        "majority": majority_label(float(y[train].mean()), outcome),
        "outcome_rate": float(y[test].mean()),
        "coefficients": {f: float(c) for f, c in zip(features, w)},
        "intercept": b,
        "n_train": int(len(train)),
        "n_test": n_test,
    }


def _logistic_newton(X: np.ndarray, y: np.ndarray, weight: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Weights (intercept first) of a plain logistic regression with per-row ``weight``, by Newton's
    method (a tiny ridge keeps the step defined when a resample separates the classes)."""
    Z = np.column_stack([np.ones(len(X)), X])
    theta = np.zeros(Z.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(Z @ theta)))
        grad = Z.T @ (weight * (p - y))
        hess = (Z * (weight * p * (1 - p))[:, None]).T @ Z + 1e-6 * np.eye(Z.shape[1])
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta


def coefficient_difference(a: pd.DataFrame, b: pd.DataFrame, feature: str, covariates=("maze_size",),
                           outcome: str = "cheese_collected", n_boot: int = 1000, level: float = 0.95,
                           seed: int = 0) -> dict:
    """Coefficient of ``feature`` (per standard deviation, ``covariates`` in the fit) for agents
    ``a`` minus agents ``b``, from plain logistic regressions of ``outcome`` (no penalty), with a
    bootstrap CI.

    Both tables hold one row per agent (``seed``) and maze (``level_seed``), on the same mazes.
    The features are standardized once, over the mazes, so the two coefficients share a scale.
    Each bootstrap draw resamples the seeds within each group and one set of mazes for both groups
    (a hard maze is hard for both), as ``stats.group_difference_ci`` does for rates; a draw
    weights each row by how often its seed and its maze were drawn.

    Returns:
        {"mean" (a - b on the data), "a", "b" (each group's coefficient), "ci_low", "ci_high",
        "n_boot", "n_mazes"}.
    """
    features = [feature, *covariates]
    for name, t in (("a", a), ("b", b)):
        missing = [c for c in [outcome, "seed", "level_seed", *features] if c not in t]
        if missing:
            raise ValueError(f"table {name} lacks the column(s) {missing}")
    n_boot = check_int("n_boot", n_boot, low=1)
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    seed = check_seed(seed)
    mazes = np.sort(np.union1d(a["level_seed"].unique(), b["level_seed"].unique()))
    per_maze = pd.concat([a, b]).drop_duplicates("level_seed").set_index("level_seed").loc[mazes, features]
    mean, std = per_maze.mean().to_numpy(dtype=float), per_maze.std(ddof=0).to_numpy(dtype=float).copy()
    std[std == 0] = 1.0
    groups = []
    for t in (a, b):
        seeds = np.sort(t["seed"].unique())
        groups.append(((t[features].to_numpy(dtype=float) - mean) / std, t[outcome].to_numpy(dtype=float),
                       np.searchsorted(seeds, t["seed"].to_numpy()), np.searchsorted(mazes, t["level_seed"].to_numpy()),
                       len(seeds)))
    est = [_logistic_newton(X, y, np.ones(len(y)))[1] for X, y, *_ in groups]
    rng = np.random.default_rng(seed)
    draws = np.empty(n_boot)
    for i in range(n_boot):
        maze_counts = rng.multinomial(len(mazes), np.full(len(mazes), 1 / len(mazes)))
        fitted = []
        for X, y, seed_of, maze_of, n_seeds in groups:
            seed_counts = rng.multinomial(n_seeds, np.full(n_seeds, 1 / n_seeds))
            fitted.append(_logistic_newton(X, y, (seed_counts[seed_of] * maze_counts[maze_of]).astype(float))[1])
        draws[i] = fitted[0] - fitted[1]
    draws = draws[np.isfinite(draws)]
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return {"mean": float(est[0] - est[1]), "a": float(est[0]), "b": float(est[1]), "ci_low": float(low),
            "ci_high": float(high), "n_boot": int(draws.size), "n_mazes": int(len(mazes))}
