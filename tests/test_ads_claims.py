"""The claims of the auto-induced-shift chapter, in its words, checked on fresh runs with another seed.

The chapter runs seed 0 (unit test) and seed 1 (recommender); these tests use seed 11, so a claim
that held only by luck in the book fails here. Each threshold sits about 3 standard errors from the
value measured with seed 11 (the comment gives the measured value), so a clearly weaker effect fails
the test. A claim of "no difference" or "not further" is tested on the 95% confidence interval of
the difference, never on a point estimate with a tolerance; failure shares use exact binomial
intervals. Claims the paper makes but our simulation does not reproduce are pinned as measured.
"""

from dataclasses import replace

import numpy as np
import pytest

from goalmisgen.ads.recommender import RecommenderConfig, run_recommender
from goalmisgen.ads.unit_test_experiment import UnitTestConfig, difference_ci, run_unit_test, unit_test_grid
from goalmisgen.analysis.stats import bootstrap_ci, paired_difference_ci, rate_ci
from goalmisgen.claims import auto_induced_shift as claims
from goalmisgen.exercises.auto_induced_shift import PREDICTION_CONFIG

SEED = 11
N_TRIALS = 20
INTERVALS = (1, 10, 100)


@pytest.fixture(scope="module")
def grid():
    results = unit_test_grid(n_steps=2000, n_trials=N_TRIALS, seed=SEED)
    return {(r.config.learner, r.config.population, r.config.interval, r.config.swap): r for r in results}


def pooled_failures(runs):
    return rate_ci(sum(int(r.failed().sum()) for r in runs), sum(r.failed().size for r in runs), method="exact")


def test_reinforce_learns_to_defect_and_no_myopic_trial_fails(grid):
    for (learner, population, _, swap), run in grid.items():
        if learner == "reinforce":
            assert run.final_p_cooperate().mean() < claims.REINFORCE_P_COOPERATE_MAX, (population, swap)
    myopic = pooled_failures([r for key, r in grid.items() if key[0] != "pbt"])
    assert myopic["n"] == 12 * N_TRIALS
    assert myopic["ci_high"] < claims.MYOPIC_FAILURE_CI_HIGH_MAX


def test_q_learning_with_epsilon_0_1_passes_too(grid):
    for (learner, population, _, swap), run in grid.items():
        if learner == "q_learning":
            assert run.final_p_cooperate().mean() < claims.Q_LEARNING_P_COOPERATE_MAX, (population, swap)


def test_pbt_makes_populations_of_100_and_1000_cooperate(grid):
    for population in (100, 1000):
        for interval in INTERVALS:
            run = grid["pbt", population, interval, False]
            assert int(run.failed().sum()) >= claims.PBT_FAILED_TRIALS_MIN, (population, interval)
            assert run.final_p_cooperate().mean() > claims.PBT_P_COOPERATE_MIN, (population, interval)


def test_with_10_learners_pbt_is_a_lottery(grid):
    share = pooled_failures([grid["pbt", 10, i, False] for i in INTERVALS])
    (low, high), (ci_low, ci_high) = claims.LOTTERY_FAILURE_RANGE, claims.LOTTERY_FAILURE_CI_BOUNDS
    assert low < share["mean"] < high
    assert share["ci_low"] > ci_low and share["ci_high"] < ci_high


def test_pbt_with_a_short_interval_raises_p_cooperate_sooner_in_every_trial(grid):
    short = grid["pbt", 1000, 1, False].steps_to_reach(0.9)
    long = grid["pbt", 1000, 100, False].steps_to_reach(0.9)
    assert short.max() < long.min()  # measured: every interval-1 trial by step 62, no interval-100 trial before 500


def test_by_the_end_of_the_run_the_interval_matters_little_with_1000_learners(grid):
    finals = {i: grid["pbt", 1000, i, False].final_p_cooperate() for i in INTERVALS}
    for a in INTERVALS:
        for b in INTERVALS:
            if a < b:
                ci = difference_ci(finals[a], finals[b])
                assert max(abs(ci["ci_low"]), abs(ci["ci_high"])) < claims.INTERVAL_DIFFERENCE_MAX, (a, b, ci)


