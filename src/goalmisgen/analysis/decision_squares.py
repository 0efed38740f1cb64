"""Which distances predict whether a Maze agent goes for the cheese (Turner et al. 2023): an
L1-penalized logistic regression of "got the cheese" on the decision-square features
(``goalmisgen.envs.maze.decision_squares``), with held-out accuracy against the base rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from goalmisgen.analysis.stats import rate_ci
from goalmisgen.envs.maze.decision_squares import FEATURES
from goalmisgen.validation import check_float, check_seed

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
                    alpha: float = 0.01, test_fraction: float = 0.3, seed: int = 0) -> dict:
    """L1-penalized logistic regression of ``outcome`` on ``features``, scored on held-out rows.

    Features are standardized with the training rows' mean and standard deviation, so the
    coefficients compare across features (one standard deviation of each). The objective is the
    mean log-loss plus ``alpha`` times the L1 norm of the weights (the intercept is not penalized).

    Args:
        table: one row per maze, with the ``outcome`` (bool) and ``features`` columns.
        alpha: L1 penalty weight (larger: fewer non-zero coefficients).
        test_fraction: share of rows held out (a random split drawn with ``seed``).

    Returns:
        dict with ``accuracy`` (held-out, with a Wilson CI: ``accuracy_ci``), ``base_rate``
        (held-out accuracy of always guessing the training rows' majority outcome),
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
    X = table[features].to_numpy(dtype=float)
    y = table[outcome].to_numpy(dtype=float)
    n_test = int(round(test_fraction * len(y)))
    if n_test < 1 or len(y) - n_test < 2:
        raise ValueError(f"{len(y)} rows with test_fraction={test_fraction} leave too few rows to fit or to test")
    order = np.random.default_rng(seed).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
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
        "outcome_rate": float(y[test].mean()),
        "coefficients": {f: float(c) for f, c in zip(features, w)},
        "intercept": b,
        "n_train": int(len(train)),
        "n_test": n_test,
    }
