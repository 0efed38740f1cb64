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
in closed loop alike), while the expert acted on the true velocity, so the expert's action cannot
be read off the clone's view of the state exactly. Without that noise the expert's rule (the sign of
the velocity) is so easy to learn from the state that no clone needs the previous action, and the
confusion does not appear.

This is a version *after* de Haan et al., not their setup: their MountainCar expert is a trained
DQN policy and their clones see the exact state; ours is the one-line rule above, and the sensor
noise is our addition, needed for the effect to appear at all.

Inputs a clone may see (``INPUTS``), the three of de Haan et al.'s MountainCar code:

==============  ==================================================================
``confounded``  (position, velocity, previous action one-hot): the nuisance is in
``original``    (position, velocity, a random action one-hot): the same width, no information
``state``       (position, velocity): the nuisance masked out (the fix a targeted intervention finds)
==============  ==================================================================

Masking the nuisance needs someone to know which feature is the nuisance. **DAgger** (Ross, Gordon
and Bagnell 2011, de Haan et al.'s comparison) needs only an expert who can be asked: let the clone
drive, label every state it visits with the expert's action, add these samples to the data and
train again (``dagger``). In the added samples the previous action is the clone's own, and where
the clone kept pushing the wrong way the expert's label disagrees with it, so on the aggregated
data "repeat the previous action" predicts the label less well and the clone leans more on the
velocity. ``nuisance_effect`` measures the leaning by intervention (swap the previous action,
hold the state, count changed actions): DAgger lowers it without removing it. The control
``"bc-more-data"`` (as many expert episodes as DAgger plays in all) tells more data apart from
data from the clone's own states. ``causal_confusion_table`` runs every method on every seed,
one row each.

Clones save and load through the package's checkpoint format (``goalmisgen.agents.checkpoint``):
the network is the registered ``"clone"`` (``ClonePolicy``, whose standardization is saved with the
weights), ``save_clone`` writes algorithm "bc", env "mountaincar" and env_options {"inputs",
"sensor_noise"}, and ``load_clone`` reads it back with ``torch.load(weights_only=True)`` only.

Example:
    >>> from goalmisgen.imitation import clone_and_evaluate, dagger_and_evaluate
    >>> clone_and_evaluate("confounded", seed=0)["success_rate"], clone_and_evaluate("state", seed=0)["success_rate"]
    >>> dagger_and_evaluate("confounded", seed=0)["success_rate"]
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from goalmisgen.agents.networks import ClonePolicy, make_network
from goalmisgen.validation import check_choice, check_float, check_int, check_seed

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
    seed = check_seed(seed)
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
    seed = check_seed(seed)
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


def nuisance_effect(clone: ClonePolicy, inputs: str, seed: int = 0, n_episodes: int = 5,
                    sensor_noise: float = SENSOR_NOISE) -> float:
    """How much the clone's action depends on the previous action, by intervention: on the states
    of ``n_episodes`` expert episodes (start seeds ``1000 * seed + 700, ...``, never used for
    training), the share of states where the greedy action differs between "the previous action
    was push left" and "... push right", the sensor noise held fixed. For "original" the same
    intervention on the random-action slot; 0.0 for "state" (the clone cannot see the previous
    action). A float in [0, 1]; 0.0 for a clone that ignores the slot."""
    inputs = check_choice("inputs", inputs, INPUTS)
    seed = check_seed(seed)
    sensor_noise = check_float("sensor_noise", sensor_noise, low=0.0)
    if inputs == "state":
        return 0.0
    obs = demonstrations(n_episodes, seed=1000 * seed + 700).obs
    pushed_left = features(obs, np.zeros(len(obs), dtype=np.int64), "confounded", np.random.default_rng(seed), sensor_noise)
    pushed_right = pushed_left.copy()
    pushed_right[:, 2:] = np.eye(NUM_ACTIONS, dtype=np.float32)[2]  # the same noisy state, the other previous action
    with torch.no_grad():
        left, right = (clone(torch.from_numpy(x))[0].argmax(1) for x in (pushed_left, pushed_right))
    return float((left != right).float().mean())


def evaluate_clone(clone: ClonePolicy, inputs: str, seed: int = 0, n_eval_episodes: int = 20,
                   sensor_noise: float = SENSOR_NOISE) -> dict:
    """Play ``clone`` in closed loop on ``n_eval_episodes`` episodes from the start seeds
    ``1000 * seed + 500, ...`` (never used for training), its sensor noise drawn from ``seed``.
    Returns {"successes", "n_episodes", "success_rate", "mean_steps", "nuisance_effect"} (the last
    from ``nuisance_effect``)."""
    inputs = check_choice("inputs", inputs, INPUTS)
    seed = check_seed(seed)
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, low=1, high=10_000)
    sensor_noise = check_float("sensor_noise", sensor_noise, low=0.0)
    play = rollout(clone_policy(clone, inputs, seed, sensor_noise), n_eval_episodes, seed=1000 * seed + 500)
    return {"successes": int(play["success"].sum()), "n_episodes": n_eval_episodes,
            "success_rate": float(play["success"].mean()), "mean_steps": float(play["steps"].mean()),
            "nuisance_effect": nuisance_effect(clone, inputs, seed, sensor_noise=sensor_noise)}


