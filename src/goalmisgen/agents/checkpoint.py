"""Saving and loading trained agents, whatever algorithm trained them.

A checkpoint is a plain dict of tensors, strings and numbers written with ``torch.save`` and read
with ``torch.load(weights_only=True)``: loading never unpickles arbitrary Python objects, so a
checkpoint from an untrusted source cannot run code.

Format ``goalmisgen-agent-v2`` (written now):

* ``algorithm``: what trained the policy ("ppo", "bc", ...) and ``config``: its settings as a dict;
* ``network``: {"name", "hidden", "obs_shape", "num_actions"}, enough to rebuild the network;
* ``env`` (family) and ``env_options``: what it was trained on;
* ``metrics`` (name -> number), ``extra`` (e.g. ``extra["history"]``), ``package_version``;
* ``state_dict``: the network's weights.

Format ``goalmisgen-agent-v1`` (the first shipped agents) is still read: PPO only, with
``obs_shape`` and ``num_actions`` at the top level and the network named in ``config``.

Loading checks everything before building anything: the network is first built on torch's
"meta" device (shapes only, no memory), and its parameter shapes must match the tensors stored in
the file, so a small file cannot make the loader allocate a huge network; before that, every entry
of the file's zip archive must declare a size and a compression ratio within limits, so a small
file cannot make ``torch.load`` allocate much either. Non-finite weights and weights that are not
dense tensors on the CPU (sparse, meta) are refused.
"""

from __future__ import annotations

import dataclasses
import io
import math
import numbers
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

import goalmisgen
from goalmisgen.agents.networks import NETWORKS, make_network
from goalmisgen.agents.ppo import PPOConfig, TrainResult
from goalmisgen.files import SaveError, write_atomic
from goalmisgen.validation import check_seed

FORMAT = "goalmisgen-agent-v2"
FORMAT_V1 = "goalmisgen-agent-v1"
READABLE_FORMATS = (FORMAT, FORMAT_V1)

CONFIG_CLASSES: dict[str, type] = {"ppo": PPOConfig}
"""Algorithms whose config is rebuilt (and so validated) as a dataclass on loading; the config of
any other algorithm is kept as a plain dict."""

MAX_OBS_DIM = 4096
"""Largest size of one observation axis a checkpoint may ask for."""
MAX_NUM_ACTIONS = 1024
MAX_HIDDEN = 65536
MAX_PARAMETERS = 100_000_000
"""Most weights (numbers) a loaded network may have (400 MB as float32)."""

MAX_ENTRY_BYTES = 8 * MAX_PARAMETERS
"""Largest uncompressed size one entry of a checkpoint's zip archive may declare."""
MAX_COMPRESSION_RATIO = 50
"""Largest ratio of uncompressed to compressed size of an entry over 1 MB (``torch.save`` stores
its entries uncompressed; a highly compressed entry is a zip bomb)."""

MAX_INIT_CHAIN = 100
"""Most earlier trainings a checkpoint's provenance (``extra["init_from"]``) may record."""

_ALGORITHM_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


# ---------------------------------------------------------------- saving


