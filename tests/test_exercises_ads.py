"""Every checker of the auto-induced-shift chapter passes the reference and fails wrong answers helpfully."""

import numpy as np
import pytest

from goalmisgen.ads.pbt import exploit_explore as batched_exploit_explore
from goalmisgen.ads.recommender import interest_drift
from goalmisgen.ads.swapping import swap_assignment
from goalmisgen.ads.unit_test import unit_test_reward
from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.ads import (
    check_exploit_explore,
    check_interest_drift,
    check_swap_assignment,
    check_unit_test_reward,
)


def reference_exploit_explore(fitness, theta, lr, rng, fraction=0.2):
    (new_theta,), new_lr = batched_exploit_explore(fitness[None], [theta[None]], lr[None], rng, fraction)
    return new_theta[0], new_lr[0]


def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-ads-reward")


@pytest.mark.parametrize(
    "check, reference, label",
    [
        (check_unit_test_reward, unit_test_reward, "ex-ads-reward"),
        (check_exploit_explore, reference_exploit_explore, "ex-ads-pbt"),
        (check_swap_assignment, swap_assignment, "ex-ads-swap"),
        (check_interest_drift, interest_drift, "ex-ads-drift"),
    ],
)
def test_checker_passes_the_reference_with_one_line(check, reference, label, capsys):
    check(reference)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


@pytest.mark.parametrize("check", [check_unit_test_reward, check_exploit_explore, check_swap_assignment, check_interest_drift])
def test_a_stub_is_reported_as_not_implemented_without_a_traceback(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda s, a, beta=-0.5: np.asarray(s, float) + beta * np.asarray(a, float), "forget the -0.5"),
        (lambda s, a, beta=-0.5: np.asarray(s, float) - beta * np.asarray(a, float) - 0.5, "add beta \\* a"),
        (lambda s, a, beta=-0.5: np.asarray(a, float) + beta * np.asarray(s, float) - 0.5, "swapped"),
        (lambda s, a, beta=-0.5: 0.5 * np.asarray(s, float) + beta * np.asarray(a, float) - 0.5, "s = 1"),
        (lambda s, a, beta=-0.5: np.asarray(s) + 2 * np.asarray(a), "float dtype"),
        (lambda s, a, beta=-0.5: float(np.sum(np.asarray(s) + beta * np.asarray(a) - 0.5)), "shape"),
    ],
)
def test_reward_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_unit_test_reward(wrong)


def copy_from_bottom(fitness, theta, lr, rng, fraction=0.2):
    return reference_exploit_explore(-fitness, theta, lr, rng, fraction)  # ranks the wrong way round


def always_best_donor(fitness, theta, lr, rng, fraction=0.2):
    k = int(fraction * len(fitness))
    order = np.argsort(fitness)
    theta, lr = theta.copy(), lr.copy()
    if k:
        theta[order[:k]] = theta[order[-1]]
        lr[order[:k]] = lr[order[-1]] * rng.choice([0.8, 1.2], size=k)
    return theta, lr


def unperturbed(fitness, theta, lr, rng, fraction=0.2):
    k = int(fraction * len(fitness))
    order = np.argsort(fitness)
    theta, lr = theta.copy(), lr.copy()
    if k:
        donors = order[-k:][rng.integers(0, k, size=k)]
        theta[order[:k]], lr[order[:k]] = theta[donors], lr[donors]
    return theta, lr


def in_place(fitness, theta, lr, rng, fraction=0.2):
    new_theta, new_lr = reference_exploit_explore(fitness, theta, lr, rng, fraction)
    theta[:] = new_theta
    return new_theta, new_lr


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (copy_from_bottom, "lowest-fitness"),
        (always_best_donor, "at random among the top k"),
        (unperturbed, "0.8 or \\* 1.2"),
        (in_place, "work on copies"),
        (lambda fitness, theta, lr, rng, fraction=0.2: theta, "tuple"),
    ],
)
def test_pbt_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_exploit_explore(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda step, n: (np.arange(n) - step) % n, "rotate the other way"),
        (lambda step, n: np.arange(n) + step, "wrap around"),
        (lambda step, n: np.zeros(n, dtype=int), "learner i in environment i"),
        (lambda step, n: ((np.arange(n) + step) % n).astype(float), "must be integers"),
        (lambda step, n: (np.arange(n) + 2 * step) % n, "\\(i \\+ step\\) % n_learners"),
    ],
)
def test_swap_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_swap_assignment(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda w0, w: 1.0 - interest_drift(w0, w), "1 - cos"),
        (lambda w0, w: 1.0 - np.sum(w0 * w), "both norms"),
        (lambda w0, w: 1.0 - (w0 * w).sum(0) / np.linalg.norm(w0, axis=0) / np.linalg.norm(w, axis=0), "flatten"),
        (lambda w0, w: 1.0 / 0.0, "raised ZeroDivisionError"),
    ],
)
def test_drift_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_interest_drift(wrong)


def test_failure_message_renders_without_a_traceback_in_ipython():
    try:
        check_swap_assignment(lambda step, n: np.zeros(n, dtype=int))
    except CheckFailed as failure:
        lines = failure._render_traceback_()
    assert len(lines) == 1 and lines[0].startswith("\N{BALLOT X} ex-ads-swap")
