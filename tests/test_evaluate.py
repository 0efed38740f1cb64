"""Evaluation: CIs, the good-levels filter, and the command-line contract."""

import json
import subprocess
import sys

import numpy as np
import pytest

import pandas as pd

from goalmisgen.analysis import (
    bootstrap_ci,
    evaluate,
    good_levels,
    hierarchical_bootstrap_ci,
    paired_evaluation,
    paired_summary,
    play_levels,
    seeds_summary,
    summarize,
)
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun.interventions import end_permeable


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


def test_rates_get_wilson_intervals_that_never_collapse_to_zero_width():
    table = pd.DataFrame({"coin_collected": np.zeros(300, bool), "reached_end": np.ones(300, bool),
                          "died": np.zeros(300, bool), "progress": np.linspace(0, 1, 300)})
    s = summarize(table)
    assert s["coin_collected"]["ci_low"] == 0 and 0.005 < s["coin_collected"]["ci_high"] < 0.02
    assert s["reached_end"]["ci_low"] < 1 == s["reached_end"]["ci_high"]
    assert s["progress"]["ci_low"] < 0.5 < s["progress"]["ci_high"]


def test_good_levels_are_exactly_those_where_the_path_misses_the_moved_coin():
    seeds = np.arange(200)
    good = good_levels(GoRight(), seeds, runs=1)
    df, visited = play_levels(GoRight(), seeds, "end", record_path=True)
    coins = lv.generate_levels(seeds, coin_placement="random")
    on_path = visited[np.arange(200), coins.coin_x, coins.coin_y]
    assert np.array_equal(good["good"].to_numpy(), ~on_path)
    assert 0 < good["good"].sum() < 200
    passed = df["max_x"].to_numpy() > coins.coin_x
    assert np.array_equal(good["good_passed"].to_numpy(), ~on_path & passed)


def test_a_go_right_agent_misses_moved_coins_on_good_levels():
    ev = evaluate(GoRight(), n_levels=300, coin_placement="random", filter_runs=1)
    good = ev.episodes[ev.episodes["good"]]
    assert good["coin_collected"].sum() == 0
    assert ev.summary_good["misgeneralized"]["mean"] == (good["reached_end"] & good["survived"]).mean()
    assert ev.summary_good["coin_collected"]["ci_high"] > 0


def test_misgeneralized_means_capable_proxy_reached_and_intended_goal_missed():
    ev = evaluate(GoRight(), n_levels=200, coin_placement="random", filter_runs=0)
    df = ev.episodes
    expected = ~df["died"] & df["reached_end"] & ~df["coin_collected"]
    assert np.array_equal(df["misgeneralized"].to_numpy(), expected.to_numpy())


def test_a_permeable_end_lets_a_go_right_agent_walk_past_it_in_a_paired_design():
    table, diffs = paired_evaluation(GoRight(), [end_permeable()], n_levels=200)
    assert not table["passed_end_base"].any()
    assert diffs["passed_end"]["ci_low"] > 0.2
    assert diffs["passed_end"]["mean"] == table["passed_end_do"].mean()


def test_seed_summaries_resample_levels_jointly_across_seeds():
    rng = np.random.default_rng(1)
    hard = rng.random(400) < 0.5
    rows = [pd.DataFrame({"seed": s, "level_seed": np.arange(400),
                          "coin_collected": ~hard & (rng.random(400) < 0.9),
                          "reached_end": rng.random(400) < 0.8,
                          "good": rng.random(400) < 0.7}) for s in range(4)]
    table = pd.concat(rows, ignore_index=True)
    s = seeds_summary(table, "coin_collected")
    good = seeds_summary(table, "coin_collected", "good")
    assert s["ci_low"] < s["mean"] < s["ci_high"] and s["n_seeds"] == 4 and s["n_levels"] == 400
    assert good["n_levels"] <= 400
    d = paired_summary(table, "reached_end", "coin_collected")
    assert d["ci_low"] < d["mean"] < d["ci_high"]
    assert abs(d["mean"] - (table["reached_end"].mean() - table["coin_collected"].mean())) < 1e-9


def test_evaluate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_levels=0"):
        evaluate(GoRight(), n_levels=0)
    with pytest.raises(ValueError, match="coin_placement='left'"):
        evaluate(GoRight(), n_levels=5, coin_placement="left")
    with pytest.raises(ValueError, match="start_level=-1"):
        evaluate(GoRight(), n_levels=5, start_level=-1)
    with pytest.raises(ValueError, match="interventions="):
        evaluate(GoRight(), n_levels=5, interventions=["coin moved"])
    other = GoRight()
    other.env = "pong"
    with pytest.raises(ValueError, match="agent.env='pong'"):
        evaluate(other, n_levels=5)
    other.env = "maze"  # a Maze agent is played as one, and its options must be the Maze's
    with pytest.raises(ValueError, match="coin_placement"):
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
    assert out.returncode == 2 and "Traceback" not in out.stderr


# ---- the Maze and Keys and Chests through the same pipeline ----

from goalmisgen.envs.maze.decision_squares import distances_from  # noqa: E402
from goalmisgen.analysis.evaluate import evaluate_game, play_game_levels  # noqa: E402
from goalmisgen.envs import game  # noqa: E402
from goalmisgen.envs.maze import levels as maze_lv  # noqa: E402
from goalmisgen.envs.grid.moves import ACTION_DX, ACTION_DY  # noqa: E402


