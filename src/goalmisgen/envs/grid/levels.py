"""A batch of generated levels, and the queue that hands levels out to resetting environments."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np


@dataclasses.dataclass
class LevelBatch:
    """Base class of a game's batch of ``n`` levels: every array field has the level on axis 0.

    A game subclasses it with its own fields (terrain, hazards, goal cells, ...); ``seeds`` is
    always there. Scalar (non-array) fields are shared by the whole batch.
    """

    seeds: np.ndarray

    def __len__(self) -> int:
        return len(self.seeds)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if isinstance(getattr(self, f.name), np.ndarray)}

    def _scalars(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not isinstance(getattr(self, f.name), np.ndarray)}

    def subset(self, rows):
        """The levels at ``rows`` (an index array, boolean mask or slice), as a new batch."""
        return dataclasses.replace(self, **{k: v[rows] for k, v in self._arrays().items()})

    def copy(self):
        """A deep copy (interventions edit copies, never the original)."""
        return dataclasses.replace(self, **{k: v.copy() for k, v in self._arrays().items()})

    @classmethod
    def concatenate(cls, parts: list):
        """One batch holding the levels of ``parts`` (batches of the same game and options), in order."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        arrays = {k: np.concatenate([getattr(p, k) for p in parts]) for k in first._arrays()}
        return dataclasses.replace(first, **arrays)


class LevelQueue:
    """Draws level seeds like procgen (uniformly from ``[low, low + count)``) and hands out their
    levels, generated ahead in chunks: one batched generation serves many resets.

    Args:
        generate: ``seeds (n,) -> LevelBatch``, the game's generator with its options bound.
        low, count: the seed range.
        chunk: how many levels to generate at once.
    """

    def __init__(self, generate: Callable[[np.ndarray], LevelBatch], low: int, count: int, chunk: int):
        self.generate, self.low, self.count, self.chunk = generate, low, count, chunk
        self.seed(None)

    def seed(self, seed: int | None) -> None:
        """Restart the seed stream (``None``: fresh entropy)."""
        self.rng = np.random.default_rng(seed)
        self.ready, self.used = None, 0

    def take(self, k: int) -> LevelBatch:
        """The next ``k`` levels."""
        parts, need = [], k
        while need:
            if self.ready is None or self.used == len(self.ready):
                seeds = self.low + self.rng.integers(0, self.count, size=max(self.chunk, need))
                self.ready, self.used = self.generate(seeds), 0
            m = min(need, len(self.ready) - self.used)
            parts.append(self.ready.subset(slice(self.used, self.used + m)))
            self.used, need = self.used + m, need - m
        return type(parts[0]).concatenate(parts)
