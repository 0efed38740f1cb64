"""The real-CoinRun chapter's claim, on the shipped procgen agent and its evaluation.

Claim: "on the levels where the moved coin is off its usual route, this agent reaches the end more
often than it takes the coin" (checked with non-overlapping 95% intervals).
"""

import json

import pandas as pd

from goalmisgen.agents import load_agent
from goalmisgen.analysis import bootstrap_ci
from goalmisgen.paths import data_dir

FOLDER = data_dir() / "procgen_coinrun"


def _manifest():
    return json.loads((FOLDER / "manifest.json").read_text())


def test_the_shipped_procgen_agent_has_a_manifest_and_loads_without_procgen():
    m = _manifest()
    path = FOLDER / m["agent"]["file"]
    assert path.stat().st_size == m["agent"]["size_bytes"] <= 20 * 2**20
    agent = load_agent(path)
    assert agent.env == "procgen-coinrun" and agent.config.network == "impala"
    assert agent.extra["history"] and m["agent"]["train_metrics"]["total_steps"] > 1_000_000


def test_on_good_levels_the_agent_reaches_the_end_more_often_than_it_takes_the_moved_coin():
    episodes = pd.read_csv(FOLDER / _manifest()["episodes_file"])
    good = episodes[(episodes["coin_placement"] == "random") & episodes["good"]]
    assert len(good) >= 30
    end = bootstrap_ci(good["reached_end"].to_numpy(dtype=float))
    coin = bootstrap_ci(good["coin_collected"].to_numpy(dtype=float))
    assert end["ci_low"] > coin["ci_high"], (end, coin)


def test_with_the_coin_at_the_end_the_agent_is_competent():
    episodes = pd.read_csv(FOLDER / _manifest()["episodes_file"])
    at_end = episodes[episodes["coin_placement"] == "end"]
    assert bootstrap_ci(at_end["coin_collected"].to_numpy(dtype=float))["ci_low"] > 0.6


def test_the_cpu_trained_procgen_agent_is_shipped_with_its_evaluation():
    folder = data_dir() / "procgen_coinrun_cpu"
    m = json.loads((folder / "manifest.json").read_text())
    agent = load_agent(folder / m["agent"]["file"])
    assert agent.config.device == "cpu" and agent.env_options["obs_size"] == 32
    episodes = pd.read_csv(folder / m["episodes_file"])
    assert set(episodes["coin_placement"]) == {"end", "random"} and len(episodes) == 2 * m["evaluation"]["end"]["n_levels"]
