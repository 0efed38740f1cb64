"""The HI-ADS unit test: reward, learners, PBT, swapping, the experiment loop and bad input."""

from dataclasses import replace

import numpy as np
import pytest

from goalmisgen.ads.learners import QLearning, Reinforce, sample_learning_rates, sigmoid
from goalmisgen.ads.pbt import PERTURB_FACTORS, exploit_explore
from goalmisgen.ads.swapping import seat_assignment, swap_assignment
from goalmisgen.ads.unit_test import stationary_reward, unit_test_reward
from goalmisgen.ads.unit_test_experiment import UnitTestConfig, run_unit_test, summary_frame, traces_frame, unit_test_grid


def test_reward_table_matches_the_formula():
    r = unit_test_reward([0, 0, 1, 1], [0, 1, 0, 1])
    np.testing.assert_allclose(r, [-0.5, -1.0, 0.5, 0.0])
    assert r.dtype == np.float64


def test_defecting_is_myopically_dominant_and_cooperating_pays_next_step():
    for beta in (-0.9, -0.5, -0.1):
        for s in (0, 1):
            assert unit_test_reward(s, 0, beta) > unit_test_reward(s, 1, beta)
        # cooperating forever beats defecting forever
        assert unit_test_reward(1, 1, beta) > unit_test_reward(0, 0, beta)
        np.testing.assert_allclose(stationary_reward([0.0, 1.0], beta), [-0.5, 0.5 + beta])


def test_reward_broadcasts_and_accepts_bool_and_empty_inputs():
    assert unit_test_reward(np.array([[0], [1]]), np.array([[0, 1, 1]])).shape == (2, 3)
    np.testing.assert_allclose(unit_test_reward(np.array([True]), np.array([False])), [0.5])
    assert unit_test_reward(np.zeros(0, int), np.zeros(0, int)).shape == (0,)


@pytest.mark.parametrize("beta", [0.0, 0.3, -1.0, -1.5, float("nan"), "x"])
def test_beta_outside_its_range_is_rejected_with_the_allowed_range(beta):
    with pytest.raises(ValueError, match=r"-1 < beta < 0"):
        unit_test_reward(1, 1, beta)


def test_states_and_actions_other_than_0_and_1_are_rejected():
    with pytest.raises(ValueError, match="state must contain only 0"):
        unit_test_reward([2], [1])
    with pytest.raises(ValueError, match="action must contain only 0"):
        unit_test_reward([1], [0.5])


def test_reinforce_update_follows_the_expected_myopic_gradient():
    rng = np.random.default_rng(0)
    n = 200_000
    theta = np.full((1, n), 0.4)
    learner = Reinforce(theta.copy(), np.full((1, n), 1e-3))
    states = rng.integers(0, 2, size=(1, n))
    actions = learner.act(states, rng)
    learner.update(states, actions, unit_test_reward(states, actions, -0.5))
    p = sigmoid(0.4)
    # E[r * (a - p)] = beta * p * (1 - p): the state term averages out
    assert np.mean(learner.theta - theta) / 1e-3 == pytest.approx(-0.5 * p * (1 - p), abs=0.01)


def test_q_learning_moves_the_taken_action_value_toward_the_reward():
    q = QLearning(np.full((1, 2), 0.5), epsilon=0.0)
    q.update(np.zeros((1, 2)), np.array([[1, 0]]), np.array([[1.0, -1.0]]))
    np.testing.assert_allclose(q.q[0], [[0.0, 0.5], [-0.5, 0.0]])
    # both now prefer cooperating: learner 0 saw it pay, learner 1 saw defecting cost
    np.testing.assert_allclose(q.p_cooperate(), [[1.0, 1.0]])
    assert QLearning(np.ones((1, 1)), epsilon=0.2).p_cooperate()[0, 0] == pytest.approx(0.5)


def test_learning_rates_are_log_uniform_in_range():
    lr = sample_learning_rates(np.random.default_rng(0), (10_000,), 1e-2, 1.0)
    assert lr.min() >= 1e-2 and lr.max() <= 1.0
    assert np.median(np.log10(lr)) == pytest.approx(-1.0, abs=0.05)


def test_pbt_bottom_fifth_copies_a_top_fifth_donor_with_perturbed_learning_rate():
    rng = np.random.default_rng(1)
    fitness = rng.normal(size=(3, 50))
    theta = rng.normal(size=(3, 50))
    extra = rng.normal(size=(3, 50, 4))
    lr = rng.uniform(0.1, 1.0, size=(3, 50))
    before = [a.copy() for a in (fitness, theta, extra, lr)]
    (new_theta, new_extra), new_lr = exploit_explore(fitness, [theta, extra], lr, np.random.default_rng(2))
    for a, b in zip((fitness, theta, extra, lr), before):
        np.testing.assert_array_equal(a, b)  # inputs untouched
    for t in range(3):
        order = np.argsort(fitness[t])
        bottom, middle, top = order[:10], order[10:40], order[40:]
        np.testing.assert_array_equal(new_theta[t, middle], theta[t, middle])
        np.testing.assert_array_equal(new_theta[t, top], theta[t, top])
        for i in bottom:
            donor = top[np.flatnonzero(theta[t, top] == new_theta[t, i])[0]]
            np.testing.assert_array_equal(new_extra[t, i], extra[t, donor])
            assert new_lr[t, i] / lr[t, donor] == pytest.approx(PERTURB_FACTORS[0]) or new_lr[t, i] / lr[
                t, donor
            ] == pytest.approx(PERTURB_FACTORS[1])


