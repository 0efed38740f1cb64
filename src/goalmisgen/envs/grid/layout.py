"""Layout fingerprints: has a training run already met the layout of an evaluation level?

Held-out *seeds* are not enough for the claim "it succeeds on levels it has never seen": two seeds
can generate the same layout. A game lists the arrays that shape play (terrain, hazards, moving
things and their phase, goal objects); two levels have the same layout when all of them are
equal. Comparison is exact (the raw bytes of each level's arrays), not a hash that could collide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def layout_keys(arrays: dict[str, np.ndarray]) -> list[bytes]:
    """One bytes key per level from arrays that all have the level on axis 0 (n, ...)."""
    parts = []
    for name in sorted(arrays):
        a = np.asarray(arrays[name])
        flat = a.reshape(len(a), -1)
        flat = np.packbits(flat, axis=1) if flat.dtype == bool else flat.astype(np.int16)
        parts.append(np.ascontiguousarray(flat).view(np.uint8).reshape(len(a), -1))
    joined = np.ascontiguousarray(np.concatenate(parts, axis=1))
    return [row.tobytes() for row in joined]


@dataclass
class LayoutOverlap:
    """How many evaluation levels have a layout that also occurs among the training levels.

    Attributes:
        n_eval: evaluation levels compared.
        n_seen: of those, levels whose layout occurs among the training levels.
        n_train_levels: training levels compared (episodes, counting repeats).
        n_train_layouts: distinct layouts among them.
    """

    n_eval: int
    n_seen: int
    n_train_levels: int
    n_train_layouts: int

    @property
    def fraction(self) -> float:
        """Share of evaluation levels whose layout training met."""
        return self.n_seen / self.n_eval if self.n_eval else float("nan")


def overlap(train_arrays, eval_arrays: dict[str, np.ndarray]) -> LayoutOverlap:
    """Compare evaluation layouts with training layouts.

    Args:
        train_arrays: a dict of arrays (see ``layout_keys``), or an iterable of such dicts (for a
            long run, generated chunk by chunk to bound memory).
        eval_arrays: the evaluation levels' arrays.
    """
    chunks = [train_arrays] if isinstance(train_arrays, dict) else train_arrays
    seen: set[bytes] = set()
    n_train = 0
    for chunk in chunks:
        keys = layout_keys(chunk)
        n_train += len(keys)
        seen.update(keys)
    eval_keys = layout_keys(eval_arrays)
    return LayoutOverlap(
        n_eval=len(eval_keys),
        n_seen=sum(k in seen for k in eval_keys),
        n_train_levels=n_train,
        n_train_layouts=len(seen),
    )
