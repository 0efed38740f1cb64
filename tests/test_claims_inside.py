"""The claims of chapter "Looking inside" (book/07_inside.ipynb), in the words of its prose: the probe
claims on fresh probe fits (the states, networks and split of data/inside, refitted here), the steering
claims on the shipped plays (data/inside). Thresholds: goalmisgen.claims.inside (the predictions were
committed before the runs; the failed one is tested as failed, as the chapter says)."""

import json

import numpy as np
import pandas as pd
import pytest

from goalmisgen.analysis.stats import t_interval_over_seeds
from goalmisgen.claims import inside as claims
from goalmisgen.experiments.inside import probe_networks, shipped_agents
from goalmisgen.interp.coinrun_probes import coin_response, probe_table
from goalmisgen.interp.coinrun_states import coinrun_states
from goalmisgen.paths import data_dir

INSIDE = data_dir() / "inside"
LAST = claims.STEER_LAYER


@pytest.fixture(scope="module")
def fresh():
    """Every probe refitted on the states of data/inside: the observation, and both hidden layers of all 13 networks."""
    import torch

    torch.set_num_threads(1)
    states = coinrun_states(claims.PROBE_LEVELS)
    nets = probe_networks(shipped_agents())
    observed, _ = probe_table(states, nets[:1], ["input"])  # the observation is the same for every network
    probes = pd.concat([observed, probe_table(states, nets, list(claims.LAYERS))[0]], ignore_index=True)
    response = pd.DataFrame([{"group": g, "seed": s, "response": coin_response(net, states, [LAST])[LAST]} for g, s, net in nets])
    return probes, response


def _acc(probes, group, layer, label):
    rows = probes[(probes.group == group) & (probes.layer == layer) & (probes.label == label) & ~probes.shuffled]
    return t_interval_over_seeds(rows.sort_values("seed")["accuracy"].to_numpy())


def test_shuffled_label_probes_sit_at_the_commoner_answer(fresh):
    probes, _ = fresh
    shuffled = probes[probes.shuffled]
    assert (shuffled["accuracy"] - shuffled["majority"]).abs().max() <= claims.SHUFFLED_NEAR_MAJORITY_MAX


def test_on_the_observation_itself_every_coin_probe_is_near_perfect(fresh):
    probes, _ = fresh
    for label in ("coin_in_view", "coin_ahead"):
        assert _acc(probes, "headline", "input", label)["mean"] >= claims.INPUT_COIN_PROBE_MIN  # headline seed 0's fit


def test_the_positive_controls_keep_where_the_coin_is(fresh):
    probes, _ = fresh
    for label in ("coin_in_view", "coin_ahead"):
        assert _acc(probes, "control", LAST, label)["mean"] >= claims.CONTROL_COIN_PROBE_MIN


def test_the_headline_agents_keep_the_coin_no_better_than_a_random_weights_network_at_either_hidden_layer(fresh):
    probes, _ = fresh
    for layer, label in [(layer, label) for layer in claims.LAYERS for label in ("coin_in_view", "coin_ahead")]:
        head, rand, ctrl = (_acc(probes, g, layer, label) for g in ("headline", "random", "control"))
        assert head["mean"] <= rand["mean"] + claims.HEADLINE_OVER_RANDOM_MAX
        assert head["ci_high"] < ctrl["ci_low"], "far below the positive controls"


def test_no_network_reads_the_end_better_than_the_observation(fresh):
    probes, _ = fresh
    observed = _acc(probes, "headline", "input", "end_far")["mean"]
    for group in ("headline", "control", "random"):
        assert _acc(probes, group, LAST, "end_far")["mean"] <= observed + claims.END_OVER_INPUT_MAX


def test_the_coin_moves_the_headline_agents_layer_less_than_a_random_networks_and_the_controls(fresh):
    _, response = fresh
    ci = {g: t_interval_over_seeds(response[response.group == g].sort_values("seed")["response"].to_numpy())
          for g in ("headline", "control", "random")}
    assert ci["headline"]["mean"] / ci["control"]["mean"] <= claims.HEADLINE_TO_CONTROL_COIN_RESPONSE_MAX
    assert ci["headline"]["ci_high"] < ci["random"]["ci_low"]


# ---------------------------------------------------------------- steering (shipped plays)

@pytest.fixture(scope="module")
def steer():
    manifest = json.loads((INSIDE / "manifest.json").read_text())
    plays = pd.read_csv(INSIDE / manifest["episodes_file"])
    return plays.groupby(["group", "placement", "direction", "coefficient", "seed"])[["coin_collected", "reached_end", "died"]].mean()


def _rate(steer, group, placement, direction, coef, outcome):
    return float(steer.loc[(group, placement, direction, coef)][outcome].mean())


def test_the_registered_steering_prediction_failed_at_30_times_as_the_chapter_says(steer):
    top = max(claims.STEER_COEFFICIENTS)
    rise = _rate(steer, "headline", "random", "coin", top, "coin_collected") - _rate(steer, "headline", "random", "none", 0.0, "coin_collected")
    assert rise > claims.STEER_COIN_RISE_MAX


def test_the_coin_vector_pushes_the_headline_agents_as_a_random_push_of_the_same_size_does_not(steer):
    top = max(claims.STEER_COEFFICIENTS)
    coin = steer.loc[("headline", "random", "coin", top)]["coin_collected"]
    rand = steer.loc[("headline", "random", "random", top)]["coin_collected"]
    paired = t_interval_over_seeds((coin - rand.reindex(coin.index)).to_numpy())
    assert paired["ci_low"] > 0


def test_where_the_coin_rate_rose_past_the_prediction_navigation_broke(steer):
    base = {k: _rate(steer, "headline", p, "none", 0.0, m) for k, p, m in
            (("coin", "random", "coin_collected"), ("end", "random", "reached_end"), ("at_end", "end", "coin_collected"))}
    for c in claims.STEER_COEFFICIENTS:
        if _rate(steer, "headline", "random", "coin", c, "coin_collected") - base["coin"] > claims.STEER_COIN_RISE_MAX:
            fall_end = base["end"] - _rate(steer, "headline", "random", "coin", c, "reached_end")
            fall_at_end = base["at_end"] - _rate(steer, "headline", "end", "coin", c, "coin_collected")
            assert max(fall_end, fall_at_end) >= claims.BROKEN_NAVIGATION_FALL_MIN


def test_random_directions_leave_the_headline_agents_coin_rate_where_it_was(steer):
    top = max(claims.STEER_COEFFICIENTS)
    change = _rate(steer, "headline", "random", "random", top, "coin_collected") - _rate(steer, "headline", "random", "none", 0.0, "coin_collected")
    assert abs(change) <= claims.RANDOM_DIRECTION_CHANGE_MAX


def test_subtracting_their_own_coin_vector_sends_the_controls_to_the_end_and_random_directions_do_not(steer):
    top = max(claims.STEER_COEFFICIENTS)
    base = _rate(steer, "control", "random", "none", 0.0, "coin_collected")
    assert base - _rate(steer, "control", "random", "coin", -top, "coin_collected") >= claims.CONTROL_SUBTRACT_FALL_MIN
    for c in (10.0, top):
        assert _rate(steer, "control", "random", "coin", -c, "reached_end") >= claims.CONTROL_SUBTRACT_END_MIN
    assert _rate(steer, "control", "random", "random", -top, "reached_end") <= claims.CONTROL_RANDOM_END_MAX
