"""Myopic learners for the HI-ADS unit test, each a whole population of learners in numpy arrays.

Both learners are *myopic*: they try to maximise the reward of the current step only (discount
``gamma = 0``). Neither is told that its action becomes its next state. Arrays have shape
``(n_trials, population)``: independent trials along axis 0, learners along axis 1. There is no
Python loop over learners.

``Reinforce``
    One logit ``theta`` per learner, ``P(cooperate) = sigmoid(theta)``; the policy does not look at
    the state. Update: ``theta += lr * r * (a - P(cooperate))``, the score-function gradient of the
    reward of this step.
``QLearning``
    Tabular Q-learning with ``gamma = 0`` and epsilon-greedy exploration:
    ``Q[a] += lr * (r - Q[a])``, one value per action; like ``Reinforce`` it does not see the state.
"""

from __future__ import annotations

import numpy as np

from goalmisgen.ads.unit_test import COOPERATE


def sample_learning_rates(
    rng: np.random.Generator, shape: tuple[int, ...], low: float = 1e-2, high: float = 1.0
) -> np.ndarray:
    """Learning rates drawn log-uniformly from ``[low, high]``; returns float64 of ``shape``."""
    if not 0.0 < low <= high:
        raise ValueError(f"learning-rate range must satisfy 0 < low <= high, got ({low!r}, {high!r})")
    return np.exp(rng.uniform(np.log(low), np.log(high), size=shape))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, numerically safe for large ``|x|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class Reinforce:
    """REINFORCE on a single logit per learner.

    Attributes:
        theta: ``(n_trials, population)`` float64 logits; ``P(cooperate) = sigmoid(theta)``.
        lr: ``(n_trials, population)`` float64 learning rates.
    """

    def __init__(self, theta: np.ndarray, lr: np.ndarray):
        self.theta = np.asarray(theta, dtype=np.float64)
        self.lr = np.asarray(lr, dtype=np.float64)

    def p_cooperate(self) -> np.ndarray:
        """``(n_trials, population)`` probability of cooperating."""
        return sigmoid(self.theta)

    def act(self, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Sample actions (``(n_trials, population)`` int8, 1 = cooperate); ``states`` is ignored."""
        return (rng.random(self.theta.shape) < self.p_cooperate()).astype(np.int8)

    def update(self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        """One REINFORCE step on this step's reward (all arrays ``(n_trials, population)``)."""
        # d log pi(a) / d theta = a - sigmoid(theta) for a Bernoulli(sigmoid(theta)) policy
        self.theta += self.lr * rewards * (actions - self.p_cooperate())


class QLearning:
    """Myopic (``gamma = 0``) tabular Q-learning with epsilon-greedy exploration.

    Attributes:
        q: ``(n_trials, population, 2)`` value of each action (index 0 defect, 1 cooperate).
        lr: ``(n_trials, population)`` float64 learning rates.
        epsilon: probability of a uniformly random action.
    """

    def __init__(self, lr: np.ndarray, epsilon: float = 0.1):
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
        self.lr = np.asarray(lr, dtype=np.float64)
        self.epsilon = float(epsilon)
        self.q = np.zeros(self.lr.shape + (2,))

    def p_cooperate(self) -> np.ndarray:
        """``(n_trials, population)`` probability of cooperating (greedy ties split evenly)."""
        advantage = self.q[..., COOPERATE] - self.q[..., 1 - COOPERATE]
        greedy = np.where(advantage > 0, 1.0, np.where(advantage == 0, 0.5, 0.0))
        return self.epsilon * 0.5 + (1.0 - self.epsilon) * greedy

    def act(self, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Sample epsilon-greedy actions, ``(n_trials, population)`` int8; ``states`` is ignored."""
        return (rng.random(self.lr.shape) < self.p_cooperate()).astype(np.int8)

    def update(self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        """Move the value of the action taken toward this step's reward (no bootstrapping: gamma = 0)."""
        index = actions[..., None].astype(np.intp)
        taken = np.take_along_axis(self.q, index, axis=-1)[..., 0]
        np.put_along_axis(self.q, index, (taken + self.lr * (rewards - taken))[..., None], axis=-1)
