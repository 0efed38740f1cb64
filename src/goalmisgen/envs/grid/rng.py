"""Counter-based random numbers: the same level seed always gives the same level, in any batch.

Procgen draws every level from its own seed. To generate a whole batch of levels with numpy (no
Python loop over levels) we need random numbers that are a pure function of ``(level seed, stream,
index)``. SplitMix64 is such a function: a few multiplies and xor-shifts that scramble a 64-bit
counter into a well-mixed 64-bit value.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM = np.uint64(0xD1B54A32D192ED03)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    z = z ^ (z >> np.uint64(30))
    z = z * _MIX1
    z = z ^ (z >> np.uint64(27))
    z = z * _MIX2
    return z ^ (z >> np.uint64(31))


def uniform(seeds: np.ndarray, stream: int, count: int) -> np.ndarray:
    """Uniform floats in [0, 1), a pure function of (seed, stream, column index).

    Args:
        seeds: (n,) non-negative integer level seeds.
        stream: a small integer naming what the numbers are for (terrain, coin, ...), so that
            changing how one feature is drawn leaves the others unchanged.
        count: how many numbers per seed.

    Returns:
        (n, count) float64 array.
    """
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1, 1)
    with np.errstate(over="ignore"):
        counter = (
            seeds * _GOLDEN
            + np.uint64(stream + 1) * _STREAM
            + np.arange(count, dtype=np.uint64)[None, :] * _GOLDEN
        )
        bits = _splitmix64(_splitmix64(counter))
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)


def choice(seeds: np.ndarray, stream: int, count: int, probs: np.ndarray) -> np.ndarray:
    """Categorical draws with probabilities ``probs``: (n, count) int64 in [0, len(probs))."""
    cdf = np.cumsum(np.asarray(probs, dtype=np.float64))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, uniform(seeds, stream, count), side="right")
