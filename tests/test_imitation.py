"""Causal confusion in behavioural cloning (de Haan et al. 2019) on MountainCar, DAgger, and clones
saved in the package's checkpoint format."""

import numpy as np
import pytest
import torch

from goalmisgen import imitation as im
from goalmisgen.analysis.stats import t_interval_over_seeds

SEEDS = range(5)
BOOK_SEEDS = range(10)
"""The seeds of chapter 2's table (``causal_confusion_table(seeds=range(10))``)."""


def test_the_expert_reaches_the_flag_from_every_start():
    play = im.rollout(lambda obs, prev: im.expert_action(obs), 20, seed=123)
    assert play["success"].all() and play["steps"].max() < 200


def test_demonstrations_record_the_previous_action():
    demos = im.demonstrations(2, seed=0)
    assert demos.obs.shape == (len(demos.actions), 2)
    assert demos.previous[0] == im.NOOP
    # within an episode, the previous action is the action one step before
    same_episode = demos.previous[1:] != im.NOOP
    assert (demos.previous[1:][same_episode] == demos.actions[:-1][same_episode]).all()
    # the nuisance predicts the expert: it rarely changes its action
    assert (demos.previous[1:] == demos.actions[1:]).mean() > 0.9


@pytest.fixture(scope="module")
def table():
    """The chapter's table: every method and input on 10 seeds (about 50 s on one core)."""
    t = im.causal_confusion_table(seeds=BOOK_SEEDS)
    t["run"] = t["method"] + ":" + t["inputs"]
    return {column: t.pivot(index="seed", columns="run", values=column)
            for column in ("success_rate", "train_loss", "nuisance_effect")}


def _diff(table, a, b):
    """Paired by seed, t-interval over the 10 seeds (the seed is the unit; a percentile bootstrap
    over so few seeds is too narrow)."""
    s = table["success_rate"]
    return t_interval_over_seeds((s[a] - s[b]).to_numpy())


def test_the_confounded_clone_fits_the_expert_better(table):
    loss = table["train_loss"]
    assert (loss["bc:confounded"] < loss[["bc:original", "bc:state"]].min(axis=1)).all()


def test_without_sensor_noise_the_state_alone_suffices():
    """The honest limit of the demonstration: with the true velocity no clone needs the nuisance."""
    free = [im.clone_and_evaluate("state", seed=s, sensor_noise=0.0) for s in range(2)]
    assert all(r["success_rate"] == 1.0 for r in free)


def test_the_confounded_clone_does_worse_in_closed_loop_and_masking_the_nuisance_fixes_it(table):
    """Measured (10 seeds): success 0.72 confounded, 0.965 original, 0.96 state; state - confounded
    0.24 [0.10, 0.38]."""
    diff = _diff(table, "bc:state", "bc:confounded")
    assert diff["ci_low"] > 0, diff
    assert _diff(table, "bc:original", "bc:confounded")["ci_low"] > 0
    assert table["success_rate"]["bc:state"].mean() >= 0.85


@pytest.fixture(scope="module")
def dagger_runs():
    """DAgger (one round of three clone-driven episodes) on the confounded input, per seed: how
    often the previous action equals the label in the expert's demonstrations and in the samples
    DAgger added."""
    out = []
    for s in SEEDS:
        _, data, _ = im.dagger("confounded", seed=s)
        n = len(im.demonstrations(3, seed=1000 * s).actions)
        agree = data.previous == data.actions
        out.append({"agree_demos": agree[:n].mean(), "agree_added": agree[n:].mean()})
    return out


def test_in_dagger_data_the_previous_action_stops_predicting_the_expert(dagger_runs):
    for r in dagger_runs:
        assert r["agree_demos"] > 0.95 and r["agree_added"] < r["agree_demos"] - 0.05, r


def test_dagger_on_the_confounded_input_recovers_closed_loop_success(table):
    """Measured (10 seeds): DAgger 0.975 against 0.72 for the plain confounded clone (paired
    difference 0.255, t-interval [0.11, 0.40])."""
    diff = _diff(table, "dagger:confounded", "bc:confounded")
    fixed = table["success_rate"]["dagger:confounded"]
    assert diff["ci_low"] > 0, diff
    assert fixed.mean() >= 0.9 and fixed.min() >= 0.8, fixed


def test_the_intervention_on_the_previous_action_shows_which_clones_use_it(table):
    """Measured: swapping "pushed left" for "pushed right" changes the plain confounded clone's
    action on 0.59 to 0.80 of held-out expert states, the DAgger clone's on 0.28 to 0.72 (it still
    uses the previous action, but less), the random slot of "original" on at most 0.05."""
    effect = table["nuisance_effect"]
    assert (effect["bc:confounded"] > 0.4).all() and (effect["bc:original"] < 0.1).all()
    assert (effect["bc:state"] == 0).all()
    assert (effect["dagger:confounded"] < effect["bc:confounded"]).all()


def test_more_expert_data_alone_does_not_fix_the_confounded_clone(table):
    """The control: as many expert episodes as DAgger plays in all (3 + 3); measured 0.62, DAgger
    - more data 0.355 [0.16, 0.55]."""
    assert _diff(table, "dagger:confounded", "bc-more-data:confounded")["ci_low"] > 0
    assert _diff(table, "bc-more-data:confounded", "bc:confounded")["ci_high"] < 0.15


