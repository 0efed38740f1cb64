"""Causal confusion in imitation (de Haan, Jayaraman and Levine 2019), on Gymnasium's MountainCar.

Behavioural cloning fits a policy to an expert's (observation, action) pairs by supervised
learning. If the observation holds a *nuisance* feature that predicts the expert's action without
causing it, the clone may lean on the nuisance. De Haan et al.'s example: append the **previous
action** to the state. The expert rarely changes its action from one step to the next, so "repeat
the previous action" predicts almost every label, and the clone's training loss is lower than
without it. In closed loop the previous action is the clone's own: a clone that repeats itself never
turns round, and fails.

The task (``MountainCar-v0``): a car in a valley must rock back and forth to reach the flag on the
right hill; observation (position, velocity); actions 0 push left, 1 no push, 2 push right;
reward -1 per step; the episode ends at the flag or after 200 steps. The expert pushes in the
direction the car moves (``expert_action``), which reaches the flag from every start.

The clone reads the velocity through a noisy sensor (``SENSOR_NOISE``, Gaussian, in training and
in closed loop alike), while the expert acted on the true velocity: as in de Haan et al.'s tasks,
the expert's action cannot be read off the clone's view of the state exactly. Without that noise
the expert's rule (the sign of the velocity) is so easy to learn from the state that no clone
needs the previous action, and the confusion does not appear.

Inputs a clone may see (``INPUTS``), as in de Haan et al.'s released MountainCar code:

==============  ==================================================================
``confounded``  (position, velocity, previous action one-hot): the nuisance is in
``original``    (position, velocity, a random action one-hot): the same width, no information
``state``       (position, velocity): the nuisance masked out (the fix a targeted intervention finds)
==============  ==================================================================

Example:
    >>> from goalmisgen.imitation import clone_and_evaluate
    >>> clone_and_evaluate("confounded", seed=0)["success_rate"], clone_and_evaluate("state", seed=0)["success_rate"]
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from goalmisgen.agents.networks import ClonePolicy, make_network
from goalmisgen.validation import check_choice, check_float, check_int

INPUTS = ("confounded", "original", "state")
NUM_ACTIONS = 3
NOOP = 1
ENV_ID = "MountainCar-v0"
SENSOR_NOISE = 0.005
"""Standard deviation of the noise on the velocity the clone reads (velocities lie in [-0.07, 0.07])."""
HIDDEN = 50
"""Width of the clone's two hidden layers, as in de Haan et al."""


def expert_action(obs: np.ndarray) -> np.ndarray:
    """The expert: push in the direction the car is moving (right when at rest). (n, 2) -> (n,)."""
    obs = np.asarray(obs, dtype=np.float64).reshape(-1, 2)
    return np.where(obs[:, 1] >= 0, 2, 0).astype(np.int64)


@dataclass
class Demonstrations:
    """Expert play: ``obs`` (N, 2) float32 (position, velocity), ``actions`` (N,) int64 and
    ``previous`` (N,) int64 the action taken one step before (NOOP at an episode's start)."""

    obs: np.ndarray
    actions: np.ndarray
    previous: np.ndarray