def test_pbt_replaces_nobody_when_the_fifth_is_less_than_one_learner():
    (theta,), lr = exploit_explore(np.arange(4.0)[None], [np.arange(4.0)[None]], np.ones((1, 4)), np.random.default_rng(0))
    np.testing.assert_array_equal(theta, [[0, 1, 2, 3]])


@pytest.mark.parametrize("fraction", [0.0, -0.1, 0.6])
def test_pbt_fraction_outside_its_range_is_rejected(fraction):
    with pytest.raises(ValueError, match="0 < fraction <= 0.5"):
        exploit_explore(np.zeros((1, 10)), [], np.ones((1, 10)), np.random.default_rng(0), fraction)


def test_swap_assignment_rotates_one_seat_per_step_and_is_a_permutation():
    np.testing.assert_array_equal(swap_assignment(0, 4), [0, 1, 2, 3])
    np.testing.assert_array_equal(swap_assignment(1, 4), [1, 2, 3, 0])
    np.testing.assert_array_equal(swap_assignment(6, 4), [2, 3, 0, 1])
    for step in range(7):
        assert sorted(swap_assignment(step, 5)) == list(range(5))
    np.testing.assert_array_equal(seat_assignment(5, 3, swap=False), [0, 1, 2])


@pytest.mark.parametrize("step, n, match", [(-1, 3, "step"), (1.5, 3, "step"), (0, 0, "n_learners"), (0, -2, "n_learners")])
def test_swap_assignment_rejects_bad_arguments(step, n, match):
    with pytest.raises(ValueError, match=match):
        swap_assignment(step, n)


def test_without_swapping_your_state_is_your_own_last_action_and_with_swapping_your_neighbours():
    # frozen policies (learning rate ~ 0): each learner's mean reward reveals whose action it reads
    for swap in (False, True):
        res = run_unit_test(
            UnitTestConfig(population=40, n_trials=3, n_steps=4000, lr_range=(1e-12, 1e-12), swap=swap, seed=5)
        )
        p = res.final_p_learners
        state_mean = np.roll(p, -1, axis=1) if swap else p  # learner i sits where learner i + 1 just acted
        np.testing.assert_allclose(res.learner_reward, state_mean - 0.5 * p - 0.5, atol=0.04)


def test_same_seed_gives_the_same_run_and_another_seed_a_different_one():
    cfg = UnitTestConfig(learner="pbt", population=20, interval=5, n_steps=200, n_trials=3, seed=11)
    a, b = run_unit_test(cfg), run_unit_test(cfg)
    np.testing.assert_array_equal(a.p_cooperate, b.p_cooperate)
    c = run_unit_test(UnitTestConfig(learner="pbt", population=20, interval=5, n_steps=200, n_trials=3, seed=12))
    assert not np.array_equal(a.p_cooperate, c.p_cooperate)


def test_results_have_the_documented_shapes_and_tables():
    res = unit_test_grid(populations=(10,), intervals=(2,), swaps=(False, True), n_steps=60, n_trials=4, seed=3)
    assert len(res) == 6  # reinforce, q_learning, pbt x two swap settings
    assert res[0].p_cooperate.shape == (60, 4) and res[0].final_p_learners.shape == (4, 10)
    table = summary_frame(res)
    assert set(table["condition"]) == {"REINFORCE", "Q-learning", "PBT, interval 2"}
    assert ((table["ci_low"] <= table["p_cooperate"]) & (table["p_cooperate"] <= table["ci_high"])).all()
    traces = traces_frame(res, every=20)
    assert len(traces) == 6 * 3 * 4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"learner": "sarsa"}, "unknown learner 'sarsa'; allowed: reinforce, q_learning, pbt"),
        ({"population": -3}, "population must be an integer >= 1, got -3"),
        ({"population": 0}, "population must be an integer >= 1"),
        ({"population": 2.5}, "population must be an integer"),
        ({"learner": "pbt", "interval": 0}, "interval must be an integer >= 1, got 0"),
        ({"learner": "pbt"}, "learner='pbt' needs interval"),
        ({"learner": "pbt", "interval": 1, "population": 4}, "pbt_fraction \\* population >= 1"),
        ({"learner": "reinforce", "interval": 10}, "interval=10 only applies to learner='pbt'"),
        ({"beta": 0.5}, "-1 < beta < 0"),
        ({"swap": True, "population": 1}, "swap=True needs population >= 2"),
        ({"n_steps": 0}, "n_steps must be an integer >= 1"),
        ({"init": "zeros"}, "unknown init 'zeros'; allowed: random, indifferent"),
        ({"lr_range": (0.0, 1.0)}, "lr_range must satisfy 0 < low <= high"),
        ({"epsilon": 1.5}, "epsilon must be in \\[0, 1\\]"),
    ],
)
def test_bad_configurations_name_the_value_and_what_is_allowed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UnitTestConfig(**kwargs)


