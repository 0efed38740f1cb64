"""Chapter 3's region-size sweep (data/maze_regions, ``maze_regions``): its claims on the
shipped per-level rows.

Claims:
- The rows are complete (every k x seed x shift x held-out level) and the manifest's summaries and
  pursuit threshold are what its rule computes from them.
- The reused k = 1 and k = 5 agents are data/maze's: their rows here are data/maze's rows, a fresh
  play of one of them agrees with them (identical on the machine that made them), and the retrained
  check agent played like its shipped twin (recorded when the sweep ran).
- Widening the training region moves the agents from the corner to the cheese: on good test mazes
  the widest region's agents reach the cheese more often and the corner less often than the k = 1
  agents (seeds resampled within each group, levels shared).
"""

import json

import numpy as np
import pandas as pd
import pytest

from goalmisgen.agents import load_agent
from goalmisgen.analysis.evaluation import seeds_matrix
from goalmisgen.analysis.replication import rerun_agreement
from goalmisgen.analysis.stats import group_difference_ci
from goalmisgen.claims import capability_vs_goal as claims
from goalmisgen.paths import data_dir
from goalmisgen.experiments.maze import maze_agent_episodes
from goalmisgen.experiments.maze_regions import MAZE_REGION_COLUMNS, MAZE_REGION_PURSUIT_MIN, maze_region_summaries
from goalmisgen.files import jsonable

DATA = data_dir()
FOLDER = DATA / "maze_regions"


@pytest.fixture(scope="module")
def manifest():
    return json.loads((FOLDER / "manifest.json").read_text())


@pytest.fixture(scope="module")
def episodes(manifest):
    return pd.read_csv(FOLDER / manifest["episodes_file"])


def test_the_rows_are_complete(manifest, episodes):
    ks = sorted({t["config"]["cheese_region"] for t in manifest["trials"]})
    seeds = sorted({t["config"]["seed"] for t in manifest["trials"]})
    assert list(episodes.columns) == list(MAZE_REGION_COLUMNS)
    assert len(episodes) == len(ks) * len(seeds) * 2 * manifest["n_levels"]
    counts = episodes.groupby(["k", "seed", "shift"]).size()
    assert (counts == manifest["n_levels"]).all() and len(counts) == len(ks) * len(seeds) * 2
    assert (episodes.loc[episodes["shift"] == "train", "cheese_in_region"] == 1).all()


def test_the_manifest_summaries_and_threshold_are_what_the_rule_computes(manifest, episodes):
    share = {int(k[1:]): v for k, v in manifest["region_share"].items()}
    again = jsonable(maze_region_summaries(episodes, share))
    assert again == manifest["summaries"]
    per_k = manifest["summaries"]["per_k"]
    k = manifest["summaries"]["pursuit_threshold"]["k"]
    lows = {v["cheese_region"]: v["test_good_cheese_collected"]["ci_low"] for v in per_k.values()}
    if k is None:
        assert all(low < MAZE_REGION_PURSUIT_MIN for low in lows.values())
    else:
        assert lows[k] >= MAZE_REGION_PURSUIT_MIN
        assert all(low < MAZE_REGION_PURSUIT_MIN for kk, low in lows.items() if kk < k)


def test_the_reused_agents_are_data_mazes_and_the_retrained_check_played_like_its_twin(manifest, episodes):
    """The reused agents' rows agree with data/maze's (McNemar's test on the paired levels; identical
    on the machine that made both); the retrained check was identical there, or else like one more
    seed of its k."""
    reused = [t for t in manifest["trials"] if t["source"] != "trained here"]
    assert reused
    check = manifest["reuse"]["retrained_check"]
    assert check is not None and (check["identical"] or (check.get("agreement") or {}).get("agrees")), check
    maze = pd.read_csv(DATA / "maze" / "episodes.csv")
    for t in reused:
        k, s = t["config"]["cheese_region"], t["config"]["seed"]
        here = episodes[(episodes["k"] == k) & (episodes["seed"] == s)]
        there = maze[(maze["k"] == k) & (maze["seed"] == s)]
        for key in ("shift", "level_seed", "maze_size"):
            assert here[key].tolist() == there[key].tolist(), (k, s, key)
        for m in ("cheese_collected", "reached_corner"):
            agreement = rerun_agreement(here[m].to_numpy(dtype=np.int64), there[m].to_numpy(dtype=np.int64))
            assert agreement["agrees"], (k, s, m, agreement)


