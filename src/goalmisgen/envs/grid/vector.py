"""The Gymnasium shells every grid game shares: a batched vector env and a single env.

A game provides a ``GridState`` subclass (its rules: how levels load, how agents move, what they
see, what an episode's statistics are) and a ``GridOptions`` subclass; the shells here handle
seeding, the level queue, same-step autoreset and Gymnasium's ``final_obs``/``final_info``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from goalmisgen.envs.grid.draw import CELL, render_top_down
from goalmisgen.envs.grid.levels import LevelBatch, LevelQueue
from goalmisgen.envs.grid.options import MAX_LEVEL_SEED, GridOptions
from goalmisgen.validation import check_choice, check_int, check_int_array, check_known_keys, check_seed


class GridState:
    """Levels and agents of a batch of ``n`` episodes as numpy arrays; a game subclasses it.

    Subclasses set the class attributes and implement the four methods below. ``t`` (n,) counts
    the steps of each episode and ``level_seed`` (n,) names its level.
    """

    actions: ClassVar[tuple[str, ...]] = ()
    """Names of the discrete actions."""
    channels: ClassVar[tuple[str, ...]] = ()
    """Name of each observation channel (a top-down game: "wall" first, then its objects)."""
    observation_shape: ClassVar = None
    """Callable ``options -> (C, H, W)``."""

    def __init__(self, n: int, options: GridOptions):
        self.n, self.options = n, options
        self.t = np.zeros(n, dtype=np.int64)
        self.level_seed = np.zeros(n, dtype=np.int64)

    @staticmethod
    def generate(seeds: np.ndarray, options: GridOptions) -> LevelBatch:
        """Generate the levels of ``seeds`` (n,) under ``options``."""
        raise NotImplementedError

    def load(self, ids: np.ndarray, batch: LevelBatch) -> None:
        """Put the levels of ``batch`` into slots ``ids`` and their agents at the start."""
        raise NotImplementedError

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply (n,) int64 actions; return (reward float32 (n,), terminated bool (n,))."""
        raise NotImplementedError

    def observe(self, ids: np.ndarray | None = None) -> np.ndarray:
        """(m, C, H, W) uint8 observations of slots ``ids`` (default: all n)."""
        raise NotImplementedError

    def episode_stats(self, truncated: np.ndarray) -> dict[str, np.ndarray]:
        """Per-episode statistics as (n,) arrays, read on the step an episode ends."""
        raise NotImplementedError

    def full_view(self, ids: np.ndarray | None = None) -> np.ndarray:
        """(m, C, H, W) uint8 one-hot views of the whole level of slots ``ids``, whatever the agent
        sees (for drawing); a game whose observation is the whole level keeps this default."""
        return self.observe(ids)

    def render(self, i: int = 0, cell: int = CELL) -> np.ndarray:
        """(H * cell, W * cell, 3) uint8 frame of level ``i`` as it is now; a top-down game keeps
        this default (its full view drawn with ``render_top_down``), a side view overrides it."""
        return render_top_down(self.full_view(np.array([i]))[0], self.channels, cell)


