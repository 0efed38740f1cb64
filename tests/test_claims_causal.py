"""Chapter 2's claims (causal versus spurious structure), tested in the chapter's words on the
shipped randomization sweep and second-correlate experiment, and on fresh short runs.

Sweep (data/randomization_sweep, 5 seeds x 8 fractions, 1000 held-out levels; measured 2026-11-28,
runs that learned their training task): p = 0: coin on good levels 0.052, end 0.911; p = 0.5%:
coin 0.479, change from p = 0 +0.427 [0.307, 0.533], end 0.093; 1%: 0.620 [0.546, 0.687];
5%-25%: coin 0.775-0.795, end at most 0.012; 100%: coin 0.950, coin at the end 0.259 (25%: 0.962);
two runs (both at 0.5%) never learned (training coin rate 0.01 and 0.00; every other run >= 0.94).
"""

import json

import numpy as np
import pandas as pd
import pytest

from goalmisgen.agents import load_agent
from goalmisgen.analysis import evaluate
from goalmisgen.analysis.evaluation import seeds_matrix
from goalmisgen.analysis.replication import rerun_agreement
from goalmisgen.analysis.stats import group_difference_ci
from goalmisgen.claims import causal_vs_spurious as claims
from goalmisgen.exercises.causal_vs_spurious import reference_sufficient_fraction
from goalmisgen.experiments.headline import HEADLINE_FILTER_RUNS
from goalmisgen.experiments.randomization_sweep import LEARNED_MIN_TRAIN_COIN, randomization_summaries
from goalmisgen.paths import data_dir

SWEEP = data_dir() / "randomization_sweep"


def _manifest():
    return json.loads((SWEEP / "manifest.json").read_text())


def _episodes():
    return pd.read_csv(SWEEP / "episodes.csv")


def _learned(p, metric, part="mean"):
    return _manifest()["summaries"][p]["learned"]["moved_good"][metric][part]


def test_the_sweep_ships_forty_agents_with_their_provenance():
    m = _manifest()
    assert len(m["trials"]) == 40 and m["n_levels"] >= 1000
    assert m["command"].startswith("python -m goalmisgen regenerate randomization-sweep")
    for t in m["trials"]:
        path = SWEEP / t["agent"]
        assert path.is_file() and path.stat().st_size < 1_000_000, t["agent"]
    agent = load_agent(SWEEP / m["trials"][0]["agent"])
    assert agent.env_options["random_fraction"] == m["trials"][0]["config"]["random_fraction"]


def test_the_summaries_are_what_the_episode_table_gives():
    m = _manifest()
    assert json.loads(json.dumps(randomization_summaries(_episodes(), m["trials"]))) == m["summaries"]


def test_without_moved_coins_the_agents_run_to_the_end_and_ignore_the_coin():
    assert _learned("0", "coin_collected") <= claims.P0_COIN_MAX
    assert _learned("0", "reached_end") >= claims.P0_END_MIN


def test_half_a_percent_of_moved_coins_already_changes_the_goal():
    m = _manifest()["summaries"]["0.005"]
    assert m["coin_good_minus_p0"]["ci_low"] >= claims.HALF_PERCENT_COIN_GAIN_CI_LOW_MIN
    assert _learned("0.005", "reached_end") <= claims.HALF_PERCENT_END_MAX


def test_the_threshold_is_below_the_published_two_percent():
    rows = [{"fraction": s["random_fraction"], **s["learned"]["moved_good"]["coin_collected"]}
            for s in _manifest()["summaries"].values()]
    threshold = reference_sufficient_fraction(pd.DataFrame(rows), claims.SUFFICIENT_COIN_RATE)
    assert threshold is not None and threshold < claims.PUBLISHED_SUFFICIENT_FRACTION, threshold


def test_between_five_and_twenty_five_percent_the_agents_almost_never_run_to_the_end():
    for p in ("0.05", "0.1", "0.25"):
        assert _learned(p, "reached_end") <= claims.MID_FRACTION_END_MAX, p
        low, high = claims.MID_FRACTION_COIN_RANGE
        assert low <= _learned(p, "coin_collected") <= high, p


