"""Options every grid game shares: which level seeds to play, the timeout, the view size.

Level seeds work as in procgen: ``num_levels=0`` draws seeds from the whole training range
``[start_level, HELD_OUT_START)``; ``num_levels=n`` plays only seeds ``start_level ..
start_level + n - 1``. Held-out evaluation levels start at ``HELD_OUT_START = 2**31``, so no
training run with ``num_levels=0`` ever draws one. (Disjoint seeds are not the whole story: see
``layout.py`` for whether two seeds give the same layout.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from goalmisgen.validation import check_int, check_known_keys

HELD_OUT_START = 2**31
MAX_LEVEL_SEED = 2**32 - 1


@dataclass(frozen=True)
class GridOptions:
    """Options shared by every grid game (a game's options subclass this and add its own)."""

    num_levels: int = 0
    """Number of distinct levels (0 = unlimited), as procgen's num_levels."""
    start_level: int = 0
    """First level seed, as procgen's start_level."""
    max_steps: int = 200
    """Timeout: the episode is truncated after this many steps."""
    view_radius: int = 5
    """The agent sees this many columns to each side of itself."""
    training_only: ClassVar[tuple[str, ...]] = ("num_levels", "start_level")
    """Options that only say how training draws its levels: an evaluation picks its own."""

    def __post_init__(self):
        check_int("num_levels", self.num_levels, low=0, high=MAX_LEVEL_SEED + 1)
        check_int("start_level", self.start_level, low=0, high=MAX_LEVEL_SEED)
        check_int("max_steps", self.max_steps, low=1, high=100_000)
        check_int("view_radius", self.view_radius, low=1, high=64)
        last = self.start_level + max(self.num_levels, 1) - 1
        if last > MAX_LEVEL_SEED:
            raise ValueError(
                f"start_level={self.start_level} with num_levels={self.num_levels} goes past the "
                f"largest level seed {MAX_LEVEL_SEED}"
            )
        if self.num_levels == 0 and self.start_level >= HELD_OUT_START:
            raise ValueError(
                f"start_level={self.start_level} with num_levels=0 (unlimited) must be below "
                f"{HELD_OUT_START}; held-out levels start there"
            )

    @property
    def seed_range(self) -> tuple[int, int]:
        """(first seed, number of seeds) this configuration draws from."""
        count = self.num_levels if self.num_levels > 0 else HELD_OUT_START - self.start_level
        return self.start_level, count

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]):
        """Build from keyword arguments, naming any unknown option and the allowed ones."""
        check_known_keys("option(s)", kwargs, [f.name for f in fields(cls)])
        return cls(**kwargs)

    @classmethod
    def for_evaluation(cls, options: dict[str, Any], **overrides) -> dict[str, Any]:
        """Training ``options`` (a dict, as an agent records them) without the training-only keys,
        with ``overrides`` applied; checked, so that a bad key or value fails here."""
        out = {**{k: v for k, v in options.items() if k not in cls.training_only}, **overrides}
        cls.from_kwargs(out)
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