def _make_envs(n: int, seed: int) -> tuple[list[gym.Env], np.ndarray]:
    envs = [gym.make(ENV_ID) for _ in range(n)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    return envs, obs


def rollout(policy, n_episodes: int, seed: int) -> dict:
    """Play ``n_episodes`` episodes (start states from ``seed``, ``seed + 1``, ...) in lockstep.

    Args:
        policy: ``(obs (n, 2), previous actions (n,)) -> actions (n,)``.

    Returns:
        {"obs", "actions", "previous"}: lists of arrays over the steps played, per episode
        ("episode_obs" etc. as lists of per-episode arrays), "success" (n,) bool (flag reached),
        "steps" (n,) int.
    """
    envs, obs = _make_envs(n_episodes, seed)
    previous = np.full(n_episodes, NOOP, dtype=np.int64)
    active = np.ones(n_episodes, dtype=bool)
    success = np.zeros(n_episodes, dtype=bool)
    steps = np.zeros(n_episodes, dtype=np.int64)
    trace = [([], [], []) for _ in range(n_episodes)]
    while active.any():
        ids = np.flatnonzero(active)
        actions = np.asarray(policy(obs[ids], previous[ids]), dtype=np.int64)
        for i, a in zip(ids, actions):
            trace[i][0].append(obs[i].copy())
            trace[i][1].append(int(a))
            trace[i][2].append(int(previous[i]))
            obs[i], _, terminated, truncated, _ = envs[i].step(int(a))
            steps[i] += 1
            previous[i] = a
            if terminated or truncated:
                active[i], success[i] = False, bool(terminated)
    for env in envs:
        env.close()
    return {"episode_obs": [np.array(t[0], dtype=np.float32) for t in trace],
            "episode_actions": [np.array(t[1], dtype=np.int64) for t in trace],
            "episode_previous": [np.array(t[2], dtype=np.int64) for t in trace],
            "success": success, "steps": steps}


def demonstrations(n_episodes: int = 3, seed: int = 0) -> Demonstrations:
    """Expert play on ``n_episodes`` episodes (about 100 to 120 steps each)."""
    n_episodes = check_int("n_episodes", n_episodes, low=1, high=10_000)
    seed = check_int("seed", seed, low=0)
    play = rollout(lambda obs, prev: expert_action(obs), n_episodes, seed)
    return Demonstrations(np.concatenate(play["episode_obs"]), np.concatenate(play["episode_actions"]),
                          np.concatenate(play["episode_previous"]))


def features(obs: np.ndarray, previous: np.ndarray, inputs: str, rng: np.random.Generator,
             sensor_noise: float = SENSOR_NOISE) -> np.ndarray:
    """The clone's input for ``inputs`` (see ``INPUTS``), the velocity read with Gaussian noise of
    standard deviation ``sensor_noise``: (n, 2) or (n, 5) float32."""
    obs = np.array(obs, dtype=np.float32).reshape(-1, 2)
    obs[:, 1] += rng.normal(0.0, sensor_noise, size=len(obs)).astype(np.float32)
    if inputs == "state":
        return obs
    extra = previous if inputs == "confounded" else rng.integers(0, NUM_ACTIONS, size=len(obs))
    return np.concatenate([obs, np.eye(NUM_ACTIONS, dtype=np.float32)[extra]], axis=1)


def train_clone(demos: Demonstrations, inputs: str, seed: int = 0, epochs: int = 300, learning_rate: float = 3e-3,
                sensor_noise: float = SENSOR_NOISE) -> tuple[ClonePolicy, float]:
    """Fit a clone to the expert's actions by full-batch cross-entropy (one torch thread: the
    network is tiny).

    The clone is the registered network "clone" (``ClonePolicy``: tanh MLP [d, 50, 50, 3] as in
    de Haan et al., d = 5 for "confounded" and "original", 2 for "state"), with the inputs
    standardized by the training set's mean and spread (buffers, saved with the weights).

    Args:
        demos: N samples of (obs, previous action) and the expert's action.
        inputs: one of ``INPUTS``.

    Returns:
        (the clone in eval mode, its final training loss in nats per sample).
    """
    inputs = check_choice("inputs", inputs, INPUTS)
    seed = check_int("seed", seed, low=0)
    epochs = check_int("epochs", epochs, low=1, high=100_000)
    learning_rate = check_float("learning_rate", learning_rate, low=0.0, low_open=True)
    sensor_noise = check_float("sensor_noise", sensor_noise, low=0.0)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x = torch.from_numpy(features(demos.obs, demos.previous, inputs, np.random.default_rng(seed), sensor_noise))
    y = torch.from_numpy(demos.actions)
    clone = make_network("clone", (x.shape[1],), NUM_ACTIONS, HIDDEN)
    clone.mean.copy_(x.mean(0))
    clone.scale.copy_(x.std(0).clamp_min(1e-6))
    optimizer = torch.optim.Adam(clone.parameters(), lr=learning_rate)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(clone(x)[0], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = float(nn.functional.cross_entropy(clone(x)[0], y))
    return clone.eval(), final


def clone_policy(clone: ClonePolicy, inputs: str, seed: int = 0, sensor_noise: float = SENSOR_NOISE):
    """The clone as a policy for ``rollout``: ``(obs (n, 2), previous (n,)) -> actions (n,)``,
    greedy on the clone's own inputs (in closed loop the previous action is the clone's own); the
    sensor noise is drawn from ``seed``."""
    rng = np.random.default_rng(seed)

    def act(obs, previous):
        with torch.no_grad():
            return clone(torch.from_numpy(features(obs, previous, inputs, rng, sensor_noise)))[0].argmax(1).numpy()

    return act


def clone_and_evaluate(inputs: str, seed: int = 0, n_demo_episodes: int = 3, n_eval_episodes: int = 20,
                       sensor_noise: float = SENSOR_NOISE) -> dict:
    """One run: demonstrations from start seeds ``1000 * seed ...`` (about 360 samples from 3
    episodes, like de Haan et al.'s 300), a clone on ``inputs``, and ``n_eval_episodes`` closed-loop
    episodes from other starts. Returns {"inputs", "seed", "train_loss", "n_samples", "successes",
    "n_episodes", "success_rate", "mean_steps"}."""
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, low=1, high=10_000)
    demos = demonstrations(n_demo_episodes, seed=1000 * check_int("seed", seed, low=0))
    clone, loss = train_clone(demos, inputs, seed=seed, sensor_noise=sensor_noise)
    play = rollout(clone_policy(clone, inputs, seed, sensor_noise), n_eval_episodes, seed=1000 * seed + 500)
    return {"inputs": inputs, "seed": seed, "train_loss": loss, "n_samples": int(len(demos.actions)),
            "successes": int(play["success"].sum()), "n_episodes": n_eval_episodes,
            "success_rate": float(play["success"].mean()), "mean_steps": float(play["steps"].mean())}