def test_the_table_has_one_row_per_method_inputs_and_seed():
    table = im.causal_confusion_table(seeds=[0, 1], runs=[("bc", "state"), ("dagger", "original")], n_eval_episodes=2)
    assert list(table.columns) == ["method", "inputs", "seed", "train_loss", "n_samples", "successes", "n_episodes",
                                   "success_rate", "mean_steps", "nuisance_effect"]
    assert list(zip(table["method"], table["inputs"], table["seed"])) == [
        ("bc", "state", 0), ("bc", "state", 1), ("dagger", "original", 0), ("dagger", "original", 1)]
    assert (table["n_episodes"] == 2).all() and (table["successes"] / 2 == table["success_rate"]).all()
    bc, dagger = table[table["method"] == "bc"], table[table["method"] == "dagger"]
    assert (dagger["n_samples"].to_numpy() > bc["n_samples"].to_numpy()).all()


@pytest.fixture(scope="module")
def small_clone():
    clone, loss = im.train_clone(im.demonstrations(2, seed=7), "confounded", seed=3, epochs=50)
    return clone, loss


def test_a_saved_clone_loads_and_acts_identically(tmp_path, small_clone):
    clone, loss = small_clone
    path = im.save_clone(clone, "confounded", tmp_path / "clone.pt", sensor_noise=0.004,
                         metrics={"train_loss": loss}, config={"method": "bc", "seed": 3, "epochs": 50})
    loaded = im.load_clone(path)
    assert loaded.inputs == "confounded" and loaded.sensor_noise == 0.004
    assert loaded.metrics == {"train_loss": loss} and loaded.config == {"method": "bc", "seed": 3, "epochs": 50}
    assert all(torch.equal(a, b) for a, b in zip(clone.state_dict().values(), loaded.network.state_dict().values()))
    plays = [im.rollout(im.clone_policy(net, "confounded", seed=5, sensor_noise=0.004), 4, seed=900)
             for net in (clone, loaded.network)]
    for key in ("episode_actions", "episode_previous"):
        assert all(np.array_equal(a, b) for a, b in zip(plays[0][key], plays[1][key]))
    assert np.array_equal(plays[0]["success"], plays[1]["success"])
    # the generic loader gives the same greedy actions on the clone's features
    from goalmisgen.agents import load_agent

    x = im.features(np.zeros((6, 2)), np.arange(6) % 3, "confounded", np.random.default_rng(0))
    with torch.no_grad():
        expected = clone(torch.from_numpy(x))[0].argmax(1).numpy()
    assert np.array_equal(load_agent(path).act(x, deterministic=True), expected)


def _coinrun_policy_file(tmp_path):
    from goalmisgen.agents import save_policy
    from goalmisgen.agents.networks import make_network

    return save_policy(make_network("mlp", (5, 10, 11), 6, 16), "bc", {}, {}, tmp_path / "mlp.pt", "coinrun", {})


def _junk_file(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"not a checkpoint at all")
    return path


@pytest.mark.parametrize("make, message", [
    (_junk_file, "not a goalmisgen checkpoint"),
    (_coinrun_policy_file, "is not a MountainCar clone"),
], ids=["junk bytes", "a CoinRun policy"])
def test_load_clone_refuses_other_files_with_a_value_error(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        im.load_clone(make(tmp_path))


@pytest.mark.parametrize("call, message", [
    (lambda: im.train_clone(im.demonstrations(1), "previous"), "inputs='previous' is not allowed"),
    (lambda: im.demonstrations(0), "n_episodes=0 is not allowed"),
    (lambda: im.clone_and_evaluate("state", seed=-1), "seed=-1 is not allowed"),
    (lambda: im.train_clone(im.demonstrations(1), "state", epochs=True), "epochs=True is not allowed"),
    (lambda: im.train_clone(im.demonstrations(1), "state", sensor_noise=-0.1), "sensor_noise=-0.1 is not allowed"),
    (lambda: im.dagger("confounded", rounds=-1), "rounds=-1 is not allowed"),
    (lambda: im.dagger("confounded", episodes_per_round=1.5), "episodes_per_round=1.5 is not allowed"),
    (lambda: im.causal_confusion_table(runs=[("dagger2", "state")]), "method='dagger2' is not allowed"),
    (lambda: im.causal_confusion_table(seeds=[0, -2]), "seeds=-2 is not allowed"),
    (lambda: im.causal_confusion_table(seeds=[]), "seeds=\\[\\] is not allowed"),
    (lambda: im.save_clone(im.train_clone(im.demonstrations(1), "state", epochs=1)[0], "confounded", "x.pt"),
     "inputs='confounded' is not allowed for a clone with obs_shape \\(2,\\)"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_dagger_with_no_rounds_is_plain_cloning():
    """Round 0 of DAgger is the plain clone, so the two are paired seed by seed."""
    plain, zero = im.clone_and_evaluate("confounded", seed=1), im.dagger_and_evaluate("confounded", seed=1, rounds=0)
    assert {k: v for k, v in zero.items() if k != "method"} == {k: v for k, v in plain.items() if k != "method"}
