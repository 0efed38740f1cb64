"""The two builds of procgen's C++ game this package can drive, behind one small interface:
procgen-mirror (gym3, Python 3.11/3.12) and procgen-gym (Gymnasium, Python 3.13+). Each gives
``act``, ``observe``, the level seeds, and per-env saved-state get and set.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import io
import warnings

import numpy as np

from goalmisgen.envs.procgen_coinrun import state as ps

BACKENDS = ("procgen-mirror", "procgen-gym")
_MODULES = {"procgen-mirror": "procgen", "procgen-gym": "procgen_gym"}
INSTALL_HINT = (
    "procgen-coinrun needs the procgen game. On Python 3.11/3.12: "
    "pip install --no-deps procgen-mirror==0.10.7 gym3==0.3.3 gym==0.26.2 && "
    "pip install cffi imageio gym-notices cloudpickle "
    "(--no-deps keeps NumPy 2: these packages ask for NumPy < 2 but work with it); "
    "on Python >= 3.13: pip install procgen-gym"
)

def available_backend() -> str | None:
    """The first installed backend ("procgen-mirror" or "procgen-gym"), or None."""
    for name in BACKENDS:
        if importlib.util.find_spec(_MODULES[name]) is not None:
            return name
    return None


def import_backend(name: str | None):
    """Import a backend's module quietly (procgen-mirror imports the old ``gym``, which prints a
    deprecation notice); raises ImportError with install instructions when it is missing."""
    if name is None:
        name = available_backend()
        if name is None:
            raise ImportError(INSTALL_HINT)
    if name not in BACKENDS:
        raise ValueError(f"backend={name!r} is not allowed; use one of {BACKENDS} or None (the first installed)")
    try:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(_MODULES[name])
    except ImportError as err:
        raise ImportError(f"backend {name!r} could not be imported ({err}). {INSTALL_HINT}") from None
    return name, module


class _Gym3Backend:
    """procgen-mirror: ``ProcgenGym3Env`` (gym3 ``CEnv``) with per-env state calls."""

    def __init__(self, module, num: int, game_options: dict):
        self.env = module.ProcgenGym3Env(num=num, env_name=ps.GAME_NAME, **game_options)
        self._buf = self.env._ffi.new("char[]", ps.MAX_STATE_BYTES)

    def act(self, actions: np.ndarray) -> None:
        self.env.act(actions)

    def observe(self):
        rew, ob, first = self.env.observe()
        return rew, ob["rgb"], first.astype(bool)

    def level_seeds(self) -> np.ndarray:
        return np.array([info["level_seed"] for info in self.env.get_info()], dtype=np.int64)

    def get_state(self, i: int) -> bytes:
        n = self.env.call_c_func("get_state", int(i), self._buf, ps.MAX_STATE_BYTES)
        return bytes(self.env._ffi.buffer(self._buf, n))

    def set_state(self, i: int, data: bytes) -> None:
        self.env.call_c_func("set_state", int(i), data, len(data))

    def close(self) -> None:
        self.env.close()


class _GymnasiumBackend:
    """procgen-gym: ``ProcgenVecEnv``'s C library (``_clib``) with per-env state calls."""

    def __init__(self, module, num: int, game_options: dict):
        self.env = module.ProcgenVecEnv(num_envs=num, env_name=ps.GAME_NAME, **game_options)
        self.lib = self.env._clib
        self._buf = ctypes.create_string_buffer(ps.MAX_STATE_BYTES)

    def act(self, actions: np.ndarray) -> None:
        self.lib.act(actions)

    def observe(self):
        first, ob, rew, _ = self.lib.observe()
        return rew, ob["rgb"], first.astype(bool)

    def level_seeds(self) -> np.ndarray:
        return self.lib.get_info_bufs()["level_seed"].astype(np.int64)

    def get_state(self, i: int) -> bytes:
        n = self.lib.call_c_func("get_state", int(i), self._buf, ps.MAX_STATE_BYTES)
        return ctypes.string_at(self._buf, n)

    def set_state(self, i: int, data: bytes) -> None:
        self.lib.call_c_func("set_state", int(i), data, len(data))

    def close(self) -> None:
        self.env.close()


BACKEND_CLASSES = {"procgen-mirror": _Gym3Backend, "procgen-gym": _GymnasiumBackend}
