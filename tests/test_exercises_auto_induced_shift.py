"""Every checker of the auto-induced-shift chapter passes the reference and fails wrong answers helpfully."""

import numpy as np
import pytest

from goalmisgen.ads.pbt import exploit_explore as batched_exploit_explore
from goalmisgen.ads.recommender import interest_drift
from goalmisgen.ads.swapping import swap_assignment
from goalmisgen.ads.unit_test import interval_fitness
from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.auto_induced_shift import (
    PREDICTION_CONFIG,
    check_exploit_explore,
    check_failure_prediction,
    check_interest_drift,
    check_interval_fitness,
    check_seating,
    check_swap_assignment,
    prediction_experiment,
)


def reference_exploit_explore(fitness, theta, lr, rng, fraction=0.2):
    (new_theta,), new_lr = batched_exploit_explore(fitness[None], [theta[None]], lr[None], rng, fraction)
    return new_theta[0], new_lr[0]


def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-ads-fitness")


def reference_fitness(p, k, beta=-0.5, first_state=0.0):
    return float(interval_fitness(p, k, beta, first_state))


def reference_prediction():
    # not a constant: the reference predicts whatever was measured, so this test cannot pass by luck
    return int(prediction_experiment().failed().sum())


def reference_seating(step, n_learners):
    return (np.arange(n_learners) - step) % n_learners


@pytest.mark.parametrize(
    "check, reference, label",
    [
        (check_interval_fitness, reference_fitness, "ex-ads-fitness"),
        (check_exploit_explore, reference_exploit_explore, "ex-ads-pbt"),
        (check_seating, reference_seating, "ex-ads-seating"),
        (check_swap_assignment, swap_assignment, "ex-ads-swap"),
        (check_interest_drift, interest_drift, "ex-ads-drift"),
    ],
)
def test_checker_passes_the_reference_with_one_line(check, reference, label, capsys):
    check(reference)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


@pytest.mark.parametrize(
    "check",
    [check_interval_fitness, check_exploit_explore, check_failure_prediction, check_seating, check_swap_assignment,
     check_interest_drift],
)
def test_a_stub_is_reported_as_not_implemented_without_a_traceback(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda p, k, beta=-0.5, first_state=0.0: p * (1 + beta) - 0.5, "set \\*before\\* the interval"),
        (lambda p, k, beta=-0.5, first_state=0.0: k * reference_fitness(p, k, beta, first_state), "divide by k"),
        (lambda p, k, beta=-0.5, first_state=0.0: (first_state + (k - 1) * p) / k - 0.5, "add beta \\* p"),
        (lambda p, k, beta=-0.5, first_state=0.0: first_state + beta * p - 0.5, "from the second step on"),
        (lambda p, k, beta=-0.5, first_state=0.0: (first_state + k * p) / k + beta * p - 0.5, "Check a case by hand"),
        (lambda p, k, beta=-0.5, first_state=0.0: "high", "single number"),
    ],
)
def test_fitness_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_interval_fitness(wrong)


def test_the_fitness_formula_matches_a_simulation_of_the_game():
    from goalmisgen.ads.unit_test import simulate_interval_fitness

    for p, k, s0 in [(1.0, 1, 0.0), (1.0, 3, 0.0), (0.3, 10, 0.3), (0.8, 4, 1.0)]:
        assert simulate_interval_fitness(p, k, -0.5, s0, n_learners=200_000) == pytest.approx(
            reference_fitness(p, k, -0.5, s0), abs=0.01
        )


def test_a_prediction_in_the_interval_is_recorded_in_one_line(capsys):
    check_failure_prediction(reference_prediction)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "ex-ads-predict" in out[0] and "prediction recorded" in out[0]
    assert "lies in that interval" in out[0]


def test_prediction_checker_explains_a_wrong_prediction_and_refuses_non_counts(capsys):
    measured = int(prediction_experiment().failed().sum())
    far = 0 if measured > PREDICTION_CONFIG.n_trials / 2 else PREDICTION_CONFIG.n_trials
    check_failure_prediction(lambda: far, strict=True)  # recorded with the reasoning, not failed
    out = capsys.readouterr().out
    assert "prediction recorded" in out and "PBT only *ranks* learners" in out and f"{measured} failed" in out
    for bad in (21, -1, 2.5, True, "20"):
        with pytest.raises(CheckFailed, match="whole number of trials between 0 and 20"):
            check_failure_prediction(lambda bad=bad: bad)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda step, n: np.arange(n), "reads the state it wrote itself"),
        (lambda step, n: (np.arange(n) + step // 2) % n, "reads the state it wrote itself"),
        (lambda step, n: np.random.default_rng(step).permutation(n), "reads the state it wrote itself"),
        (lambda step, n: np.zeros(n, dtype=int), "permutation"),
        (lambda step, n: (np.arange(n) + step) % n, "chapter's rotation"),
        (lambda step, n: np.arange(n) ^ (step % 2), "period 2"),
    ],
    ids=["fixed", "every-other-step", "random-permutation", "not-a-permutation", "the-book's", "fixed-pairs"],
)
def test_seating_checker_names_the_flaw(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_seating(wrong)


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