def test_a_fresh_play_of_a_reused_agent_agrees_with_its_rows(manifest, episodes):
    """The whole level set (a level's play depends on the batch it was played in) with the sweep's
    sampling seed: identical on the machine that ran it; elsewhere McNemar's exact test on the paired
    outcomes (``rerun_agreement``)."""
    t = next(t for t in manifest["trials"] if t["source"] != "trained here")
    k, s = t["config"]["cheese_region"], t["config"]["seed"]
    n = manifest["n_levels"]
    fresh = maze_agent_episodes(load_agent(DATA.parent / t["agent"]), k, s, n)
    rows = episodes[(episodes["k"] == k) & (episodes["seed"] == s)]
    for shift in ("train", "test"):
        for m in ("cheese_collected", "reached_corner"):
            a = fresh[fresh["shift"] == shift][m].astype(int).to_numpy()
            b = rows[rows["shift"] == shift][m].to_numpy()[:n]
            check = rerun_agreement(a, b)
            assert check["agrees"], (shift, m, check)


def test_widening_the_region_moves_the_agents_from_the_corner_to_the_cheese(episodes):
    test = episodes[episodes["shift"] == "test"]
    narrow, wide = test[test["k"] == test["k"].min()], test[test["k"] == test["k"].max()]
    cheese = group_difference_ci(seeds_matrix(wide, "cheese_collected", "good"),
                                 seeds_matrix(narrow, "cheese_collected", "good"))
    corner = group_difference_ci(seeds_matrix(narrow, "reached_corner", "good"),
                                 seeds_matrix(wide, "reached_corner", "good"))
    assert cheese["ci_low"] > 0, cheese
    assert corner["ci_low"] > 0, corner
    assert np.isfinite(cheese["mean"]) and np.isfinite(corner["mean"])


# Measured 2026-11-28 (data/maze_regions, 3 seeds per k, 1000 held-out mazes, good mazes under the shift):
# cheese 0.034 (k=1), 0.064, 0.213, 0.258, 0.257, 0.227 (k=15); corner 0.640, 0.651, 0.564, 0.461, 0.334,
# 0.277; training cheese 0.51-0.62; no k reaches the pursuit threshold.

def _per_k(manifest, metric):
    return {v["cheese_region"]: v[metric]["mean"] for v in manifest["summaries"]["per_k"].values()}


def test_no_region_size_makes_the_agents_pursue_the_cheese_on_most_good_mazes(manifest):
    assert manifest["summaries"]["pursuit_threshold"]["k"] is None
    cheese, corner = _per_k(manifest, "test_good_cheese_collected"), _per_k(manifest, "test_good_reached_corner")
    assert all(cheese[k] < corner[k] for k in cheese), (cheese, corner)  # "first beats the corner at: no size"


def test_the_cheese_rate_rises_from_k_1_to_k_3_and_then_levels_off_while_the_corner_rate_falls(manifest):
    cheese, corner = _per_k(manifest, "test_good_cheese_collected"), _per_k(manifest, "test_good_reached_corner")
    assert cheese[1] <= claims.REGION_K1_CHEESE_MAX and corner[1] >= claims.REGION_K1_CORNER_MIN
    low, high = claims.REGION_WIDE_CHEESE_RANGE
    assert all(low <= cheese[k] <= high for k in (3, 5, 8, 15)), cheese
    assert corner[15] <= claims.REGION_K15_CORNER_MAX and corner[15] < corner[5] < corner[1]


def test_training_success_is_similar_but_not_matched_across_region_sizes(manifest):
    train = _per_k(manifest, "train_cheese_collected")
    low, high = claims.REGION_TRAIN_CHEESE_RANGE
    assert all(low <= v <= high for v in train.values()), train
