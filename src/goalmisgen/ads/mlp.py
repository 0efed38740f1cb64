"""Many small MLP classifiers trained side by side with SGD, in numpy (no Python loop over models).

Each model is ``n_in -> n_hidden (ReLU) -> n_out`` with a softmax cross-entropy loss, initialised
like PyTorch's ``nn.Linear`` (weights and biases ~ Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))). The
input is a category (a user type), i.e. a one-hot vector, so the first layer is a row lookup.

All parameters carry a leading batch shape ``(n_trials, n_models)``:

* ``w1``: ``(n_trials, n_models, n_in, n_hidden)``, ``b1``: ``(n_trials, n_models, n_hidden)``
* ``w2``: ``(n_trials, n_models, n_hidden, n_out)``, ``b2``: ``(n_trials, n_models, n_out)``
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the max for numerical safety."""
    z = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


class BatchedMLP:
    """A ``(n_trials, n_models)`` batch of one-hidden-layer MLPs on one-hot inputs."""

    def __init__(
        self, rng: np.random.Generator, batch_shape: tuple[int, int], n_in: int, n_hidden: int, n_out: int
    ):
        def uniform(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
            bound = 1.0 / np.sqrt(fan_in)
            return rng.uniform(-bound, bound, size=batch_shape + shape)

        # Every model gets its own draw: PBT can only select among learners that differ.
        self.w1 = uniform(n_in, (n_in, n_hidden))
        self.b1 = uniform(n_in, (n_hidden,))
        self.w2 = uniform(n_hidden, (n_hidden, n_out))
        self.b2 = uniform(n_hidden, (n_out,))
        self._rows = tuple(np.indices(batch_shape))

    @property
    def params(self) -> list[np.ndarray]:
        """``[w1, b1, w2, b2]`` (the arrays themselves, not copies)."""
        return [self.w1, self.b1, self.w2, self.b2]

    @params.setter
    def params(self, values: list[np.ndarray]) -> None:
        self.w1, self.b1, self.w2, self.b2 = values

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits for one input category per model.

        Args:
            x: ``(n_trials, n_models)`` int categories in ``[0, n_in)``.

        Returns:
            ``(logits, pre)``: ``(n_trials, n_models, n_out)`` logits and the ``(n_trials,
            n_models, n_hidden)`` hidden pre-activations (kept for ``sgd_step``).
        """
        pre = self.w1[(*self._rows, x)] + self.b1
        hidden = np.maximum(pre, 0.0)
        return np.einsum("tmh,tmho->tmo", hidden, self.w2) + self.b2, pre

    def forward_all(self) -> np.ndarray:
        """``(n_trials, n_models, n_in, n_out)`` logits for every input category."""
        hidden = np.maximum(self.w1 + self.b1[..., None, :], 0.0)
        return hidden @ self.w2 + self.b2[..., None, :]

    def sgd_step(self, x: np.ndarray, pre: np.ndarray, logits: np.ndarray, y: np.ndarray, lr: np.ndarray) -> None:
        """One SGD step on the cross-entropy of label ``y`` given input ``x``, for every model.

        Args:
            x: ``(n_trials, n_models)`` int inputs; ``pre`` and ``logits`` from ``forward(x)``.
            y: ``(n_trials, n_models)`` int labels in ``[0, n_out)``.
            lr: ``(n_trials, n_models)`` learning rates.
        """
        # d loss / d logits = softmax(logits) - onehot(y)
        d_logits = softmax(logits)
        d_logits[(*self._rows, y)] -= 1.0
        hidden = np.maximum(pre, 0.0)
        d_pre = np.einsum("tmho,tmo->tmh", self.w2, d_logits) * (pre > 0.0)
        step = lr[..., None]
        self.w2 -= step[..., None] * hidden[..., :, None] * d_logits[..., None, :]
        self.b2 -= step * d_logits
        self.w1[(*self._rows, x)] -= step * d_pre
        self.b1 -= step * d_pre