def test_agents_that_met_a_moved_coin_on_every_level_take_it_more_often_but_lose_the_coin_at_the_end():
    episodes = _episodes()
    learned = {(t["config"]["random_fraction"], t["config"]["seed"]) for t in _manifest()["trials"]
               if t["train_metrics"]["coin_rate"] >= LEARNED_MIN_TRAIN_COIN}
    keep = np.array([(p, s) in learned for p, s in zip(episodes["random_fraction"], episodes["seed"])])
    rows = {p: episodes[keep & (episodes["random_fraction"] == p).to_numpy()] for p in (0.25, 1.0)}
    diff = group_difference_ci(seeds_matrix(rows[1.0], "moved_coin_collected", "good"),
                               seeds_matrix(rows[0.25], "moved_coin_collected", "good"))
    assert diff["ci_low"] > claims.FULL_OVER_QUARTER_MOVED_COIN_CI_LOW_MIN, diff
    summaries = _manifest()["summaries"]
    assert summaries["1"]["learned"]["coin_at_end"]["mean"] <= claims.FULL_COIN_AT_END_MAX
    assert summaries["0.25"]["learned"]["coin_at_end"]["mean"] >= claims.QUARTER_COIN_AT_END_MIN


def test_two_runs_never_learned_and_every_other_run_did():
    train_coin = pd.DataFrame([{"p": t["config"]["random_fraction"], "coin": t["train_metrics"]["coin_rate"]}
                               for t in _manifest()["trials"]])
    failed = train_coin[train_coin["coin"] < LEARNED_MIN_TRAIN_COIN]
    assert len(failed) == 2 and set(failed["p"]) == {0.005} and failed["coin"].max() <= claims.NEVER_LEARNED_TRAIN_COIN_MAX
    assert train_coin[train_coin["coin"] >= LEARNED_MIN_TRAIN_COIN]["coin"].min() >= claims.LEARNED_TRAIN_COIN_SEEN_MIN


def test_shipped_sweep_rows_agree_with_a_fresh_evaluation_of_a_shipped_agent():
    """The same levels and sampling seed as the sweep: identical on the machine that ran it; on
    another, McNemar's exact test on the paired outcomes (``rerun_agreement``)."""
    agent = load_agent(SWEEP / "agents" / "random2pc_seed0.pt")
    n = _manifest()["n_levels"]
    fresh = evaluate(agent, n_levels=n, coin_placement="random", filter_runs=HEADLINE_FILTER_RUNS, seed=0).episodes
    shipped = _episodes()
    shipped = shipped[(shipped["random_fraction"] == 0.02) & (shipped["seed"] == 0)].reset_index(drop=True)
    assert np.array_equal(fresh["level_seed"].to_numpy(), shipped["level_seed"].to_numpy())
    for column in ("coin_collected", "reached_end", "died", "good", "good_passed"):
        shipped_column = column if column.startswith("good") else f"moved_{column}"
        check = rerun_agreement(fresh[column].to_numpy(), shipped[shipped_column].to_numpy())
        assert check["agrees"], (column, check)


@pytest.mark.slow
def test_fresh_agents_trained_with_a_few_moved_coins_take_the_moved_coin(fresh_randomized, fresh_agents):
    learned = {s: ev for s, (train_coin, ev) in fresh_randomized.items() if train_coin >= LEARNED_MIN_TRAIN_COIN}
    assert learned, {s: c for s, (c, _) in fresh_randomized.items()}
    baseline = max(run.moved.summary_good["coin_collected"]["mean"] for run in fresh_agents.values() if run.learned)
    for seed, ev in learned.items():
        assert ev.summary_good["coin_collected"]["mean"] >= claims.FRESH_RANDOMIZED_COIN_MIN, seed
        assert ev.summary_good["reached_end"]["mean"] <= claims.FRESH_RANDOMIZED_END_MAX, seed
        assert ev.summary_good["coin_collected"]["mean"] >= baseline + claims.FRESH_OVER_END_TRAINED_COIN_MIN, (seed, baseline)


