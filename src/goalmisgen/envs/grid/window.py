"""Agent-centred observation windows, cut from a padded picture of each level.

The static cells of a level (ground, hazards, goal objects) are drawn once per episode into a
picture stored column by column, with ``radius`` columns of wall on each side; the window of an
agent in column ``x`` is then one contiguous block of rows, so the whole batch is cut with a
single fancy index. Moving things (enemies, the agent) are drawn on top of the cut windows.
"""

from __future__ import annotations

import numpy as np


class ObservationWindow:
    """Pictures of ``n`` levels and the windows cut from them.

    Args:
        n: levels in the batch.
        width, height: level size in cells (the widest level of the batch).
        channels: number of one-hot channels.
        radius: columns seen on each side of the agent (window width ``2 * radius + 1``).
        wall_channel: the channel that marks the padding outside the level as wall.
    """

    def __init__(self, n: int, width: int, height: int, channels: int, radius: int, wall_channel: int = 0):
        self.n, self.width, self.height, self.channels, self.radius = n, width, height, channels, radius
        self.padded_width = width + 2 * radius
        self.picture = np.zeros((n, self.padded_width, channels, height), dtype=np.uint8)
        self.picture[:, :radius, wall_channel] = 1
        self.picture[:, width + radius :, wall_channel] = 1
        self._rows = self.picture.reshape(n * self.padded_width, channels * height)
        self._window = np.arange(2 * radius + 1)
        self._all = np.arange(n)

    def draw_cells(self, ids: np.ndarray, channel: int, cells: np.ndarray) -> None:
        """Set ``channel`` of levels ``ids`` from ``cells``: (len(ids), width, height) bool, y from the bottom."""
        self.picture[ids, self.radius : self.radius + self.width, channel] = cells[:, :, ::-1]

    def clear(self, ids: np.ndarray, channel: int) -> None:
        """Empty ``channel`` of levels ``ids``."""
        self.picture[ids, :, channel] = 0

    def draw_points(self, ids: np.ndarray, channel: int, x: np.ndarray, y: np.ndarray) -> None:
        """Mark cell ``(x[i], y[i])`` of level ``ids[i]`` in ``channel`` (y from the bottom)."""
        self.picture[ids, self.radius + x, channel, self.height - 1 - y] = 1

    def cut(self, x: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """(m, 2R+1, channels, height) uint8 windows of levels ``ids`` (default: all n) centred
        on columns ``x`` (m,), column-major as stored; ``as_image`` turns them into
        (m, channels, height, 2R+1) with rows from the top, after ``overlay`` has drawn on them."""
        R, H = self.radius, self.height
        ids = self._all if ids is None else ids
        start = ids * self.padded_width + x
        return self._rows[start[:, None] + self._window].reshape(len(ids), 2 * R + 1, self.channels, H)

    @staticmethod
    def as_image(windows: np.ndarray) -> np.ndarray:
        """(m, 2R+1, C, H) windows from ``cut`` as (m, C, H, 2R+1) observations (a view)."""
        return windows.transpose(0, 2, 3, 1)

    def overlay(self, windows: np.ndarray, rows: np.ndarray, channel: int, dx: np.ndarray, y: np.ndarray) -> None:
        """Mark things in cut ``windows``: for each i, window ``rows[i]`` at column offset ``dx[i]``
        from the agent and height ``y[i]``; things outside the window are skipped."""
        R, H = self.radius, self.height
        inside = (dx >= -R) & (dx <= R)
        if not inside.all():
            rows, dx, y = rows[inside], dx[inside], y[inside]
        windows[rows, dx + R, channel, H - 1 - y] = 1