def clone_and_evaluate(inputs: str, seed: int = 0, n_demo_episodes: int = 3, n_eval_episodes: int = 20,
                       sensor_noise: float = SENSOR_NOISE) -> dict:
    """One run: demonstrations from start seeds ``1000 * seed ...`` (about 360 samples from 3
    episodes, like de Haan et al.'s 300), a clone on ``inputs``, and ``n_eval_episodes`` closed-loop
    episodes from other starts (``evaluate_clone``). Returns {"method": "bc", "inputs", "seed",
    "train_loss", "n_samples", "successes", "n_episodes", "success_rate", "mean_steps",
    "nuisance_effect"}."""
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, low=1, high=10_000)
    demos = demonstrations(n_demo_episodes, seed=1000 * check_seed(seed))
    clone, loss = train_clone(demos, inputs, seed=seed, sensor_noise=sensor_noise)
    return {"method": "bc", "inputs": inputs, "seed": seed, "train_loss": loss, "n_samples": int(len(demos.actions)),
            **evaluate_clone(clone, inputs, seed, n_eval_episodes, sensor_noise)}


# ---------------------------------------------------------------- DAgger


def dagger(inputs: str, seed: int = 0, rounds: int = 1, episodes_per_round: int = 3, n_demo_episodes: int = 3,
           epochs: int = 300, sensor_noise: float = SENSOR_NOISE) -> tuple[ClonePolicy, Demonstrations, list[float]]:
    """DAgger (Ross, Gordon and Bagnell 2011): let the clone drive, ask the expert what it should
    have done, and learn from that.

    Round 0 is plain behavioural cloning on ``n_demo_episodes`` expert episodes (start seeds
    ``1000 * seed ...``, as in ``clone_and_evaluate``). Each later round plays the current clone in
    closed loop on ``episodes_per_round`` episodes (start seeds ``1000 * seed + 100 + 20 * (round - 1)
    ...``, apart from the demonstration and evaluation starts), labels every visited state with
    ``expert_action`` on the true state, adds these samples to the data and trains a fresh clone
    (``train_clone``, same seed) on all of it. The previous action in the added samples is the
    clone's own, so wherever the clone repeated itself wrongly the label disagrees with it: on
    the aggregated data "repeat the previous action" predicts the expert less well. This is the
    simplest DAgger, with the expert never driving after round 0 (Ross et al.'s beta = 0).

    Returns:
        (the last clone, the aggregated data (N samples), training loss after each round
        (rounds + 1,), round 0 first).
    """
    inputs = check_choice("inputs", inputs, INPUTS)
    seed = check_seed(seed)
    rounds = check_int("rounds", rounds, low=0, high=20)
    episodes_per_round = check_int("episodes_per_round", episodes_per_round, low=1, high=20)
    sensor_noise = check_float("sensor_noise", sensor_noise, low=0.0)
    data = demonstrations(n_demo_episodes, seed=1000 * seed)
    clone, loss = train_clone(data, inputs, seed=seed, epochs=epochs, sensor_noise=sensor_noise)
    losses = [loss]
    for r in range(1, rounds + 1):
        policy = clone_policy(clone, inputs, seed=1000 * seed + r, sensor_noise=sensor_noise)
        play = rollout(policy, episodes_per_round, seed=1000 * seed + 100 + 20 * (r - 1))
        visited = np.concatenate(play["episode_obs"])
        data = Demonstrations(np.concatenate([data.obs, visited]),
                              np.concatenate([data.actions, expert_action(visited)]),
                              np.concatenate([data.previous, np.concatenate(play["episode_previous"])]))
        clone, loss = train_clone(data, inputs, seed=seed, epochs=epochs, sensor_noise=sensor_noise)
        losses.append(loss)
    return clone, data, losses


