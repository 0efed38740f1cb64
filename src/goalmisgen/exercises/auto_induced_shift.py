"""Checkers for the exercises of the chapter on auto-induced distributional shift.

=====================  ===============================================  =================================
exercise label         the learner writes                               kind
=====================  ===============================================  =================================
``ex-ads-pbt``         ``exploit_explore(fitness, theta, lr, rng,       implement an algorithm described
                       fraction)`` for one population                   in the text
``ex-ads-fitness``     ``interval_fitness(p, k, beta, first_state)``    derive PBT's fitness for an
                                                                        interval of k steps, then check
``ex-ads-predict``     ``predicted_failures()``: how many of 20 PBT     predict, then run
                       trials fail at beta = -0.95
``ex-ads-seating``     ``seating(step, n_learners)``                    design a swapping scheme
=====================  ===============================================  =================================

``check_swap_assignment`` and ``check_interest_drift`` check two earlier exercises of the chapter
(``ads.swapping.swap_assignment``, ``ads.recommender.interest_drift``); the grading tests' fixture
notebook still uses them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from goalmisgen.ads.pbt import PERTURB_FACTORS
from goalmisgen.ads.recommender import interest_drift as reference_interest_drift
from goalmisgen.ads.swapping import swap_assignment as reference_swap_assignment
from goalmisgen.ads.unit_test import interval_fitness as reference_interval_fitness
from goalmisgen.ads.unit_test_experiment import UnitTestConfig, UnitTestResult, run_unit_test, validate_seating
from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker
from goalmisgen.exercises.quiz import Choice, Question


def _as_array(value: object, what: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception:  # a learner may return something numpy cannot read
        raise CheckFailed(f"{what} should be a numpy array, got {type(value).__name__}") from None


def _as_float(value: object, what: str) -> float:
    try:
        result = float(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} should be a single number, got {type(value).__name__} {value!r}") from None
    return result


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


@checker("ex-ads-fitness")
def check_interval_fitness(interval_fitness: Callable) -> None:
    """Check ``interval_fitness(p, k, beta=-0.5, first_state=0.0)``, the expected mean reward over an
    interval of ``k`` steps of a learner that cooperates with probability ``p``, when the interval's
    first state is 1 with probability ``first_state``."""
    cases = [
        (p, k, beta, s0)
        for beta in (-0.5, -0.2, -0.9)
        for k in (1, 2, 3, 10, 100)
        for p, s0 in ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.3, 0.3), (0.3, 1.0), (0.8, 0.0), (0.5, 0.25))
    ]
    wrong_answers = {
        "ignores the first state": lambda p, k, b, s0: p * (1 + b) - 0.5,
        "is a sum, not a mean": lambda p, k, b, s0: k * reference_interval_fitness(p, k, b, s0),
        "has no cost of cooperating": lambda p, k, b, s0: (s0 + (k - 1) * p) / k - 0.5,
        "uses the first state at every step": lambda p, k, b, s0: s0 + b * p - 0.5,
    }
    hints = {
        "ignores the first state": "the state of the interval's first step was set *before* the interval, so it is "
        "1 with probability first_state, not p; only the later k - 1 states are the learner's own actions.",
        "is a sum, not a mean": "PBT's fitness is the *mean* reward over the interval: divide by k.",
        "has no cost of cooperating": "every step, cooperating (probability p) also costs beta now: add beta * p.",
        "uses the first state at every step": "only the first state comes from before the interval; from the second "
        "step on, the state is the learner's own previous action (1 with probability p).",
    }
    results = []
    for p, k, beta, s0 in cases:
        got = _as_float(call(interval_fitness, p, k, beta=beta, first_state=s0), "the fitness")
        results.append(((p, k, beta, s0), got))
    wrong = [(case, got) for case, got in results if not np.isclose(got, reference_interval_fitness(*case), atol=1e-9)]
    if not wrong:
        return
    # name the mistake whose formula reproduces every answer the learner got wrong
    named = [
        name for name, f in wrong_answers.items() if all(np.isclose(got, f(*case), atol=1e-9) for case, got in results)
    ]
    hint = hints[named[0]] if named else (
        "count the k steps: the first has state 1 with probability first_state, each later one with "
        "probability p; every step pays beta * a - 0.5 on top of its state. Check a case by hand, e.g. "
        "k = 2, p = 1, first_state = 0."
    )
    (p, k, beta, s0), got = wrong[0]
    expected = float(reference_interval_fitness(p, k, beta, s0))
    raise CheckFailed(
        f"for p={p}, k={k}, beta={beta}, first_state={s0} expected {expected:+.4f}, got {got:+.4f}. Hint: {hint}"
    )


PREDICTION_CONFIG = UnitTestConfig(learner="pbt", population=100, interval=10, beta=-0.95, n_trials=20, seed=7)
"""The experiment of ``ex-ads-predict``: PBT, 100 learners, interval 10, beta = -0.95."""


@functools.cache
def prediction_experiment() -> UnitTestResult:
    """Run (once per session) the experiment whose outcome ``ex-ads-predict`` asks to predict."""
    return run_unit_test(PREDICTION_CONFIG)


@checker("ex-ads-predict")
def check_failure_prediction(predicted_failures: Callable) -> None:
    """Run ``PREDICTION_CONFIG``, record ``predicted_failures()`` (failed trials out of 20) and show
    the measured count and the reasoning; a prediction outside the exact 95% interval of the measured
    failure share is told which way it is off, and is not failed for it. Refuses only an answer that
    is not a whole number of trials."""
    value = call(predicted_failures)
    n = PREDICTION_CONFIG.n_trials
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= n:
        raise CheckFailed(f"return a whole number of trials between 0 and {n}, got {value!r}.")
    measured = prediction_experiment().failure_ci()
    low, high = measured["ci_low"] * n, measured["ci_high"] * n
    p_final = float(prediction_experiment().final_p_cooperate().mean())
    shown = (f"You predicted {value} failed trials of {n}; {measured['failures']} failed (final mean P(cooperate) "
             f"{p_final:.2f}), and the 95% interval of the failure share allows {low:.1f} to {high:.1f} of {n}.")
    reason = ("at beta = -0.95 the fitness gap between two learners is (1 + beta) * (p1 - p2), small but positive, "
              "and PBT only *ranks* learners: it copies the better one whatever the size of the gap, as long as the "
              "gap beats the noise of the fitness.")
    if low - 1e-9 <= value <= high + 1e-9:
        raise Recorded(f"{shown} Your prediction lies in that interval. Why: {reason}")
    direction = "more" if value < low else "fewer"
    raise Recorded(f"{shown} {direction.capitalize()} trials failed than you expected. Why: use your interval_fitness: "
                   f"{reason}")


SEATING_CONFIG = UnitTestConfig(learner="pbt", population=100, interval=10, n_trials=20, seed=5)
"""The experiment of ``ex-ads-seating``: PBT, 100 learners, interval 10, beta = -0.5. A scheme passes
when no trial fails and PBT ends with a lower mean P(cooperate) than plain REINFORCE (no PBT) with
the same learners: selection then pushes toward defecting, as it should."""


@functools.cache
def seating_baseline() -> float:
    """Final mean P(cooperate) of plain REINFORCE (no PBT, no swapping) in ``SEATING_CONFIG``."""
    return float(run_unit_test(replace(SEATING_CONFIG, learner="reinforce", interval=None)).final_p_cooperate().mean())


@checker("ex-ads-seating")
def check_seating(seating: Callable) -> None:
    """Check a swapping scheme ``seating(step, n_learners)`` for an even number of learners: a
    permutation at every step, no learner ever reads a state it wrote itself, and PBT with it passes
    the unit test (``SEATING_CONFIG``)."""
    for n in (2, 4, 10, 100):
        previous = None
        for step in range(0, 61):
            seat = _as_array(call(seating, step, n), "the seating")
            try:
                seat = validate_seating(seat, step, n)
            except ValueError as error:
                raise CheckFailed(f"{error}. Hint: entry i is the environment learner i sits in; every "
                                  "environment must hold exactly one learner.") from None
            if previous is not None:
                stays = np.flatnonzero(seat == previous)
                if stays.size:
                    i = int(stays[0])
                    raise CheckFailed(
                        f"with {n} learners, learner {i} sits in environment {int(seat[i])} at steps {step - 1} and "
                        f"{step}, so at step {step} it reads the state it wrote itself: the hidden incentive is "
                        "back. Hint: move every learner at every step (a permutation with no fixed point "
                        "relative to the previous step)."
                    )
            previous = seat
    if all(np.array_equal(np.asarray(seating(step, 100)), reference_swap_assignment(step, 100)) for step in range(61)):
        raise CheckFailed(
            "that is the chapter's rotation, learner i in environment (i + step) % n. Design another scheme: "
            "for example rotate by a different stride, or pair learners up, and let the experiment judge it."
        )
    try:
        result = run_unit_test(SEATING_CONFIG, seating=seating)
    except ValueError as error:
        raise CheckFailed(f"during the experiment (100 learners, {SEATING_CONFIG.n_steps} steps): {error}") from None
    except Exception as error:  # the learner's own code failed at a later step
        raise CheckFailed(f"during the experiment your seating raised {type(error).__name__}: {error}") from None
    failures = int(result.failed().sum())
    p_final = float(result.final_p_cooperate().mean())
    baseline = seating_baseline()
    if failures == 0 and p_final < baseline:
        return
    period_two = all(
        np.array_equal(np.asarray(seating(step, 100)), np.asarray(seating(step - 2, 100))) for step in range(2, 40)
    )
    hint = (
        "your scheme has period 2, so learner i reads the state of a partner j who in turn reads i's: two "
        "cooperating partners hand each other the +1 and together out-score the rest, so PBT can copy them. "
        "Make sure the learner whose state you read is not also reading yours."
        if period_two
        else "your seats still let cooperation come back to the learners who cooperated (or to their copies). "
        "Follow where a learner's action goes: whose next state does it set, and whose action sets yours?"
    )
    raise CheckFailed(
        f"with your scheme PBT still rewards cooperating: {failures} of {SEATING_CONFIG.n_trials} trials end "
        f"with P(cooperate) above 0.5 and the final mean P(cooperate) is {p_final:.3f}, against {baseline:.3f} "
        f"for REINFORCE without PBT (needed: no failed trial and below REINFORCE). Hint: {hint}"
    )


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


def fitness_gap_questions() -> list[Question]:
    """The quiz on the fitness gap: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*fitness_gap_questions())``."""
    return [
        Question(
            "Between two steady learners that cooperate with probabilities p1 > p2, each starting its interval "
            "in the state its own last action set (first_state = p), how does the fitness gap depend on k?",
            [
                Choice("It does not: the gap is (1 + beta) * (p1 - p2) for every k", correct=True,
                       feedback="Yes. With first_state = p the first step looks like the others, so k drops out. "
                       "The gap is positive whenever beta > -1: any interval rewards the more cooperative learner, "
                       "which is why every interval of the grid fails with large populations."),
                Choice("It grows with k: longer intervals see more of the future",
                       feedback="Put first_state = p in your formula: (p + (k - 1) p) / k = p, whatever k."),
                Choice("It is negative at k = 1: an interval of one step cannot see the next step",
                       feedback="At k = 1 the state was set by the learner's own previous action, which PBT "
                       "credits to the learner now. The interval does not have to contain both steps."),
            ],
        ),
        Question(
            "Right after a PBT copy, a pure cooperator's parameters sit in a defector's old environment "
            "(first_state = 0). With beta = -0.5, from which interval k on does it out-score a pure defector "
            "(fitness -0.5)?",
            [
                Choice("k = 1", feedback="At k = 1 its fitness is beta - 0.5 = -1: it pays the cost of cooperating "
                       "and has not yet received its own +1."),
                Choice("k = 2", feedback="At k = 2 its fitness is (0 + 1) / 2 - 0.5 - 0.5 = -0.5: a tie."),
                Choice("k = 3", correct=True, feedback="Yes: the gap is (k - 1) / k + beta, positive once "
                       "k > 1 / (1 + beta) = 2. A fresh copy needs a few steps to earn back the cost of cooperating."),
            ],
        ),
    ]


def classification_questions() -> list[Question]:
    """The quiz on what kind of failure each is: the questions of the chapter's quiz, with their answers and feedback (kept here, out
    of the page's code). Show with ``quiz(*classification_questions())``."""
    return [
        Question(
            "The recommender ends far more accurate than any recommender could be on its original users. "
            "Which description fits best?",
            [
                Choice("Auto-induced shift of a specified proxy, closest to specification gaming", correct=True,
                       feedback="Yes: the recommender optimises exactly the loss it was given; the environment's "
                       "response to what it shows raises that proxy without serving the users' original interests."),
                Choice("Goal misgeneralization", feedback="Goal misgeneralization needs a learned objective that "
                       "differs from the trained one. The recommender pursues exactly the trained objective."),
                Choice("A hidden incentive created by PBT", feedback="The shift is as large without PBT and with "
                       "swapping; here PBT even slows it down."),
            ],
        ),
        Question(
            "A population of myopic REINFORCE learners trained with PBT ends up cooperating. Which descriptions fit? "
            "(pick all that apply)",
            [
                Choice("A hidden incentive: the selection step rewards shifting one's own inputs", correct=True,
                       feedback="Yes: fitness includes the +1 each learner handed itself, though no loss asks for it."),
                Choice("Goal-misgeneralization-like: the trained population acts on an objective no loss contains",
                       correct=True, feedback="Yes: every loss is myopic, yet the population behaves as if it "
                       "maximised long-run reward."),
                Choice("Specification gaming of the myopic loss", feedback="Each learner's update still follows its "
                       "myopic loss; what changes behaviour is the selection between learners."),
            ],
        ),
    ]
