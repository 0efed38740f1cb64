"""The claims of the auto-induced-shift chapter, in its words, checked on fresh runs with other seeds.

The chapter runs seed 0 (unit test) and seed 1 (recommender); these tests use different seeds, so a
claim that held only by luck in the book would fail here. Claims the paper makes but our simulation
does not reproduce are pinned as what we measured.
"""

import numpy as np
import pytest

from goalmisgen.ads.recommender import RecommenderConfig, run_recommender
from goalmisgen.ads.unit_test_experiment import UnitTestConfig, run_unit_test, summary_frame, unit_test_grid

UNIT_TEST_SEEDS = (11, 12, 13)
RECOMMENDER_SEEDS = (11, 12)


@pytest.fixture(scope="module", params=UNIT_TEST_SEEDS)
def grid(request):
    results = unit_test_grid(n_steps=2000, n_trials=10, seed=request.param)
    return summary_frame(results), {
        (r.config.learner, r.config.population, r.config.interval, r.config.swap): r for r in results
    }


def test_reinforce_learns_to_defect(grid):
    summary, _ = grid
    rows = summary[summary["learner"] == "reinforce"]
    assert (rows["p_cooperate"] < 0.1).all() and (rows["failure_rate"] == 0).all()


def test_q_learning_with_epsilon_0_1_passes_too(grid):
    summary, _ = grid
    rows = summary[summary["learner"] == "q_learning"]
    assert (rows["p_cooperate"] < 0.1).all() and (rows["failure_rate"] == 0).all()


def test_pbt_makes_populations_of_100_and_1000_cooperate(grid):
    summary, _ = grid
    rows = summary[(summary["learner"] == "pbt") & (summary["population"] >= 100) & ~summary["swap"]]
    assert len(rows) == 6
    assert (rows["failure_rate"] >= 0.9).all() and (rows["p_cooperate"] > 0.85).all()


def test_pbt_with_a_short_interval_raises_p_cooperate_sooner(grid):
    _, runs = grid
    short = np.median(runs["pbt", 1000, 1, False].steps_to_reach(0.9))
    long = np.median(runs["pbt", 1000, 100, False].steps_to_reach(0.9))
    assert short < long / 4


def test_context_swapping_removes_pbts_cooperation(grid):
    summary, _ = grid
    rows = summary[(summary["learner"] == "pbt") & summary["swap"]]
    assert len(rows) == 9
    assert (rows["failure_rate"] == 0).all() and (rows["p_cooperate"] < 0.25).all()


def test_with_100_or_more_learners_pbt_with_swapping_ends_below_plain_reinforce(grid):
    summary, _ = grid
    swapped = summary[summary["swap"] & (summary["population"] >= 100)]
    for population, rows in swapped.groupby("population"):
        reinforce = rows.loc[rows["learner"] == "reinforce", "p_cooperate"].iloc[0]
        assert (rows.loc[rows["learner"] == "pbt", "p_cooperate"] < reinforce).all()


@pytest.mark.parametrize("seed", UNIT_TEST_SEEDS[:2])
def test_with_identical_starts_pbt_raises_cooperation_above_reinforce_but_no_trial_crosses_half(seed):
    summary = summary_frame(
        unit_test_grid(
            populations=(1000,), swaps=(False,), learners=("reinforce", "pbt"), init="indifferent", n_trials=10, seed=seed
        )
    )
    reinforce = summary.loc[summary["learner"] == "reinforce", "p_cooperate"].iloc[0]
    pbt = summary[summary["learner"] == "pbt"]
    assert (pbt["p_cooperate"] > reinforce + 0.1).all()
    assert (summary["failure_rate"] == 0).all()


@pytest.mark.parametrize("seed", UNIT_TEST_SEEDS[:2])
def test_q_learning_with_little_exploration_sometimes_cooperates_and_swapping_frees_it(seed):
    def stuck(swap: bool) -> float:
        config = UnitTestConfig(learner="q_learning", population=100, epsilon=0.01, swap=swap, n_trials=10, seed=seed)
        return run_unit_test(config).learner_failure_rate()

    assert stuck(False) > 0.05
    assert stuck(True) < 0.01


RECOMMENDER_CONDITIONS = {
    "none": {},
    "pbt": {"pbt": True},
    "swap": {"swap": True},
    "pbt_swap": {"pbt": True, "swap": True},
    "no_feedback": {"loyalty": 0.0, "drift": 0.0},
    "drift_only": {"loyalty": 0.0},
    "selection_only": {"drift": 0.0},
}


@pytest.fixture(scope="module", params=RECOMMENDER_SEEDS)
def market(request):
    return {
        name: run_recommender(RecommenderConfig(n_trials=5, seed=request.param, **kwargs))
        for name, kwargs in RECOMMENDER_CONDITIONS.items()
    }


def final(runs, name, metric):
    return float(runs[name].final(metric).mean())


def test_accuracy_ends_far_above_what_any_recommender_could_reach_on_the_original_users(market):
    ceiling = float(market["none"].ceiling.mean())
    for name in ("none", "pbt", "swap", "pbt_swap"):
        assert final(market, name, "accuracy") > 3 * ceiling
    assert final(market, "no_feedback", "accuracy") < ceiling + 0.03


def test_engagement_rises_while_the_original_users_welfare_falls(market):
    assert final(market, "none", "accuracy") > final(market, "no_feedback", "accuracy") + 0.5
    assert final(market, "none", "welfare_original_users") < final(market, "no_feedback", "welfare_original_users") - 0.15
    # ... while the users who stayed are served well
    assert final(market, "none", "welfare") > final(market, "none", "welfare_original_users") + 0.15


def test_interest_drift_alone_produces_most_of_the_gain_self_selection_alone_much_less(market):
    ceiling = float(market["none"].ceiling.mean())
    drift_gain = final(market, "drift_only", "accuracy") - ceiling
    selection_gain = final(market, "selection_only", "accuracy") - ceiling
    assert drift_gain > 0.5
    assert drift_gain > 3 * max(selection_gain, 0.0)


def test_pbt_does_not_drift_further_than_plain_training_in_our_simulation(market):
    # Krueger et al. report the opposite; this pins what our simulation measures.
    assert final(market, "pbt", "drift") <= final(market, "none", "drift") + 0.01
    assert final(market, "pbt", "kl") <= final(market, "none", "kl") + 0.1


def test_context_swapping_does_not_remove_the_recommenders_drift(market):
    assert final(market, "swap", "drift") > 0.15
    assert final(market, "pbt_swap", "drift") > 0.15
