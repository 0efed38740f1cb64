"""Environments of the course. Importing this package registers the Gymnasium ids."""

from goalmisgen.envs.coinrun import (
    ACTIONS,
    HELD_OUT_START,
    CoinRunGridEnv,
    CoinRunGridVecEnv,
    CoinRunOptions,
)

__all__ = ["ACTIONS", "HELD_OUT_START", "CoinRunGridEnv", "CoinRunGridVecEnv", "CoinRunOptions"]

from goalmisgen.envs import registration  # noqa: E402  (registers the Gymnasium ids)