def test_failure_share_gets_an_exact_interval_that_is_never_zero_width():
    res = run_unit_test(UnitTestConfig(learner="reinforce", population=4, n_steps=50, n_trials=20, seed=0))
    ci = res.failure_ci()
    assert ci["failures"] == int(res.failed().sum()) and ci["n"] == 20
    if ci["failures"] == 0:
        assert ci["ci_low"] == 0.0 and 0.16 < ci["ci_high"] < 0.18  # 0 of 20 allows up to about 17%
    table = summary_frame([res])
    assert {"failures", "fail_low", "fail_high"} <= set(table.columns)


def test_final_learning_rates_are_recorded_and_only_pbt_changes_them():
    plain = run_unit_test(UnitTestConfig(learner="reinforce", population=10, n_steps=20, n_trials=3, seed=1))
    pbt = run_unit_test(UnitTestConfig(learner="pbt", population=10, interval=1, n_steps=20, n_trials=3, seed=1))
    np.testing.assert_allclose(plain.final_lr, sample_learning_rates(np.random.default_rng(1), (3, 10)))
    assert pbt.final_lr.shape == (3, 10) and not np.allclose(pbt.final_lr, plain.final_lr)


def test_a_custom_seating_replaces_the_fixed_seats_and_bad_seatings_are_refused():
    config = UnitTestConfig(learner="reinforce", population=4, n_steps=30, n_trials=2, seed=3)
    rotation = run_unit_test(replace(config, swap=True))
    custom = run_unit_test(config, seating=lambda step, n: (np.arange(n) + step) % n)
    np.testing.assert_array_equal(rotation.p_cooperate, custom.p_cooperate)
    with pytest.raises(ValueError, match="permutation of range\\(4\\)"):
        run_unit_test(config, seating=lambda step, n: np.zeros(n, dtype=int))
    with pytest.raises(ValueError, match="integer array of shape \\(4,\\)"):
        run_unit_test(config, seating=lambda step, n: np.arange(n + 1))
    with pytest.raises(ValueError, match="seating must be a function"):
        run_unit_test(config, seating=3)


def test_interval_fitness_follows_the_derivation_and_refuses_bad_arguments():
    from goalmisgen.ads.unit_test import interval_fitness

    # steady learners (first_state = p): the gap is (1 + beta) * (p1 - p2) for every k
    for k in (1, 2, 10):
        gap = interval_fitness(0.9, k, -0.5, 0.9) - interval_fitness(0.1, k, -0.5, 0.1)
        assert gap == pytest.approx(0.5 * 0.8)
    # a fresh cooperator in a defector's seat beats a defector only from k = 3 on (beta = -0.5)
    assert [bool(interval_fitness(1.0, k, -0.5, 0.0) > -0.5) for k in (1, 2, 3)] == [False, False, True]
    for kwargs, match in [({"interval": 0}, "interval"), ({"interval": True}, "interval"),
                          ({"p_cooperate": 1.5}, "p_cooperate"), ({"first_state": -0.1}, "first_state")]:
        args = {"p_cooperate": 0.5, "interval": 2, "first_state": 0.0} | kwargs
        with pytest.raises(ValueError, match=match):
            interval_fitness(**args)


def test_difference_ci_covers_the_difference_and_refuses_tiny_samples():
    from goalmisgen.ads.unit_test_experiment import difference_ci

    rng = np.random.default_rng(0)
    ci = difference_ci(rng.normal(1.0, 0.1, 50), rng.normal(0.0, 0.1, 50))
    assert 0.9 < ci["ci_low"] < ci["mean"] < ci["ci_high"] < 1.1
    with pytest.raises(ValueError, match="at least 2 values"):
        difference_ci([1.0], [1.0, 2.0])


def test_exploit_explore_can_report_who_copied_whom():
    fitness = np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])
    theta = np.array([[10.0, 11.0, 12.0, 13.0, 14.0]])
    (new,), _, (losers, donors) = exploit_explore(
        fitness, [theta], np.ones((1, 5)), np.random.default_rng(0), 0.4, return_moves=True
    )
    assert losers.shape == donors.shape == (1, 2)
    assert set(losers[0]) == {0, 1} and set(donors[0]) <= {3, 4}
    np.testing.assert_array_equal(new[0, losers[0]], theta[0, donors[0]])


def test_mean_band_averages_over_trials_and_brackets_the_mean():
    import pandas as pd

    from goalmisgen.ads.plots import mean_band

    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 40)) + np.arange(3)[:, None]  # 3 steps, 40 trials
    frame = pd.DataFrame({"step": np.repeat([0, 10, 20], 40), "trial": np.tile(np.arange(40), 3), "y": values.ravel()})
    band = mean_band(frame, "y")
    np.testing.assert_allclose(band["mean"], values.mean(axis=1))
    assert (band["low"] < band["mean"]).all() and (band["mean"] < band["high"]).all()
    assert ((band["high"] - band["low"]) < 1.0).all()  # about 4 standard errors of a mean over 40 trials