class GridVecEnv(VectorEnv):
    """``num_envs`` episodes of a grid game stepped together with numpy (Gymnasium vector API).

    Finished episodes restart within the same step (``autoreset_mode`` SAME_STEP): the returned
    observation is the first of the new episode, and, as Gymnasium defines it,
    ``info["final_obs"]`` (num_envs, C, H, W) holds the last observation of each finished
    episode (zeros in the other rows) and ``info["final_info"]`` its statistics (a dict of (num_envs,) arrays), both valid
    where ``info["_final_obs"]`` / ``info["_final_info"]`` is True.

    ``reset(options={"level_seeds": seeds})`` plays the given level seeds (one per env) and
    ``reset(options={"levels": batch})`` plays a given ``LevelBatch`` (e.g. an edited one, see
    ``goalmisgen.envs.coinrun.interventions``); later episodes are drawn as usual.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"]}
    state_cls: ClassVar[type[GridState]] = GridState
    options_cls: ClassVar[type[GridOptions]] = GridOptions

    def __init__(self, num_envs: int = 64, render_mode: str | None = None, **options):
        self.num_envs = check_int("num_envs", num_envs, low=1, high=1_000_000)
        self.render_mode = check_choice("render_mode", render_mode, (None, "rgb_array"))
        self.options = self.options_cls.from_kwargs(options)
        self.single_observation_space = gymnasium.spaces.Box(0, 1, self.state_cls.observation_shape(self.options), np.uint8)
        self.single_action_space = gymnasium.spaces.Discrete(len(self.state_cls.actions))
        self.observation_space = gymnasium.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gymnasium.spaces.MultiDiscrete(np.full(self.num_envs, len(self.state_cls.actions)))
        self.state = self.state_cls(self.num_envs, self.options)
        low, count = self.options.seed_range
        self._levels = LevelQueue(self.generate, low, count, chunk=self.level_queue_chunk)
        self.autoreset = True
        """Restart finished episodes within the step (Gymnasium's same-step autoreset). With False,
        finished episodes go on being stepped and reported again; the caller ignores them (the
        evaluation does, and the single env refuses to step after an ending)."""
        self._needs_reset = True

    @property
    def level_queue_chunk(self) -> int:
        """How many levels the env's queue generates at once."""
        return max(64, self.num_envs // 4)

    def set_level_queue(self, queue) -> None:
        """Draw the levels of later resets from ``queue`` (anything with ``take(k) -> LevelBatch``
        and ``seed(seed)``, e.g. a ``goalmisgen.curricula.LevelSource``) instead of uniform seeds."""
        self._levels = queue

    def generate(self, seeds) -> LevelBatch:
        """The levels of ``seeds`` under this env's options."""
        return self.state_cls.generate(np.asarray(seeds, dtype=np.int64), self.options)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start new episodes in every env (see the class docstring for ``options``)."""
        if seed is not None:
            seed = check_seed(seed)
        options = _reset_options(options, ("levels", "level_seeds"))
        super().reset(seed=seed)
        if seed is not None:
            self._levels.seed(seed)
            self.action_space.seed(seed)
        if "levels" in options:
            levels = options["levels"]
            if not isinstance(levels, LevelBatch) or len(levels) != self.num_envs:
                raise ValueError(f"levels must be a LevelBatch of {self.num_envs} levels, got {type(levels).__name__}")
        elif "level_seeds" in options:
            seeds = check_int_array("level_seeds", options["level_seeds"], shape=(self.num_envs,), low=0, high=MAX_LEVEL_SEED)
            levels = self.generate(seeds)
        else:
            levels = self._levels.take(self.num_envs)
        self.state.load(np.arange(self.num_envs), levels)
        self._needs_reset = False
        return self.state.observe(), {}

    def _check_actions(self, actions) -> np.ndarray:
        return check_int_array("actions", actions, shape=(self.num_envs,), low=0, high=len(self.state_cls.actions) - 1)

    def step(self, actions):
        """Apply one action per env; returns (obs, reward, terminated, truncated, info)."""
        if self._needs_reset:
            raise RuntimeError("call reset() before step()")
        s = self.state
        reward, terminated = s.step(self._check_actions(actions))
        truncated = ~terminated & (s.t >= self.options.max_steps)
        done = terminated | truncated
        info: dict[str, Any] = {}
        if done.any():
            ids = np.nonzero(done)[0]
            final_obs = np.zeros((self.num_envs,) + self.single_observation_space.shape, dtype=np.uint8)
            final_obs[ids] = s.observe(ids)  # only the finished episodes' last views: cheap
            stats = s.episode_stats(truncated)
            final_info: dict[str, Any] = {}
            for key, value in stats.items():
                final_info[key] = value
                final_info[f"_{key}"] = done
            info["final_obs"] = final_obs
            info["_final_obs"] = done
            info["final_info"] = final_info
            info["_final_info"] = done
            if self.autoreset:
                s.load(ids, self._levels.take(len(ids)))
        return s.observe(), reward, terminated, truncated, info

    def render(self):
        """RGB frame (H*16, W*16, 3) uint8 of env 0's whole level."""
        return self.state.render(0)


def _reset_options(options, allowed: tuple[str, ...]) -> dict:
    """A copy of ``reset``'s ``options`` (None: none); ValueError unless it is a dict of ``allowed`` keys."""
    if options is not None and not isinstance(options, dict):
        raise ValueError(f"options={options!r} is not allowed: options must be None or a dict with the keys {list(allowed)}")
    options = dict(options or {})
    check_known_keys("reset option(s)", options, allowed)
    return options


class GridEnv(gymnasium.Env):
    """One episode at a time: a view of a one-env ``GridVecEnv`` with autoreset off.

    Same game, options and spaces as the vector env; ``reset(options={"level_seed": s})`` plays
    level ``s`` and ``reset(options={"levels": batch})`` a one-level ``LevelBatch``. The step
    info holds the episode statistics (and ``level_seed``) of the running episode.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}
    vec_cls: ClassVar[type[GridVecEnv]] = GridVecEnv

    def __init__(self, render_mode: str | None = None, **options):
        self.render_mode = check_choice("render_mode", render_mode, (None, "rgb_array"))
        self.vec = self.vec_cls(num_envs=1, **options)
        self.vec.autoreset = False
        self.vec._levels.chunk = 1
        self.options = self.vec.options
        self.observation_space = self.vec.single_observation_space
        self.action_space = self.vec.single_action_space
        self._done = True

    @property
    def state(self) -> GridState:
        return self.vec.state

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            seed = check_seed(seed)
        super().reset(seed=seed)
        options = _reset_options(options, ("levels", "level_seed"))
        if "level_seed" in options:
            level = check_int("level_seed", options.pop("level_seed"), low=0, high=MAX_LEVEL_SEED)
            options["level_seeds"] = np.array([level])
        obs, _ = self.vec.reset(seed=seed, options=options)
        self._done = False
        return np.ascontiguousarray(obs[0]), {"level_seed": int(self.state.level_seed[0])}

    def step(self, action):
        if self._done:
            raise RuntimeError("the episode is over; call reset() before step()")
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action[()]  # a 0-d array (as the action space samples) is a scalar
        action = check_int("action", action, low=0, high=int(self.action_space.n) - 1)
        obs, reward, terminated, truncated, info = self.vec.step(np.array([action], dtype=np.int64))
        stats = self.state.episode_stats(truncated)
        self._done = bool(terminated[0] or truncated[0])
        single = {k: v[0].item() for k, v in stats.items()}
        return np.ascontiguousarray(obs[0]), float(reward[0]), bool(terminated[0]), bool(truncated[0]), single

    def render(self):
        """RGB frame (H*16, W*16, 3) uint8 of the whole level."""
        return self.vec.render()