# ---------------------------------------------------------------- the correlate nobody randomized
# data/coin_support (measured 2026-11-28, 5 + 5 agents, 491 ledge levels): floor-trained agents
# floor 0.869, ledge 0.497, drop 0.372 [0.271, 0.470], ledge -> end 0.192 [0.133, 0.266]; controls
# floor 0.796, ledge 0.708, drop 0.088 [0.014, 0.158], ledge -> end 0.015; difference of the drops
# 0.284 [0.185, 0.400]; coin at the end 0.962 and 0.959.

SUPPORT = data_dir() / "coin_support"


def _support():
    return json.loads((SUPPORT / "manifest.json").read_text())


def test_the_coin_support_experiment_ships_its_agents_and_a_summary_that_matches_its_table():
    from goalmisgen.experiments.coin_support import support_summaries

    m = _support()
    ground = [t for t in m["trials"] if t["group"] == "ground"]
    assert len(ground) == 5 and len([t for t in m["trials"] if t["group"] == "any"]) == 5
    for t in ground:
        assert (SUPPORT / t["agent"]).is_file() and t["config"]["coin_support"] == "ground"
    episodes = pd.read_csv(SUPPORT / "episodes.csv")
    assert json.loads(json.dumps(support_summaries(episodes))) == m["summaries"]
    assert m["n_ledge_levels"] >= 400


def test_both_groups_are_equally_capable_with_the_coin_at_the_end():
    s = _support()["summaries"]
    assert s["ground"]["coin_at_end"]["mean"] >= claims.SUPPORT_COIN_AT_END_MIN and s["any"]["coin_at_end"]["mean"] >= claims.SUPPORT_COIN_AT_END_MIN


def test_moving_the_coin_onto_a_ledge_costs_the_floor_trained_agents_more_than_the_controls():
    s = _support()["summaries"]
    assert s["drop_ground_minus_any"]["ci_low"] >= claims.DROP_DIFFERENCE_CI_LOW_MIN
    assert s["ground"]["floor_minus_ledge_coin"]["ci_low"] >= claims.FLOOR_TRAINED_DROP_CI_LOW_MIN
    assert s["any"]["floor_minus_ledge_coin"]["mean"] <= claims.CONTROL_DROP_MAX


def test_with_the_coin_on_a_ledge_floor_trained_agents_run_on_to_the_end_more_often():
    s = _support()["summaries"]
    assert s["ground"]["ledge_reached_end"]["ci_low"] >= claims.FLOOR_TRAINED_LEDGE_END_CI_LOW_MIN
    assert s["any"]["ledge_reached_end"]["mean"] <= claims.CONTROL_LEDGE_END_MAX


def test_the_arrows_of_the_behaviour_graphs():
    """Chapter 2's first figure: with the coin moved, on good levels, the headline agents follow the
    end (measured: end 0.909, coin 0.059), the 2% agents mostly the coin (0.688, end 0.042), the
    controls the coin (0.938)."""
    from goalmisgen.exercises.causal_vs_spurious import reference_follow_rates

    headline = pd.read_csv(data_dir() / "coinrun_headline" / "episodes.csv")
    moved = headline[headline["coin_placement"] == "random"]
    end_trained = reference_follow_rates(moved[moved["training"] == "headline"])
    control = reference_follow_rates(moved[moved["training"] == "control"])
    two = _episodes()
    two = reference_follow_rates(two[two["random_fraction"] == 0.02].rename(
        columns={"moved_coin_collected": "coin_collected", "moved_reached_end": "reached_end"}))
    assert end_trained["end"] >= claims.ARROW_HEADLINE_END_MIN and end_trained["coin"] <= claims.ARROW_HEADLINE_COIN_MAX
    assert two["coin"] >= claims.ARROW_TWO_PERCENT_COIN_MIN and two["end"] <= claims.ARROW_TWO_PERCENT_END_MAX
    assert control["coin"] >= claims.ARROW_CONTROL_COIN_MIN and control["coin"] > two["coin"] + claims.ARROW_CONTROL_OVER_TWO_PERCENT_MIN
