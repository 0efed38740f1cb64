"""Use the batched CoinRun-grid with Stable-Baselines3 (its own ``VecEnv`` interface).

SB3 can train on ``CoinRunGridEnv`` unchanged (one Python env per copy, through its
``DummyVecEnv``); this adapter instead hands SB3 the numpy-batched env, so comparisons of PPO
implementations measure the learners and not the environment loop.
"""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from goalmisgen.envs.coinrun import CoinRunGridVecEnv


class SB3CoinRunVecEnv(VecEnv):
    """SB3 ``VecEnv`` over a ``CoinRunGridVecEnv`` of ``num_envs`` copies (same options)."""

    def __init__(self, num_envs: int, seed: int = 0, **options):
        self.env = CoinRunGridVecEnv(num_envs=num_envs, **options)
        super().__init__(num_envs, self.env.single_observation_space, self.env.single_action_space)
        self._seed, self._actions = seed, None

    def reset(self):
        obs, _ = self.env.reset(seed=self._seed)
        return np.ascontiguousarray(obs)

    def step_async(self, actions):
        self._actions = np.asarray(actions, dtype=np.int64)

    def step_wait(self):
        obs, reward, terminated, truncated, info = self.env.step(self._actions)
        infos = [{} for _ in range(self.num_envs)]
        if "episode" in info:
            ep = info["episode"]
            for i in np.nonzero(info["_episode"])[0]:
                infos[i] = {"episode": {"r": 10.0 * float(ep["coin_collected"][i]), "l": int(ep["steps"][i])}}
        return np.ascontiguousarray(obs), reward, terminated | truncated, infos

    def close(self):
        pass

    def get_attr(self, attr_name, indices=None):
        return [getattr(self.env, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name, value, indices=None):
        setattr(self.env, attr_name, value)

    def env_method(self, method_name, *args, indices=None, **kwargs):
        return [getattr(self.env, method_name)(*args, **kwargs)] * len(self._indices(indices))

    def env_is_wrapped(self, wrapper_class, indices=None):
        return [False] * len(self._indices(indices))

    def _indices(self, indices):
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else indices