def dagger_and_evaluate(inputs: str, seed: int = 0, rounds: int = 1, episodes_per_round: int = 3,
                        n_demo_episodes: int = 3, n_eval_episodes: int = 20, sensor_noise: float = SENSOR_NOISE) -> dict:
    """``dagger`` then ``evaluate_clone`` on the same evaluation starts as ``clone_and_evaluate``
    (so the two are paired by seed). Returns the keys of ``clone_and_evaluate`` with "method":
    "dagger"; "train_loss" is the last round's loss on the aggregated data, "n_samples" its size."""
    clone, data, losses = dagger(inputs, seed, rounds, episodes_per_round, n_demo_episodes, sensor_noise=sensor_noise)
    return {"method": "dagger", "inputs": inputs, "seed": seed, "train_loss": losses[-1], "n_samples": int(len(data.actions)),
            **evaluate_clone(clone, inputs, seed, n_eval_episodes, sensor_noise)}


METHODS = ("bc", "bc-more-data", "dagger")
"""How a clone is trained: "bc" on ``n_demo_episodes`` expert episodes; "bc-more-data" on as many
expert episodes as DAgger plays in all (``n_demo_episodes + rounds * episodes_per_round``), the
control for DAgger's larger data set; "dagger" (``dagger``)."""
DEFAULT_RUNS = (("bc", "confounded"), ("bc", "original"), ("bc", "state"), ("bc-more-data", "confounded"),
                ("dagger", "confounded"))


