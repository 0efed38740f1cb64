"""The scripted policies and the goal-inference tool: the search agrees with the engine's, and the
tool recovers known goals (positive controls) before the book uses it on the headline agents."""

import numpy as np
import pytest

from goalmisgen.agents import load_agent
from goalmisgen.agents.scripted import FORWARD_ACTIONS, GoRightAgent, RandomAgent
from goalmisgen.analysis.evaluate_coinrun import play_levels
from goalmisgen.analysis.goal_inference import (
    BETAS,
    candidate_goals,
    cost_to_go,
    disagreement_steps,
    goal_targets,
    goal_values,
    infer_goals,
    step_log_likelihoods,
)
from goalmisgen.analysis.planted_goals import BoltzmannGoalAgent, planted_confusion, recovery_table
from goalmisgen.analysis.trajectories import record_trajectories
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import HELD_OUT_START
from goalmisgen.envs.coinrun.solver import shortest_paths_to
from goalmisgen.envs.coinrun.interventions import coin_moved, coin_removed, do, end_permeable
from goalmisgen.paths import data_dir

HEADLINE = data_dir() / "coinrun_headline"


def test_go_right_reaches_the_end_of_most_training_levels_and_never_moves_left():
    agent = GoRightAgent()
    episodes = play_levels(agent, np.arange(300), "end", seed=0)
    assert episodes["reached_end"].mean() >= 0.85, episodes["reached_end"].mean()
    traj = record_trajectories(agent, lv.generate_levels(np.arange(20)))
    assert set(np.unique(traj.action)) <= set(FORWARD_ACTIONS)


def test_random_agent_is_reproducible_and_uniform():
    a, b = RandomAgent(seed=3), RandomAgent(seed=3)
    obs = np.zeros((6000, 6, 10, 11), dtype=np.uint8)
    x, y = a.act(obs), b.act(obs)
    assert np.array_equal(x, y)
    assert np.allclose(np.bincount(x, minlength=6) / len(x), 1 / 6, atol=0.02)


def test_cost_to_go_from_the_start_matches_the_engine_search():
    levels = do(lv.generate_levels(HELD_OUT_START + np.arange(40)), coin_moved())
    for goal in ("coin", "end"):
        targets = goal_targets(levels, goal)
        value = cost_to_go(levels, targets, horizon=100)
        start = value[:, lv.START_X, lv.START_FLOOR, 0, 0]
        engine = shortest_paths_to(levels, targets, max_steps=100)
        assert np.array_equal(np.where(engine < 0, 101, engine), start.astype(int)), goal


def test_a_removed_coin_has_no_target_and_no_finite_distance():
    levels = do(lv.generate_levels(np.arange(5)), coin_removed())
    assert not goal_targets(levels, "coin").any()
    assert (cost_to_go(levels, goal_targets(levels, "coin"), horizon=20) == 21).all()


def test_boltzmann_likelihood_prefers_the_cheapest_action_as_beta_grows():
    costs = np.array([[3.0, 1.0, 2.0, 3.0, 3.0, 3.0]])
    ll = step_log_likelihoods(costs, np.array([1]))[0]
    assert ll[0] == pytest.approx(-np.log(6)) and np.all(np.diff(ll) > 0)


@pytest.fixture(scope="module")
def moved_levels():
    levels = do(lv.generate_levels(HELD_OUT_START + np.arange(60)), coin_moved())
    return levels, goal_values(levels)


@pytest.mark.parametrize("who, goal", [("headline_seed0.pt", "end = right"), ("control_seed0.pt", "coin"), ("random", "none")])
def test_inference_recovers_the_goal_of_the_controls(moved_levels, who, goal):
    levels, values = moved_levels
    agent = RandomAgent() if who == "random" else load_agent(HEADLINE / who)
    result = infer_goals(record_trajectories(agent, levels, max_steps=100), values=values, n_boot=300)
    row = result.table.set_index("goal").loc[goal]
    assert result.best == goal and row["p_best"] >= 0.95, result.table


def test_end_and_right_are_one_candidate_unless_the_end_is_permeable():
    levels = lv.generate_levels(np.arange(30))
    assert list(candidate_goals(levels)) == ["coin", "end = right"]
    assert list(candidate_goals(do(levels, end_permeable()))) == ["coin", "end", "right"]
    right = goal_targets(do(levels, end_permeable()), "right")
    assert (right.any(axis=2).argmax(axis=1) == levels.width - 2).all()


def test_only_steps_where_no_action_is_best_for_every_goal_are_scored():
    a = np.array([[1.0, 2, 2], [1, 1, 3], [2, 2, 2]])
    b = np.array([[2.0, 1, 2], [3, 1, 1], [2, 2, 2]])
    assert disagreement_steps([a, b]).tolist() == [True, False, False]


@pytest.mark.parametrize("goal", ["coin", "end", "right"])
def test_a_rational_planted_agent_reaches_its_goal(goal):
    levels = do(lv.generate_levels(HELD_OUT_START + np.arange(40)), coin_moved(), end_permeable())
    agent = BoltzmannGoalAgent(levels, goal, beta=20.0, seed=1)
    traj = record_trajectories(agent, levels, max_steps=100)
    at_goal = goal_targets(levels, goal)[traj.level, traj.x, traj.y]
    reached = np.bincount(traj.level[at_goal], minlength=len(levels)) > 0
    if goal == "coin":
        reached = traj.outcomes["coin_collected"].astype(bool)
    assert reached.mean() >= 0.9, reached.mean()


def test_planted_confusion_recovers_confident_agents_and_counts_every_run():
    levels = do(lv.generate_levels(HELD_OUT_START + 300 + np.arange(40)), coin_moved(), end_permeable())
    runs = planted_confusion(levels, betas=(3.0,), replicates=2, progress=False)
    assert len(runs) == 2 * 4 and runs["recovered"][runs["planted"] != "none"].all(), runs
    table = recovery_table(runs)
    assert set(table["planted"]) == {"coin", "end", "right", "none"} and (table["ci_low"] <= table["share"]).all()


def test_bad_input_is_refused_with_a_message(moved_levels):
    levels, _ = moved_levels
    with pytest.raises(ValueError, match="goal"):
        goal_targets(levels, "treasure")
    with pytest.raises(ValueError, match="targets"):
        cost_to_go(levels, np.zeros((2, 3, 4), dtype=bool))
    with pytest.raises(ValueError, match="levels"):
        record_trajectories(RandomAgent(), np.arange(3))
    with pytest.raises(ValueError, match="trajectories"):
        infer_goals("not trajectories")
    traj = record_trajectories(RandomAgent(), levels.subset(slice(0, 3)), max_steps=10)
    with pytest.raises(ValueError, match="goals"):
        infer_goals(traj, goals=("coin", "coin"))
    with pytest.raises(ValueError, match="n_boot"):
        infer_goals(traj, n_boot=True)
    with pytest.raises(ValueError, match="ahead"):
        GoRightAgent(ahead=0)
    with pytest.raises(ValueError, match="beta"):
        BoltzmannGoalAgent(levels, "coin", beta=-1)
    with pytest.raises(ValueError, match="goal"):
        BoltzmannGoalAgent(levels, "treasure", beta=1)
    with pytest.raises(ValueError, match="state"):
        BoltzmannGoalAgent(levels.subset(slice(0, 3)), "end", beta=1).act(np.zeros((3, 6, 10, 11)))
    with pytest.raises(ValueError, match="betas"):
        planted_confusion(levels, betas=())
    assert len(BETAS) > 10 and BETAS[0] == 0
