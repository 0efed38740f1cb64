"""Evaluation: CIs, the good-levels filter, and the command-line contract."""

import json
import subprocess
import sys

import numpy as np
import pytest

from goalmisgen.analysis import bootstrap_ci, evaluate, good_levels, hierarchical_bootstrap_ci, play_levels
from goalmisgen.envs import coinrun_levels as lv


class GoRight:
    """A scripted agent whose goal is plainly 'go right': it jumps right forever."""

    env_options = {"coin_placement": "end"}

    def act(self, obs, deterministic=False):
        return np.full(len(obs), 5, dtype=np.int64)


def test_bootstrap_ci_brackets_the_mean_and_narrows_with_more_data():
    rng = np.random.default_rng(0)
    small, large = bootstrap_ci(rng.random(50) < 0.3), bootstrap_ci(rng.random(5000) < 0.3)
    for ci in (small, large):
        assert ci["ci_low"] <= ci["mean"] <= ci["ci_high"]
    assert large["ci_high"] - large["ci_low"] < small["ci_high"] - small["ci_low"]
    assert np.isnan(bootstrap_ci([])["mean"])
    h = hierarchical_bootstrap_ci([rng.random(100) < p for p in (0.1, 0.5, 0.9)])
    assert h["ci_low"] < 0.3 and h["ci_high"] > 0.7


def test_good_levels_are_exactly_those_where_the_path_misses_the_random_coin():
    seeds = np.arange(200)
    good = good_levels(GoRight(), seeds, runs=1)
    _, visited = play_levels(GoRight(), seeds, "end", record_path=True)
    coins = lv.generate_levels(seeds, coin_placement="random")
    on_path = visited[np.arange(200), coins.coin_x, coins.coin_y]
    assert np.array_equal(good, ~on_path)
    assert 0 < good.sum() < 200


def test_a_go_right_agent_misses_random_coins_on_good_levels():
    ev = evaluate(GoRight(), n_levels=300, coin_placement="random", filter_runs=1)
    good = ev.episodes[ev.episodes["good"]]
    assert good["coin_collected"].sum() == 0
    assert ev.summary_good["misgeneralized"]["mean"] == good["reached_end"].mean()


def test_evaluate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_levels=0"):
        evaluate(GoRight(), n_levels=0)
    with pytest.raises(ValueError, match="coin_placement='left'"):
        evaluate(GoRight(), n_levels=5, coin_placement="left")
    with pytest.raises(ValueError, match="start_level=-1"):
        evaluate(GoRight(), n_levels=5, start_level=-1)
    other = GoRight()
    other.env = "procgen-coinrun"
    with pytest.raises(ValueError, match="trained on env 'procgen-coinrun'.*'coinrun'"):
        evaluate(other, n_levels=5)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "goalmisgen", *args], capture_output=True, text=True, timeout=300)


def test_cli_evaluate_prints_the_json_contract(tiny_agent_path):
    out = _cli("evaluate", "coinrun", "--agent", str(tiny_agent_path), "--coin-placement", "random",
               "--levels", "40", "--start-level", "5000", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    for key in ("coin_collected", "reached_end", "died", "timed_out"):
        assert set(d[key]) >= {"mean", "ci_low", "ci_high"}
        assert 0 <= d[key]["ci_low"] <= d[key]["mean"] <= d[key]["ci_high"] <= 1
    assert d["n_levels"] == 40 and 0 <= d["n_good_levels"] <= 40


def test_cli_train_writes_a_loadable_checkpoint(tmp_path):
    out = _cli("train", "coinrun", "--seed", "1", "--steps", "8192", "--coin-placement", "end",
               "--out", str(tmp_path / "a.pt"), "--no-progress")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["total_steps"] == 8192


def test_cli_bad_input_gives_a_clear_error_not_a_traceback(tmp_path, tiny_agent_path):
    out = _cli("evaluate", "coinrun", "--agent", str(tiny_agent_path), "--coin-placement", "middle")
    assert out.returncode == 2 and "invalid choice: 'middle'" in out.stderr
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    out = _cli("evaluate", "coinrun", "--agent", str(junk), "--json")
    assert out.returncode == 2 and "not a goalmisgen checkpoint" in out.stderr and "Traceback" not in out.stderr
    out = _cli("evaluate", "coinrun", "--agent", str(tiny_agent_path), "--levels", "0")
    assert out.returncode == 2 and "n_levels=0" in out.stderr