def causal_confusion_table(seeds=range(5), runs=DEFAULT_RUNS, rounds: int = 1, episodes_per_round: int = 3,
                           n_demo_episodes: int = 3, n_eval_episodes: int = 20, sensor_noise: float = SENSOR_NOISE):
    """Every (method, inputs) of ``runs`` on every seed, one row each: a pandas DataFrame with
    columns method, inputs, seed, train_loss, n_samples, successes, n_episodes, success_rate,
    mean_steps, nuisance_effect (len(runs) * len(seeds) rows). Runs with the same seed share their
    expert demonstrations and evaluation starts, so differences between them are paired by seed.

    About 1 s per row for "bc" and 2 s for "dagger" with one round, on one core: the default table
    (25 rows) takes 20 to 35 s.
    """
    import pandas as pd

    seeds = [check_int("seeds", s, low=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds=[] is not allowed: seeds must hold at least one seed")
    runs = [tuple(run) for run in runs]
    for run in runs:
        if len(run) != 2:
            raise ValueError(f"runs holds {run!r}: each run must be a pair (method, inputs)")
        check_choice("method", run[0], METHODS)
        check_choice("inputs", run[1], INPUTS)
    rounds = check_int("rounds", rounds, low=0, high=20)
    episodes_per_round = check_int("episodes_per_round", episodes_per_round, low=1, high=20)
    n_demo_episodes = check_int("n_demo_episodes", n_demo_episodes, low=1, high=10_000)
    rows = []
    for method, inputs in runs:
        for seed in seeds:
            if method == "dagger":
                rows.append(dagger_and_evaluate(inputs, seed, rounds, episodes_per_round, n_demo_episodes,
                                                n_eval_episodes, sensor_noise))
                continue
            n_episodes = n_demo_episodes + (rounds * episodes_per_round if method == "bc-more-data" else 0)
            rows.append({**clone_and_evaluate(inputs, seed, n_episodes, n_eval_episodes, sensor_noise), "method": method})
    columns = ["method", "inputs", "seed", "train_loss", "n_samples", "successes", "n_episodes", "success_rate", "mean_steps",
               "nuisance_effect"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- checkpoints


CHECKPOINT_ENV = "mountaincar"


@dataclass
class LoadedClone:
    """A clone read back by ``load_clone``: ``network`` (the ``ClonePolicy``, eval mode), the
    ``inputs`` and ``sensor_noise`` it was trained with, its ``metrics`` and ``config`` (dicts)."""

    network: ClonePolicy
    inputs: str
    sensor_noise: float
    metrics: dict
    config: dict


def _input_width(inputs: str) -> int:
    return 2 if inputs == "state" else 2 + NUM_ACTIONS


def save_clone(clone: ClonePolicy, inputs: str, path, sensor_noise: float = SENSOR_NOISE,
               metrics: dict | None = None, config: dict | None = None):
    """Write ``clone`` in the package's checkpoint format (``goalmisgen.agents.checkpoint``,
    algorithm "bc", env "mountaincar", env_options {"inputs", "sensor_noise"}); returns the path.

    Args:
        clone: a network from ``train_clone`` or ``dagger`` (obs_shape (2,) for "state", (5,) otherwise).
        inputs: the inputs it was trained on (``INPUTS``).
        path: where to write.
        sensor_noise: the sensor noise it was trained with (it reads its inputs through it).
        metrics: name -> number, e.g. {"train_loss": ..., "success_rate": ...}.
        config: how it was trained, e.g. {"method": "dagger", "seed": 0, "rounds": 1}.
    """
    from goalmisgen.agents.checkpoint import save_policy

    inputs = check_choice("inputs", inputs, INPUTS)
    sensor_noise = check_float("sensor_noise", sensor_noise, low=0.0)
    if not isinstance(clone, ClonePolicy):
        raise ValueError(f"clone={type(clone).__name__} is not allowed: clone must be a ClonePolicy (from train_clone or dagger)")
    if clone.obs_shape != (_input_width(inputs),):
        raise ValueError(f"inputs={inputs!r} is not allowed for a clone with obs_shape {clone.obs_shape}: "
                         f"{inputs!r} gives {_input_width(inputs)} features")
    return save_policy(clone, "bc", config or {}, metrics or {}, path, CHECKPOINT_ENV,
                       {"inputs": inputs, "sensor_noise": sensor_noise})


def load_clone(path) -> LoadedClone:
    """Read a clone written by ``save_clone`` (``load_agent``: ``torch.load(weights_only=True)``,
    the network rebuilt from its registered name and checked against the stored shapes).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a goalmisgen checkpoint, is malformed, or holds another kind
            of agent (not a "bc" clone of MountainCar with valid inputs).
    """
    from goalmisgen.agents.checkpoint import load_agent

    agent = load_agent(path)
    options = agent.env_options
    inputs, noise = options.get("inputs"), options.get("sensor_noise")
    if (agent.algorithm != "bc" or agent.env != CHECKPOINT_ENV or not isinstance(agent.policy, ClonePolicy)
            or inputs not in INPUTS or agent.obs_shape != (_input_width(inputs),)
            or isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < float("inf")):
        raise ValueError(f"{path} is not a MountainCar clone: it holds algorithm={agent.algorithm!r}, env={agent.env!r}, "
                         f"network={agent.policy.name!r}, obs_shape={agent.obs_shape}, env_options={options}; "
                         f"load_clone needs what save_clone writes")
    config = agent.config if isinstance(agent.config, dict) else {}
    return LoadedClone(agent.policy, inputs, float(noise), dict(agent.metrics), config)