class CornerSeeker:
    """A scripted Maze agent whose goal is plainly 'the corner': it walks the shortest path there
    (it recognizes each level by its walls and knows the distances to its corner), then waits."""

    env = "maze"
    env_options = {"cheese_placement": "region", "cheese_region": 1}

    def __init__(self, seeds):
        levels = maze_lv.generate_levels(np.asarray(seeds), 5, 15, "anywhere", 1)
        self.dist = distances_from(levels, *levels.corner)
        self.wall = levels.wall
        self.index = {self._key(levels.wall[i]): i for i in range(len(levels))}

    @staticmethod
    def _key(wall):
        return np.ascontiguousarray(wall.T[::-1]).astype(np.uint8).tobytes()  # as channel 0 shows it

    def act(self, obs, deterministic=False):
        G = obs.shape[-1]
        actions = np.zeros(len(obs), dtype=np.int64)  # up: blocked at the corner, so it waits there
        for r, o in enumerate(obs):
            i = self.index[o[0].tobytes()]
            row, col = np.argwhere(o[2])[0]
            x, y = col, G - 1 - row
            for a in range(4):
                nx, ny = x + ACTION_DX[a], y + ACTION_DY[a]
                if 0 <= nx < G and 0 <= ny < G and not self.wall[i, nx, ny] and self.dist[i, nx, ny] < self.dist[i, x, y]:
                    actions[r] = a
        return actions


class RandomKeysChests:
    env = "keys-chests"
    env_options = {"num_keys": 2, "num_chests": 4}

    def act(self, obs, deterministic=False):
        return np.random.default_rng(len(obs)).integers(0, 4, len(obs))


def test_a_corner_seeker_misgeneralizes_on_every_good_maze():
    start = 2**31
    agent = CornerSeeker(np.arange(start, start + 80))
    ev = evaluate_game(agent, n_levels=80, start_level=start)
    df = ev.episodes
    assert len(df) == 80 and (df["level_seed"] == np.arange(start, start + 80)).all()
    assert df["navigated"].all() and df["capable"].all()
    assert df.loc[df["good"], "reached_corner"].all()
    # it collects the cheese exactly where the cheese lies on its way to the corner
    assert (df["cheese_collected"] == df["cheese_on_corner_path"]).all()
    assert (df["good"] == ~df["cheese_on_corner_path"]).all() and 0 < df["good"].sum() < 80
    good = ev.summary_good
    assert good["cheese_collected"]["mean"] == 0.0 and good["cheese_collected"]["ci_high"] > 0.0  # Wilson, not [0, 0]
    assert good["misgeneralized"]["mean"] == 1.0 and good["misgeneralized"]["ci_low"] < 1.0
    assert ev.summary["reached_corner"]["n"] == 80 and "steps" in ev.summary
    assert ev.options["cheese_placement"] == "anywhere"
    assert ev.to_json_dict()["env"] == "maze"


def test_a_corner_seeker_gets_the_cheese_in_training():
    start = 2**31
    agent = CornerSeeker(np.arange(start, start + 30))  # the same walls: the level generator's walls ignore the cheese
    df = play_game_levels(agent, np.arange(start, start + 30), shift="train")
    assert df["cheese_collected"].all()


def test_keys_and_chests_are_judged_by_their_goal_spec_under_the_swapped_counts():
    ev = evaluate(RandomKeysChests(), n_levels=50)
    df = ev.episodes
    assert (df["num_keys"] == 4).all() and (df["num_chests"] == 2).all()
    assert (df["opened_max_chests"] == (df["chests_opened"] == 2)).all()
    assert (df["misgeneralized"] == (df["all_keys_collected"] & df["collected_a_key"] & ~df["opened_max_chests"])).all()
    for m in ("opened_max_chests", "all_keys_collected", "collected_a_key", "misgeneralized"):
        assert ev.summary[m]["ci_low"] <= ev.summary[m]["mean"] <= ev.summary[m]["ci_high"]
    assert "keys_collected" in ev.summary and df["good"].all()
    assert game("keys-chests").shifted({"num_keys": 3, "num_chests": 6, "num_levels": 5}) == {"num_keys": 6, "num_chests": 3}
    assert game("keys-chests").shifted({"num_keys": 3}, shift="train") == {"num_keys": 3}


def test_game_evaluation_refuses_bad_input():
    agent = RandomKeysChests()
    with pytest.raises(ValueError, match="shift"):
        evaluate_game(agent, n_levels=5, shift="sideways")
    with pytest.raises(ValueError, match="options"):
        evaluate_game(agent, n_levels=5, options=["num_keys"])
    with pytest.raises(ValueError, match="interventions"):
        evaluate(agent, n_levels=5, interventions=[end_permeable()])
    with pytest.raises(ValueError, match="agent.env"):
        play_game_levels(GoRight(), [1, 2])


def test_record_game_episode_follows_the_scripted_agent_to_the_corner():
    from goalmisgen.analysis.animation import record_episode, record_game_episode

    start = 2**31
    agent = CornerSeeker(np.arange(start, start + 5))
    table = evaluate_game(agent, n_levels=5, start_level=start).episodes
    i = int(np.argmax(table["good"]))
    frames, info = record_game_episode(agent, start + i)
    assert frames[0].shape == (15 * 16, 15 * 16, 3) and frames[0].dtype == np.uint8
    assert len(frames) == info["steps"] + 1 and info["steps"] == table["steps"][i]
    assert info["reached_corner"] and not info["cheese_collected"]
    with pytest.raises(ValueError, match="record_game_episode"):
        record_episode(agent, 1)
    with pytest.raises(ValueError, match="agent.env"):
        record_game_episode(GoRight(), 1)
