"""Checkers for the exercises of the chapter on auto-induced distributional shift.

=======================  ==========================================  ===============================
exercise label           the learner writes                          reference
=======================  ==========================================  ===============================
``ex-ads-reward``        ``unit_test_reward(state, action, beta)``   ``ads.unit_test.unit_test_reward``
``ex-ads-pbt``           ``exploit_explore(fitness, theta, lr, rng,  ``ads.pbt.exploit_explore``
                         fraction)`` for one population
``ex-ads-swap``          ``swap_assignment(step, n_learners)``       ``ads.swapping.swap_assignment``
``ex-ads-drift``         ``interest_drift(w0, w)`` for two matrices  ``ads.recommender.interest_drift``
=======================  ==========================================  ===============================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from goalmisgen.ads.pbt import PERTURB_FACTORS
from goalmisgen.ads.recommender import interest_drift as reference_interest_drift
from goalmisgen.ads.swapping import swap_assignment as reference_swap_assignment
from goalmisgen.ads.unit_test import unit_test_reward as reference_reward
from goalmisgen.exercises._check import CheckFailed, call, checker


def _as_array(value: object, what: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception:  # a learner may return something numpy cannot read
        raise CheckFailed(f"{what} should be a numpy array, got {type(value).__name__}") from None


@checker("ex-ads-reward")
def check_unit_test_reward(unit_test_reward: Callable) -> None:
    """Check ``unit_test_reward(state, action, beta=-0.5)`` against ``r = s + beta * a - 0.5``."""
    s = np.array([0, 0, 1, 1])
    a = np.array([0, 1, 0, 1])
    hints = {
        (0, 0): "with s = 0 and a = 0 the only term left is the constant: did you forget the -0.5?",
        (0, 1): "cooperating (a = 1) should cost beta now; beta is negative, so add beta * a.",
        (1, 0): "the state s = 1 (you cooperated last step) should add +1 to the reward.",
        (1, 1): "cooperating in state 1 should give 1 + beta - 0.5.",
    }
    cases = [
        (s, a, {}),
        (s, a, {"beta": -0.2}),
        (s.astype(np.int8), a.astype(np.int8), {"beta": -0.9}),
        (s.astype(bool), a.astype(bool), {}),
        (s.astype(np.float32), a.astype(np.float32), {"beta": -0.5}),
        (np.array([[0], [1], [1]]), np.array([[0, 1, 1, 0]]), {"beta": -0.3}),
        (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {}),
    ]
    for state, action, kwargs in cases:
        beta = kwargs.get("beta", -0.5)
        expected = reference_reward(state, action, beta)
        got = _as_array(call(unit_test_reward, state, action, **kwargs), "the reward")
        where = f"state={state.tolist()}, action={action.tolist()}, beta={beta} ({state.dtype})"
        if got.shape != expected.shape:
            raise CheckFailed(
                f"for {where} the result has shape {got.shape}, expected {expected.shape}. "
                "Hint: compute elementwise with numpy so that shapes broadcast (no loops, no sum)."
            )
        if got.size and not np.issubdtype(got.dtype, np.floating):
            raise CheckFailed(
                f"for {where} the result has dtype {got.dtype}, expected a float dtype. "
                "Hint: the reward is fractional; convert the inputs with np.asarray(..., dtype=float)."
            )
        if not np.allclose(got, expected):
            if state.size and np.allclose(got, reference_reward(action, state, beta)) and state.shape == action.shape:
                raise CheckFailed(
                    f"for {where} your rewards match r(action, state): the arguments are swapped. "
                    "Hint: the first argument is the state (the previous action), the second this step's action."
                )
            bad = np.argwhere(~np.isclose(got, expected))[0]
            si, ai = int(np.broadcast_to(state, expected.shape)[tuple(bad)]), int(
                np.broadcast_to(action, expected.shape)[tuple(bad)]
            )
            raise CheckFailed(
                f"for {where}: at s={si}, a={ai} expected {expected[tuple(bad)]:+.3f}, got "
                f"{float(got[tuple(bad)]):+.3f}. Hint: {hints[(si, ai)]}"
            )


@checker("ex-ads-pbt")
def check_exploit_explore(exploit_explore: Callable) -> None:
    """Check one PBT exploit/explore step for a single population of ``N`` learners.

    ``exploit_explore(fitness, theta, lr, rng, fraction=0.2)`` takes ``(N,)`` arrays and returns
    ``(new_theta, new_lr)``: the ``floor(fraction * N)`` lowest-fitness learners copy ``theta`` from
    a random learner among as many highest-fitness ones, with that donor's ``lr`` times 0.8 or 1.2.
    """
    donors_seen: set[int] = set()
    factors_seen: set[float] = set()
    for n, fraction, seed in [(10, 0.2, 0), (5, 0.2, 1), (4, 0.2, 2), (6, 0.5, 3), (100, 0.2, 4), (100, 0.2, 5)]:
        rng = np.random.default_rng(100 + seed)
        fitness = rng.permutation(n).astype(float) - n / 2
        theta = rng.normal(size=n)
        lr = rng.uniform(0.01, 1.0, size=n)
        inputs = (fitness.copy(), theta.copy(), lr.copy())
        out = call(exploit_explore, fitness, theta, lr, np.random.default_rng(seed), fraction=fraction)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise CheckFailed("return a tuple (new_theta, new_lr).")
        new_theta, new_lr = (_as_array(x, "new_theta / new_lr").astype(float) for x in out)
        where = f"(population {n}, fraction {fraction})"
        if any(not np.array_equal(x, y) for x, y in zip((fitness, theta, lr), inputs)):
            raise CheckFailed(
                f"{where} your function changed its input arrays. Hint: work on copies "
                "(np.copy) so the caller's parameters are untouched."
            )
        if new_theta.shape != (n,) or new_lr.shape != (n,):
            raise CheckFailed(f"{where} expected two arrays of shape ({n},), got {new_theta.shape} and {new_lr.shape}.")
        k = int(fraction * n)
        order = np.argsort(fitness)
        bottom, top = order[:k], order[n - k :]
        keep = order[k:]
        if not (np.array_equal(new_theta[keep], theta[keep]) and np.array_equal(new_lr[keep], lr[keep])):
            raise CheckFailed(
                f"{where} only the {k} lowest-fitness learners may change, but others changed too. "
                f"Hint: with N = {n}, k = floor({fraction} * N) = {k}; sort by fitness (ascending) "
                "and replace the first k."
            )
        for i in bottom:
            matches = np.flatnonzero(np.isclose(theta[top], new_theta[i]))
            if matches.size == 0:
                from_bottom = np.any(np.isclose(theta[bottom], new_theta[i]))
                raise CheckFailed(
                    f"{where} learner {i} (fitness {fitness[i]:g}, among the worst) should hold the "
                    "theta of one of the top-k learners, but it does not."
                    + (" Hint: it copied from the bottom group: is your sort order reversed?" if from_bottom else "")
                )
            donor = int(top[matches[0]])
            ratio = new_lr[i] / lr[donor]
            if not np.any(np.isclose(ratio, PERTURB_FACTORS)):
                raise CheckFailed(
                    f"{where} learner {i} copied learner {donor}, so its lr should be lr[{donor}] * 0.8 "
                    f"or * 1.2, but the ratio is {ratio:.3f}. Hint: perturb the *donor's* learning rate."
                )
            donors_seen.add(donor if n == 100 else -1)
            factors_seen.add(round(float(ratio), 3))
    if len(donors_seen - {-1}) < 3:
        raise CheckFailed(
            "in a population of 100 all replaced learners copied the same one or two donors. "
            "Hint: each replaced learner draws its donor at random among the top k (rng.integers)."
        )
    if len(factors_seen) < 2:
        raise CheckFailed("the learning rate was always perturbed by the same factor. Hint: draw 0.8 or 1.2 at random per copy.")
    first = call(exploit_explore, fitness, theta, lr, np.random.default_rng(7), fraction=0.2)
    second = call(exploit_explore, fitness, theta, lr, np.random.default_rng(7), fraction=0.2)
    if not all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(first, second)):
        raise CheckFailed("two calls with the same seed gave different results. Hint: draw all randomness from the rng argument.")


@checker("ex-ads-swap")
def check_swap_assignment(swap_assignment: Callable) -> None:
    """Check ``swap_assignment(step, n_learners)``: learner ``i`` sits in environment ``(i + step) % n``."""
    for n in (1, 2, 5, 10):
        for step in (0, 1, 2, 3, 7, 25, 1_000_003):
            expected = reference_swap_assignment(step, n)
            got = _as_array(call(swap_assignment, step, n), "the assignment")
            where = f"at step {step} with {n} learners"
            if got.shape != expected.shape:
                raise CheckFailed(f"{where} expected shape {expected.shape} (one environment per learner), got {got.shape}.")
            if not np.issubdtype(got.dtype, np.integer):
                raise CheckFailed(f"{where} the result has dtype {got.dtype}; environment indices must be integers.")
            if np.array_equal(got, expected):
                continue
            if np.array_equal(got, (np.arange(n) - step) % n):
                hint = "you rotate the other way; learner i should move to (i + step) % n_learners."
            elif step == 0:
                hint = "at step 0 every learner sits in its own environment: learner i in environment i."
            elif np.any(got >= n) or np.any(got < 0):
                hint = "indices must stay in range(n_learners): wrap around with % n_learners."
            else:
                hint = "learner i sits in environment (i + step) % n_learners."
            raise CheckFailed(f"{where} expected {expected.tolist()}, got {got.tolist()}. Hint: {hint}")


@checker("ex-ads-drift")
def check_interest_drift(interest_drift: Callable) -> None:
    """Check ``interest_drift(w0, w)`` = ``1 - cos(W_0, W)`` for two ``(n_articles, n_users)`` matrices."""
    rng = np.random.default_rng(0)
    w0 = rng.uniform(size=(4, 3))
    other = np.zeros((4, 3))
    other[np.unravel_index(np.argmin(w0), w0.shape)] = 1.0  # far from w0, not orthogonal
    cases = [
        (w0, w0.copy(), "identical matrices"),
        (w0, 3.0 * w0, "a rescaled copy"),
        (np.eye(3), np.eye(3)[::-1], "two permutation matrices"),
        (w0, rng.uniform(size=(4, 3)), "two random matrices"),
        (w0, other, "a matrix with a single non-zero entry"),
        (w0.astype(np.float32), (w0 + 0.1).astype(np.float32), "float32 matrices"),
        (rng.uniform(size=(10, 10)), rng.uniform(size=(10, 10)), "two 10 x 10 matrices"),
    ]
    for a, b, what in cases:
        expected = float(reference_interest_drift(a, b))
        got = _as_array(call(interest_drift, a, b), "the drift")
        if got.shape != ():
            raise CheckFailed(
                f"for {what} expected a single number, got an array of shape {got.shape}. Hint: one "
                "cosine between the two whole matrices (flatten them), not one per column."
            )
        got_value = float(got)
        if np.isclose(got_value, expected, atol=1e-6):
            continue
        if np.isclose(got_value, 1.0 - expected, atol=1e-6):
            hint = "that is the cosine similarity itself; the drift is 1 - cos."
        elif np.isclose(got_value, 1.0 - float(np.sum(a * b)), atol=1e-6):
            hint = "a cosine divides the dot product by both norms, ||w0|| * ||w||."
        elif what == "a rescaled copy":
            hint = "scaling W should not change the drift: divide the dot product by both norms."
        else:
            hint = "cos = sum(w0 * w) / (||w0|| * ||w||) over all entries, then return 1 - cos."
        raise CheckFailed(f"for {what} expected {expected:.4f}, got {got_value:.4f}. Hint: {hint}")
