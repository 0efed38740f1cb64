"""Linear probes: can a layer's activations tell a property of the state by a linear rule?

A probe is a linear classifier (ridge regression onto the one-hot label, one linear solve) from a
layer's activations to a label,
fitted on the states of some levels and scored on the states of *other* levels (``split_levels``),
so that it cannot pass by remembering levels. Two controls come with every probe:

* **shuffled labels**: the same probe fitted on the training labels shuffled, scored on the true
  test labels; it shows what a probe reaches by fitting noise and by guessing the common class;
* **a random-weights network** (``random_network_like``): the same shape with fresh initial
  weights; it shows what a layer encodes because of its input rather than because of training.

The fit is closed-form least squares on standardized features in numpy (no scikit-learn needed),
so a probe on a few thousand states takes milliseconds.
"""

from __future__ import annotations

import numpy as np
import torch

from goalmisgen.agents.networks import make_network
from goalmisgen.validation import check_float, check_seed


class LinearProbe:
    """A fitted linear probe: features (N, D) -> classes.

    Attributes:
        classes: (K,) the label values it knows, sorted.
        weight: (D, K) and bias (K,) on standardized features; mean, scale: (D,) the standardization.
    """

    def __init__(self, classes, weight, bias, mean, scale):
        self.classes, self.weight, self.bias, self.mean, self.scale = classes, weight, bias, mean, scale

    def predict(self, features) -> np.ndarray:
        """(N,) predicted labels of (N, D) features."""
        x = (np.asarray(features, dtype=np.float32) - self.mean) / self.scale
        return self.classes[np.argmax(x @ self.weight + self.bias, axis=1)]

    def accuracy(self, features, labels) -> float:
        """Share of rows whose label the probe predicts."""
        return float(np.mean(self.predict(features) == np.asarray(labels)))


def _check_xy(features, labels) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(features, dtype=np.float32)
    y = np.asarray(labels)
    if x.ndim != 2 or len(x) == 0 or not np.isfinite(x).all():
        raise ValueError(f"features of shape {x.shape} are not allowed: features must be a finite (N, D) array, N >= 1")
    if y.shape != (len(x),):
        raise ValueError(f"labels of shape {y.shape} are not allowed: labels must be (N,) = ({len(x)},)")
    return x, y


def fit_probe(features, labels, l2: float = 1.0) -> LinearProbe:
    """Fit a linear probe: ridge regression of each class's one-hot target on the standardized
    features (one linear solve, closed form); the class with the largest output is predicted.

    Args:
        features: (N, D) activations.
        labels: (N,) labels (any values; at least two distinct).
        l2: the ridge penalty (on standardized features, relative to N = 1000 states).

    Returns:
        a ``LinearProbe``.
    """
    x, y = _check_xy(features, labels)
    l2 = check_float("l2", l2, low=0.0)
    classes, target = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"labels have one value ({classes[0]!r}) only: a probe needs at least two classes")
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = ((x - mean) / scale).astype(np.float64)
    onehot = np.eye(len(classes))[target]
    bias = onehot.mean(axis=0)
    gram = z.T @ z + (l2 * len(z) / 1000) * np.eye(z.shape[1])
    weight = np.linalg.solve(gram, z.T @ (onehot - bias))
    return LinearProbe(classes, weight.astype(np.float32), bias.astype(np.float32), mean, scale)


def split_levels(levels, test_share: float = 0.5, seed: int = 0) -> np.ndarray:
    """(N,) bool: True for the states whose level is in the test half.

    Args:
        levels: (N,) the level of each state; whole levels go to one side.
        test_share: share of the levels held out for testing.
        seed: seed of the split.
    """
    levels = np.asarray(levels)
    test_share = check_float("test_share", test_share, low=0.0, high=1.0, low_open=True, high_open=True)
    unique = np.unique(levels)
    if len(unique) < 2:
        raise ValueError(f"states from {len(unique)} level(s) cannot be split by level: at least 2 are needed")
    rng = np.random.default_rng(check_seed(seed))
    n_test = min(max(1, round(test_share * len(unique))), len(unique) - 1)
    test = rng.choice(unique, size=n_test, replace=False)
    return np.isin(levels, test)


def probe_levels(features, labels, levels, test, shuffled: bool = False, seed: int = 0, l2: float = 1.0) -> dict:
    """Fit a probe on the states not in ``test`` and score it on the held-out states, level by level.

    Args:
        features: (N, D) activations; labels: (N,); levels: (N,) level of each state.
        test: (N,) bool, the held-out states (``split_levels``).
        shuffled: fit on the training labels shuffled (the shuffled-label control).
        seed: seed of the shuffle.

    Returns:
        {"accuracy": share of held-out states predicted, "majority": share of the held-out states
        in the commonest training class, "test_levels": (L,) the held-out levels, "level_accuracy":
        (L,) each one's share predicted}.
    """
    x, y = _check_xy(features, labels)
    test = np.asarray(test, dtype=bool)
    levels = np.asarray(levels)
    if test.shape != y.shape or levels.shape != y.shape or test.all() or not test.any():
        raise ValueError("test and levels must be (N,) like labels, with states on both sides of the split")
    train_y = y[~test]
    if shuffled:
        train_y = np.random.default_rng(check_seed(seed)).permutation(train_y)
    probe = fit_probe(x[~test], train_y, l2=l2)
    correct = probe.predict(x[test]) == y[test]
    values, counts = np.unique(train_y, return_counts=True)
    test_levels, inverse = np.unique(levels[test], return_inverse=True)
    per_level = np.bincount(inverse, weights=correct) / np.bincount(inverse)
    return {"accuracy": float(correct.mean()), "majority": float(np.mean(y[test] == values[np.argmax(counts)])),
            "test_levels": test_levels, "level_accuracy": per_level}


def random_network_like(network: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """A network of the same kind and shape as ``network`` with freshly initialized weights
    (the package's initialization, seeded by ``seed``), in eval mode."""
    for attr in ("name", "obs_shape", "num_actions", "hidden"):
        if not hasattr(network, attr):
            raise ValueError(f"network {type(network).__name__} has no {attr!r}: pass a network built by make_network")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        fresh = make_network(network.name, network.obs_shape, network.num_actions, network.hidden)
    return fresh.eval()