def save_agent(result: TrainResult, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
    """Write a PPO-trained policy with its config and metrics to ``path``; returns the path."""
    c = result.config
    return save_policy(result.policy, "ppo", c, result.metrics, path, c.env, c.env_options, extra)


def save_policy(policy: torch.nn.Module, algorithm, config, metrics, path=None, env: str | None = None,
                env_options: dict | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write a policy network with what trained it; returns the path.

    Written atomically (``goalmisgen.files.write_atomic``), so an interrupted save never leaves a
    half-written checkpoint at ``path``.

    Args:
        policy: a network from ``networks.py`` (it knows its name, hidden size, obs_shape, num_actions).
        algorithm: what trained it, e.g. "ppo" or "bc" (lower case letters, digits, "_" and "-").
        config: the algorithm's settings, a dict or a dataclass (strings, numbers, bools, None,
            and lists or dicts of them).
        metrics: name -> number.
        path: where to write.
        env, env_options: the environment family and options it was trained on.
        extra: anything else to keep (same types as config), e.g. {"history": [...]}.

    The older call ``save_policy(policy, ppo_config, metrics, path[, extra])`` still works.
    """
    if isinstance(algorithm, PPOConfig):  # the v1-era signature
        ppo, old_metrics, old_path, old_extra = algorithm, config, metrics, path
        return save_policy(policy, "ppo", ppo, old_metrics, old_path, ppo.env, ppo.env_options, old_extra)
    if path is None or env is None or env_options is None:
        raise ValueError("save_policy needs path, env and env_options")
    for attr in ("name", "hidden", "obs_shape", "num_actions"):
        if not hasattr(policy, attr):
            raise ValueError(f"policy {type(policy).__name__} has no attribute {attr!r}; save a network built by make_network")
    network = {"name": policy.name, "hidden": int(policy.hidden), "obs_shape": [int(d) for d in policy.obs_shape],
               "num_actions": int(policy.num_actions)}
    payload = _payload(algorithm, config, metrics, network, env, env_options, extra)
    payload["state_dict"] = {k: v.detach().cpu().clone() for k, v in policy.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, _serialized(payload))


def check_savable(algorithm: str, config, env: str, env_options: dict, extra: dict[str, Any] | None = None) -> None:
    """Check, before a training starts, that its checkpoint can be written: everything but the
    weights and metrics is put in a payload and serialized in memory. ValueError saying what
    cannot be saved (a value that is not plain data, a provenance chain nested too deeply)."""
    network = {"name": "mlp", "hidden": 1, "obs_shape": [1], "num_actions": 1}
    _serialized(_payload(algorithm, config, {}, network, env, env_options, extra))


def _payload(algorithm: str, config, metrics, network: dict, env, env_options, extra) -> dict:
    """The checkpoint's entries but the weights, checked: ValueError for anything that cannot be saved."""
    if not isinstance(algorithm, str) or not _ALGORITHM_NAME.fullmatch(algorithm):
        raise ValueError(f"algorithm={algorithm!r} is not allowed: algorithm must be a short lower-case name such as 'ppo' or 'bc'")
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if not isinstance(env, str) or not env:
        raise ValueError(f"env={env!r} is not allowed: env must be the name of an environment family")
    try:
        return {
            "format": FORMAT,
            "algorithm": algorithm,
            "config": _plain("config", config, dict),
            "network": network,
            "env": env,
            "env_options": _plain("env_options", env_options, dict),
            "metrics": _numbers("metrics", metrics),
            "package_version": goalmisgen.__version__,
            "extra": _plain("extra", extra or {}, dict),
        }
    except RecursionError:
        raise ValueError("the checkpoint's config, env_options or extra are nested too deeply to be saved") from None


def _serialized(payload: dict) -> bytes:
    """``payload`` as the bytes ``torch.save`` writes; ValueError if it cannot be written."""
    buffer = io.BytesIO()
    try:
        torch.save(payload, buffer)
    except RecursionError:
        raise ValueError("the checkpoint is nested too deeply to be saved") from None
    return buffer.getvalue()


def save_agent_or_rescue(result: TrainResult, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
    """``save_agent(result, path, extra)``; if that fails, the agent (without ``extra``) goes to a
    rescue file next to ``path`` (or in the temporary folder if that cannot be written) and
    SaveError names it, so a finished training is never lost at save time."""
    path = Path(path)
    try:
        return save_agent(result, path, extra)
    except Exception as error:
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        problems = [f"{type(error).__name__}: {error}"]
        for folder in (path.parent, Path(tempfile.gettempdir())):
            rescue = folder / f"{path.stem}.rescued-{stamp}.pt"
            try:
                save_agent(result, rescue)
            except Exception as again:
                problems.append(f"{rescue}: {type(again).__name__}: {again}")
                continue
            raise SaveError(f"saving the trained agent to {path} failed ({problems[0]}); it is kept in the rescue "
                            f"file {rescue} (without its history and provenance; load it with load_agent)") from error
        raise SaveError(f"saving the trained agent to {path} failed, and so did every rescue file: "
                        + "; ".join(problems)) from error


def _numbers(where: str, values) -> dict[str, float]:
    """``values`` (name -> number) as a dict of Python floats; ValueError for anything else."""
    values = _plain(where, values, dict)
    for k, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{where}[{k!r}]={v!r} is not allowed: {where} values must be numbers")
    return {k: float(v) for k, v in values.items()}


def _plain(where: str, value, must_be: type | None = None):
    """``value`` with numpy scalars and tuples turned into Python ones, so that
    ``torch.load(weights_only=True)`` can read it back; ValueError for anything else."""
    if must_be is not None and not isinstance(value, must_be):
        raise ValueError(f"{where}={value!r} is not allowed: {where} must be a {must_be.__name__}")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(f"{where}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError(f"{where} has the key {k!r}; checkpoint dicts need string keys")
        return {k: _plain(f"{where}[{k!r}]", v) for k, v in value.items()}
    raise ValueError(f"{where}={value!r} is not allowed in a checkpoint: use strings, numbers, bools, None, lists and dicts")


# ---------------------------------------------------------------- the loaded agent


class Agent:
    """A trained policy, ready to act on batches of observations.

    Attributes:
        policy: the torch network (eval mode).
        algorithm: what trained it ("ppo", "bc", ...).
        env, env_options: what it was trained on.
        obs_shape: (C, H, W) it expects.
        config: its training settings: a PPOConfig for "ppo", a dict for other algorithms.
        metrics: training metrics stored in the checkpoint.
        extra: anything else saved with it (e.g. ``extra["history"]``, the per-iteration log).
    """

    def __init__(self, policy: torch.nn.Module, env: str, env_options: dict, config, metrics: dict,
                 path: str | None = None, device: str = "cpu", algorithm: str = "ppo"):
        self.device = torch.device(device)
        self.policy = policy.to(self.device).eval()
        self.algorithm = algorithm
        self.env, self.env_options = env, env_options
        self.obs_shape = tuple(policy.obs_shape)
        self.config, self.metrics, self.path = config, metrics, path
        seed = config.get("seed", 0) if isinstance(config, dict) else getattr(config, "seed", 0)
        self._gen = torch.Generator().manual_seed(seed if isinstance(seed, int) and seed >= 0 else 0)
        self.extra: dict[str, Any] = {}

    def seed(self, seed: int) -> None:
        """Seed the action sampling (for reproducible evaluations); a seed is in [0, 2**64 - 1]."""
        self._gen.manual_seed(check_seed(seed))

    def _batch(self, obs) -> torch.Tensor:
        """``obs`` as a tensor on the network's device; ValueError unless it is a numeric
        (batch,) + obs_shape array."""
        obs = np.asarray(obs)
        if obs.ndim != len(self.obs_shape) + 1 or obs.shape[1:] != self.obs_shape or obs.dtype.kind not in "biuf":
            raise ValueError(
                f"observations of shape {obs.shape} and dtype {obs.dtype} do not fit this agent, which expects "
                f"numbers of shape (batch,) + {self.obs_shape} (trained on {self.env} with {self.env_options})"
            )
        return torch.from_numpy(obs).to(self.device)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """Actions for a batch of observations.

        Args:
            obs: (B, C, H, W) observations, as the environment returns them.
            deterministic: take the most likely action instead of sampling.

        Returns:
            (B,) int64 actions.
        """
        from goalmisgen.agents.ppo import sample_actions

        with torch.inference_mode():
            logits, _ = self.policy(self._batch(obs))
            logits = logits.float().cpu()
            if deterministic:
                return logits.argmax(dim=1).numpy()
            return sample_actions(logits, self._gen).numpy()

    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """(B, num_actions) action probabilities for a batch of observations."""
        with torch.inference_mode():
            logits, _ = self.policy(self._batch(obs))
            return torch.softmax(logits.float().cpu(), dim=1).numpy()

    def __repr__(self) -> str:
        seed = self.config.get("seed") if isinstance(self.config, dict) else self.config.seed
        return (f"Agent(algorithm={self.algorithm!r}, env={self.env!r}, env_options={self.env_options}, "
                f"seed={seed}, path={self.path!r})")


# ---------------------------------------------------------------- loading


def load_agent(path: str | os.PathLike, device: str = "cpu") -> Agent:
    """Load a checkpoint written by ``save_agent``/``save_policy`` (format v2, or v1), with
    ``torch.load(weights_only=True)`` only; ``device="cuda"`` runs the network on the GPU.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a goalmisgen checkpoint ("not a goalmisgen checkpoint"), or it
            is one but is malformed ("malformed checkpoint": a missing or mistyped entry, sizes
            that do not match the stored weights, non-finite weights, an invalid config).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    _check_archive(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # junk bytes can fail anywhere inside the (safe) unpickler
        raise ValueError(f"{path} is not a goalmisgen checkpoint (torch.load failed: {err.__class__.__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{path} is not a goalmisgen checkpoint (expected format {FORMAT!r} or {FORMAT_V1!r})")
    try:
        return _agent_from_payload(payload, str(path), device)
    except _Malformed as err:
        raise ValueError(f"malformed checkpoint {path}: {err}") from None


def _check_archive(path: Path) -> None:
    """ValueError unless ``path`` is a zip archive (what ``torch.save`` writes) whose entries
    declare sizes within the limits, checked before ``torch.load`` allocates anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValueError(f"{path} is not a goalmisgen checkpoint (not a zip archive written by torch.save)") from None
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MAX_ENTRY_BYTES or (entry.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO):
            raise ValueError(f"malformed checkpoint {path}: its entry {entry.filename!r} declares {entry.file_size:,} "
                             f"bytes from {entry.compress_size:,} stored (at most {MAX_ENTRY_BYTES:,} bytes and a "
                             f"compression ratio of {MAX_COMPRESSION_RATIO} are allowed)")


class _Malformed(Exception):
    """Raised while reading a payload; load_agent turns it into the documented ValueError."""


def _get(payload: dict, key: str, kind: type | tuple[type, ...]):
    if key not in payload:
        raise _Malformed(f"it has no {key!r} entry")
    value = payload[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _Malformed(f"its {key!r} entry is a {type(value).__name__}, not a {getattr(kind, '__name__', kind)}")
    return value


def _size(where: str, value, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise _Malformed(f"{where}={value!r} must be an integer in [1, {high}]")
    return value


def _network_spec(payload: dict) -> tuple[str, int, tuple[int, ...], int]:
    """(name, hidden, obs_shape, num_actions), checked against the limits, from either format."""
    if payload["format"] == FORMAT_V1:
        config = _get(payload, "config", dict)
        spec = {"name": config.get("network", "mlp"), "hidden": config.get("hidden", 128),
                "obs_shape": _get(payload, "obs_shape", (list, tuple)), "num_actions": _get(payload, "num_actions", int)}
    else:
        spec = _get(payload, "network", dict)
    for key in ("name", "hidden", "obs_shape", "num_actions"):
        if key not in spec:
            raise _Malformed(f"its network description has no {key!r}")
    if spec["name"] not in NETWORKS:
        raise _Malformed(f"network {spec['name']!r} is unknown; known: {sorted(NETWORKS)}")
    shape = spec["obs_shape"]
    if not isinstance(shape, (list, tuple)) or not 1 <= len(shape) <= 4:
        raise _Malformed(f"obs_shape={shape!r} must be a list of 1 to 4 sizes")
    obs_shape = tuple(_size("obs_shape", d, MAX_OBS_DIM) for d in shape)
    if spec["name"] in ("cnn", "impala") and len(obs_shape) != 3:
        raise _Malformed(f"obs_shape={list(obs_shape)} must be (channels, height, width) for network {spec['name']!r}")
    return (spec["name"], _size("hidden", spec["hidden"], MAX_HIDDEN), obs_shape,
            _size("num_actions", spec["num_actions"], MAX_NUM_ACTIONS))


def _checked_state_dict(payload: dict, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The stored weights, if they are exactly the tensors ``expected`` (names, shapes, dtypes) and finite."""
    state = _get(payload, "state_dict", dict)
    n_params = sum(t.numel() for t in expected.values())
    if n_params > MAX_PARAMETERS:
        raise _Malformed(f"the network it describes has {n_params:,} weights, more than the limit of {MAX_PARAMETERS:,}")
    if set(state) != set(expected):
        missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        raise _Malformed(f"its weights do not fit the network (missing {missing[:5]}, unexpected {unexpected[:5]})")
    for name, want in expected.items():
        got = state[name]
        if not isinstance(got, torch.Tensor):
            raise _Malformed(f"weight {name!r} is a {type(got).__name__}, not a tensor")
        if got.layout != torch.strided or got.device.type != "cpu" or got.is_quantized:
            raise _Malformed(f"weight {name!r} is a {got.layout} tensor on {got.device}; weights must be dense "
                             "(strided) tensors on the cpu")
        if got.shape != want.shape or got.dtype != want.dtype:
            raise _Malformed(f"weight {name!r} has shape {tuple(got.shape)} and dtype {got.dtype}; "
                             f"the network described in the file needs {tuple(want.shape)} and {want.dtype}")
        if got.untyped_storage().nbytes() < got.numel() * got.element_size():
            raise _Malformed(f"weight {name!r} is not stored in full in the file")
        if got.is_floating_point() and not torch.isfinite(got).all():
            raise _Malformed(f"weight {name!r} holds NaN or infinite values")
    return state


def _agent_from_payload(payload: dict, path: str, device: str) -> Agent:
    algorithm = "ppo" if payload["format"] == FORMAT_V1 else _get(payload, "algorithm", str)
    if not _ALGORITHM_NAME.fullmatch(algorithm):
        raise _Malformed(f"algorithm={algorithm!r} is not a valid name")
    env = _get(payload, "env", str)
    env_options = _get(payload, "env_options", dict)
    metrics = _get(payload, "metrics", dict)
    if not all(isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) for k, v in metrics.items()):
        raise _Malformed("its metrics must map names to numbers")
    extra = payload.get("extra", {})
    if not isinstance(extra, dict):
        raise _Malformed(f"its 'extra' entry is a {type(extra).__name__}, not a dict")
    config = _get(payload, "config", dict)
    if algorithm in CONFIG_CLASSES:
        cls = CONFIG_CLASSES[algorithm]
        known = {f.name for f in dataclasses.fields(cls)}
        try:
            config = cls(**{k: v for k, v in config.items() if k in known})
        except (ValueError, TypeError) as err:
            raise _Malformed(f"its {algorithm} config is invalid: {err}") from None

    name, hidden, obs_shape, num_actions = _network_spec(payload)
    with torch.device("meta"):  # shapes only: nothing is allocated yet
        policy = make_network(name, obs_shape, num_actions, hidden)
    state = _checked_state_dict(payload, policy.state_dict())
    policy.load_state_dict(state, assign=True)  # the network now uses the loaded tensors
    agent = Agent(policy, env, env_options, config, metrics, path, device=device, algorithm=algorithm)
    agent.extra = extra
    return agent


def continued_from(path: str | os.PathLike, agent: Agent) -> dict[str, Any]:
    """The record a checkpoint keeps in ``extra["init_from"]`` when its training went on from
    ``agent`` (loaded from ``path``): the file's name, its env options and metrics, and the
    record of the checkpoint ``agent`` itself continued, if any (read by ``training_stages``)."""
    record = {"file": Path(path).name, "env_options": agent.env_options, "metrics": agent.metrics}
    if "init_from" in agent.extra:
        record["init_from"] = agent.extra["init_from"]
    depth, earlier = 0, record
    while isinstance(earlier, dict):
        depth, earlier = depth + 1, earlier.get("init_from")
        if depth > MAX_INIT_CHAIN:
            raise ValueError(f"{path} records more than {MAX_INIT_CHAIN} earlier trainings (extra['init_from'] "
                             "nested that deep); continuing it would make a checkpoint that cannot be saved")
    return record


def training_stages(agent: Agent) -> list[dict[str, Any]]:
    """The trainings that made ``agent``, oldest first: one per checkpoint it was continued from
    (``train --init-from``, recorded in ``extra["init_from"]``), then its own. Each stage gives
    the checkpoint file (None for the agent itself) and that stage's own ``metrics`` (steps, wall
    time, rates over its last episodes; a rate with no episodes behind it is None)."""
    def finite(metrics: dict) -> dict:
        return {k: v if not isinstance(v, float) or math.isfinite(v) else None for k, v in metrics.items()}

    stages = [{"file": None, "metrics": finite(agent.metrics)}]
    earlier = agent.extra.get("init_from")
    while isinstance(earlier, dict):
        stages.append({"file": earlier.get("file"), "metrics": finite(earlier.get("metrics", {}))})
        earlier = earlier.get("init_from")
    return stages[::-1]


def agent_from_result(result: TrainResult) -> Agent:
    """Wrap a freshly trained policy (no file) as an Agent."""
    c = result.config
    return Agent(result.policy, c.env, dict(c.env_options), c, dict(result.metrics))


