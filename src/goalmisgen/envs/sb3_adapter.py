"""Use the batched CoinRun-grid with Stable-Baselines3 (its own ``VecEnv`` interface).

SB3 can train on ``CoinRunGridEnv`` unchanged (one Python env per copy, through its
``DummyVecEnv``); this adapter instead hands SB3 the numpy-batched env, so comparisons of PPO
implementations measure the learners and not the environment loop.

SB3's conventions for an episode that ended on a step: ``infos[i]["terminal_observation"]`` (its
last observation: the returned one is already the next episode's first) and
``infos[i]["TimeLimit.truncated"]`` (True for a timeout, so that SB3's PPO bootstraps its value
instead of treating it as a death), plus ``infos[i]["episode"]`` = {"r": return, "l": length} for
SB3's logger.
"""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from goalmisgen.envs import coinrun
from goalmisgen.envs.coinrun import CoinRunGridVecEnv


def _episode_stats(info: dict):
    """(stats, ended) of the episodes that ended on this step: Gymnasium's ``final_info`` keys,
    or the older ``episode`` keys; None if none ended."""
    for key in ("final_info", "episode"):
        if isinstance(info.get(key), dict):
            return info[key], np.asarray(info["_" + key], dtype=bool)
    return None


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
        done = terminated | truncated
        infos = [{} for _ in range(self.num_envs)]
        ended = _episode_stats(info)
        has_final_obs = np.asarray(info.get("_final_obs", np.zeros(self.num_envs, dtype=bool)), dtype=bool)
        for i in np.flatnonzero(done):
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            if has_final_obs[i]:
                infos[i]["terminal_observation"] = np.asarray(info["final_obs"][i])
            if ended is not None and ended[1][i]:
                stats = ended[0]
                infos[i]["episode"] = {"r": coinrun.COIN_REWARD * float(stats["coin_collected"][i]), "l": int(stats["steps"][i])}
        return np.ascontiguousarray(obs), reward, done, infos

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
