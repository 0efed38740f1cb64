"""The value probe records the critic and the return that followed, consistently with the game."""

import numpy as np
import pytest

from goalmisgen.agents import load_agent
from goalmisgen.agents.scripted import GoRightAgent
from goalmisgen.analysis.evaluate_coinrun import play_levels
from goalmisgen.analysis.trajectories import record_trajectories
from goalmisgen.analysis.value_probe import value_trace
from goalmisgen.envs import HELD_OUT_START
from goalmisgen.envs.coinrun.levels import generate_levels
from goalmisgen.envs.coinrun.interventions import coin_removed, do
from goalmisgen.paths import data_dir

AGENT = data_dir() / "coinrun_headline" / "headline_seed0.pt"


def test_returns_follow_the_coin_and_values_are_finite():
    agent = load_agent(AGENT)
    levels = generate_levels(HELD_OUT_START + np.arange(30))
    trace = value_trace(agent, levels, max_steps=60)
    assert np.isfinite(trace["value"]).all()
    first = trace[trace["t"] == 0].set_index("level")
    last = trace.groupby("level")["t"].max()
    collected = first["return_to_go"] > 0
    gamma = agent.config.gamma
    assert np.allclose(first.loc[collected, "return_to_go"], 10 * gamma ** last[collected])
    removed = value_trace(agent, do(levels, coin_removed()), max_steps=60)
    assert (removed["return_to_go"] == 0).all()


def test_trajectories_and_play_levels_see_the_same_episodes():
    agent = load_agent(AGENT)
    seeds = HELD_OUT_START + np.arange(40)
    traj = record_trajectories(agent, generate_levels(seeds), seed=3)
    played = play_levels(agent, seeds, "end", seed=3)
    assert np.array_equal(traj.outcomes["coin_collected"], played["coin_collected"].to_numpy())
    assert np.array_equal(np.bincount(traj.level), played["steps"].to_numpy())


def test_bad_input_is_refused():
    levels = generate_levels(np.arange(3))
    with pytest.raises(ValueError, match="value head"):
        value_trace(GoRightAgent(), levels)
    with pytest.raises(ValueError, match="levels"):
        value_trace(load_agent(AGENT), np.arange(3))
    with pytest.raises(ValueError, match="gamma"):
        value_trace(load_agent(AGENT), levels, gamma=1.5)
    with pytest.raises(ValueError, match="max_steps"):
        play_levels(GoRightAgent(), np.arange(3), max_steps=0)