def test_context_swapping_removes_pbts_cooperation(grid):
    runs = [grid["pbt", population, i, True] for population in (10, 100, 1000) for i in INTERVALS]
    share = pooled_failures(runs)
    assert share["n"] == 9 * N_TRIALS and share["ci_high"] < claims.SWAP_FAILURE_CI_HIGH_MAX
    assert max(r.final_p_cooperate().mean() for r in runs) < claims.SWAP_P_COOPERATE_MAX


def test_with_100_or_more_learners_pbt_with_swapping_ends_below_plain_reinforce(grid):
    for population in (100, 1000):
        reinforce = grid["reinforce", population, None, True].final_p_cooperate()
        for interval in INTERVALS:
            ci = difference_ci(grid["pbt", population, interval, True].final_p_cooperate(), reinforce)
            assert ci["ci_high"] < 0, (population, interval, ci)  # measured: every upper bound <= -0.017


@pytest.fixture(scope="module")
def identical_starts():
    return unit_test_grid(
        populations=(1000,), swaps=(False,), learners=("reinforce", "pbt"), init="indifferent",
        n_trials=N_TRIALS, seed=SEED,
    )


def test_with_identical_starts_pbt_raises_cooperation_above_reinforce_but_no_trial_crosses_half(identical_starts):
    reinforce, *pbt = identical_starts
    for run in pbt:
        assert difference_ci(run.final_p_cooperate(), reinforce.final_p_cooperate())["ci_low"] > claims.IDENTICAL_STARTS_GAIN_CI_LOW_MIN
    assert pooled_failures(pbt)["mean"] == 0  # measured 0 of 60


def test_with_identical_starts_selection_favours_small_learning_rates_and_the_population_freezes(identical_starts):
    reinforce, *pbt = identical_starts
    start = bootstrap_ci(np.median(reinforce.final_lr, axis=1))
    low, high = claims.REINFORCE_MEDIAN_LR_BOUNDS
    assert low < start["ci_low"] and start["ci_high"] < high
    half = reinforce.p_cooperate.shape[0] // 2
    for run in pbt:
        assert bootstrap_ci(np.median(run.final_lr, axis=1))["ci_high"] < claims.PBT_MEDIAN_LR_CI_HIGH_MAX, run.config.interval
        change = bootstrap_ci(run.p_cooperate[-1] - run.p_cooperate[half])
        assert max(abs(change["ci_low"]), abs(change["ci_high"])) < claims.FROZEN_CHANGE_MAX, run.config.interval


def test_q_learning_with_little_exploration_sometimes_cooperates_and_swapping_frees_it():
    def stuck(swap: bool) -> dict:
        config = UnitTestConfig(learner="q_learning", population=100, epsilon=0.01, swap=swap, n_trials=N_TRIALS, seed=SEED)
        return bootstrap_ci((run_unit_test(config).final_p_learners > 0.5).mean(axis=1))

    assert stuck(False)["ci_low"] > claims.Q_STUCK_CI_LOW_MIN
    assert stuck(True)["ci_high"] < claims.Q_STUCK_SWAPPED_CI_HIGH_MAX


def test_pbt_fails_even_when_cooperating_barely_pays():
    # the answer of exercise ex-ads-predict, on another seed: beta = -0.95
    run = run_unit_test(replace(PREDICTION_CONFIG, seed=SEED))
    assert int(run.failed().sum()) >= claims.PBT_FAILED_TRIALS_MIN  # measured 20 of 20 with seeds 0, 7, 11 (19 with seed 1)


RECOMMENDER_CONDITIONS = {
    "none": {},
    "pbt": {"pbt": True},
    "swap": {"swap": True},
    "pbt_swap": {"pbt": True, "swap": True},
    "no_feedback": {"loyalty": 0.0, "drift": 0.0},
    "drift_only": {"loyalty": 0.0},
    "selection_only": {"drift": 0.0},
}


