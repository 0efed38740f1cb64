"""Causal confusion in behavioural cloning (de Haan et al. 2019) on MountainCar."""

import numpy as np
import pytest

from goalmisgen import imitation as im
from goalmisgen.analysis.stats import paired_difference_ci

SEEDS = range(5)


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
def runs():
    return {inputs: [im.clone_and_evaluate(inputs, seed=s) for s in SEEDS] for inputs in im.INPUTS}


def test_the_confounded_clone_fits_the_expert_better(runs):
    loss = {k: np.array([r["train_loss"] for r in v]) for k, v in runs.items()}
    assert (loss["confounded"] < loss["original"]).all() and (loss["confounded"] < loss["state"]).all()


def test_without_sensor_noise_the_state_alone_suffices():
    """The honest limit of the demonstration: with the true velocity no clone needs the nuisance."""
    free = [im.clone_and_evaluate("state", seed=s, sensor_noise=0.0) for s in range(2)]
    assert all(r["success_rate"] == 1.0 for r in free)


def test_the_confounded_clone_does_worse_in_closed_loop_and_masking_the_nuisance_fixes_it(runs):
    success = {k: np.array([r["success_rate"] for r in v]) for k, v in runs.items()}
    diff = paired_difference_ci(success["state"], success["confounded"], seed=0)
    assert diff["ci_low"] > 0, (success, diff)
    assert success["state"].mean() >= 0.8


@pytest.mark.parametrize("call, message", [
    (lambda: im.train_clone(im.demonstrations(1), "previous"), "inputs='previous' is not allowed"),
    (lambda: im.demonstrations(0), "n_episodes=0 is not allowed"),
    (lambda: im.clone_and_evaluate("state", seed=-1), "seed=-1 is not allowed"),
    (lambda: im.train_clone(im.demonstrations(1), "state", epochs=True), "epochs=True is not allowed"),
    (lambda: im.train_clone(im.demonstrations(1), "state", sensor_noise=-0.1), "sensor_noise=-0.1 is not allowed"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