@pytest.fixture(scope="module")
def market():
    # one seed for every condition: trial t starts from the same market in each, so differences are paired
    return {
        name: run_recommender(RecommenderConfig(n_trials=10, seed=SEED, **kwargs))
        for name, kwargs in RECOMMENDER_CONDITIONS.items()
    }


def test_accuracy_ends_far_above_what_any_recommender_could_reach_on_the_original_users(market):
    ceiling = market["none"].ceiling
    for name in ("none", "pbt", "swap", "pbt_swap"):
        assert bootstrap_ci(market[name].final("accuracy") / ceiling)["ci_low"] > claims.ACCURACY_OVER_CEILING_MIN, name
    # without feedback the same recommenders stay at or below the ceiling: measured -0.027 [-0.032, -0.022]
    assert paired_difference_ci(market["no_feedback"].final("accuracy"), ceiling)["ci_high"] < 0.0


def test_engagement_rises_while_the_original_users_welfare_falls(market):
    none, no_feedback = market["none"], market["no_feedback"]
    accuracy_gain = paired_difference_ci(none.final("accuracy"), no_feedback.final("accuracy"))
    assert accuracy_gain["ci_low"] > claims.ACCURACY_GAIN_CI_LOW_MIN
    welfare_drop = paired_difference_ci(none.final("welfare_original_users"), no_feedback.final("welfare_original_users"))
    assert welfare_drop["ci_high"] < claims.WELFARE_DROP_CI_HIGH_MAX
    # ... while the users who stayed are served well
    assert paired_difference_ci(none.final("welfare"), none.final("welfare_original_users"))["ci_low"] > claims.STAYED_WELFARE_GAIN_CI_LOW_MIN


def test_interest_drift_alone_produces_most_of_the_gain_self_selection_alone_much_less(market):
    ceiling = market["none"].ceiling
    drift_gain = paired_difference_ci(market["drift_only"].final("accuracy"), ceiling)
    selection_gain = paired_difference_ci(market["selection_only"].final("accuracy"), ceiling)
    assert drift_gain["ci_low"] > claims.DRIFT_GAIN_CI_LOW_MIN
    assert selection_gain["ci_high"] < claims.SELECTION_GAIN_CI_HIGH_MAX


def test_pbt_does_not_drift_further_than_plain_training_nor_earlier(market):
    # Krueger et al. report the opposite; these pin what our simulation measures.
    further = paired_difference_ci(market["pbt"].final("drift"), market["none"].final("drift"))
    assert further["ci_high"] < claims.PBT_FURTHER_DRIFT_CI_HIGH_MAX
    half = 0.5 * float(market["none"].final("drift").mean())
    lag = paired_difference_ci(market["pbt"].steps_to_reach("drift", half), market["none"].steps_to_reach("drift", half))
    assert lag["ci_low"] > 0  # measured +65 [+14, +114] steps: PBT reaches half the drift later


def test_pbt_copies_mispredict_in_the_market_they_land_in_but_not_under_swapping(market):
    with_pbt = paired_difference_ci(market["pbt"].donor_accuracy, market["pbt"].copy_accuracy)
    assert with_pbt["ci_low"] > claims.COPY_MISPREDICTION_CI_LOW_MIN
    swapped = paired_difference_ci(market["pbt_swap"].donor_accuracy, market["pbt_swap"].copy_accuracy)
    assert -claims.SWAPPED_COPY_DIFFERENCE_MAX < swapped["ci_low"] and swapped["ci_high"] < claims.SWAPPED_COPY_DIFFERENCE_MAX


def test_context_swapping_does_not_remove_the_recommenders_drift(market):
    for name in ("swap", "pbt_swap"):
        assert bootstrap_ci(market[name].final("drift"))["ci_low"] > claims.SWAP_DRIFT_CI_LOW_MIN, name
