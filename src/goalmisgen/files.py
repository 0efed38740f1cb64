"""Writing files safely: values made JSON data, files written whole or not at all, output paths
checked before any work starts. One function for each, used by every module that writes.

Example:
    >>> from goalmisgen.files import jsonable, write_json
    >>> jsonable({"rate": np.float32(0.5), "ci": float("nan"), "seeds": np.arange(2)})
    {'rate': 0.5, 'ci': None, 'seeds': [0, 1]}
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import tempfile
import threading
from pathlib import Path, PurePath
from typing import Any

import numpy as np


def jsonable(value: Any, where: str = "value", strict: bool = False) -> Any:
    """``value`` as plain JSON data: dicts, lists, strings, numbers, bools and None.

    Numpy scalars and arrays become Python numbers and lists, tuples become lists and paths
    strings. A NaN or an infinity becomes None (JSON has no NaN); with ``strict`` it is refused,
    and so is a dict key that is not a string (``strict``: the value must say exactly what it was,
    as a sweep's config must). Anything else raises ``ValueError`` naming ``where`` (the value's
    place, e.g. ``config.seed``)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isfinite(value):
            return float(value)
        if strict:
            raise ValueError(f"{where}={value!r} is not allowed: a value must be a finite number, not NaN or infinity")
        return None
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), where, strict)
    if isinstance(value, (list, tuple)):
        return [jsonable(v, f"{where}[{i}]", strict) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if strict and not all(isinstance(k, str) for k in value):
            raise ValueError(f"{where}={value!r} is not allowed: its keys must be strings")
        return {k: jsonable(v, f"{where}.{k}", strict) for k, v in value.items()}
    raise ValueError(f"{where}={value!r} is not allowed: it must hold only dicts, lists, strings, "
                     "numbers, bools and None (JSON data)")


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` so that the file is either as it was or whole,
    never half written: a temporary file in the same folder, synced, then renamed over ``path``.
    Returns the path."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | os.PathLike, obj: Any, indent: int = 2) -> Path:
    """Write ``jsonable(obj)`` atomically as indented JSON with sorted keys and a final newline."""
    return write_atomic(path, json.dumps(jsonable(obj), indent=indent, sort_keys=True, allow_nan=False) + "\n")


def check_out(out: str | os.PathLike, force: bool, kind: str = "a file") -> Path:
    """``out`` as a path a command may write, checked before any work starts.

    Args:
        out: the path given by the user.
        force: whether an existing file there may be replaced.
        kind: what the path should name, for the messages (".pt file", ".csv file").

    Raises:
        ValueError: if it is a directory or another thing than a regular file, exists (without
            ``force``), or its folder cannot be created or written.
    """
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"out={str(out)!r} is a directory; give the path of {kind}")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ValueError(f"out={str(out)!r} is not a regular file; give the path of {kind}")
    if path.exists() and not force:
        raise ValueError(f"out={str(out)!r} exists; pass --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out={str(out)!r}: its folder cannot be created ({error.strerror})") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"out={str(out)!r} cannot be written (no permission)")
    try:  # os.access can pass where a write fails (a read-only mount, root, a full disk)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(f"out={str(out)!r} cannot be written: a test file in its folder failed ({error.strerror})") from None
    return path


class SaveError(RuntimeError):
    """Saving a finished piece of work failed; the message says where the work was kept instead."""


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM inside ``interrupt_on_sigterm``: an interruption, so the
    ``finally`` blocks and context managers on the way out run (temporary folders are removed)."""


@contextlib.contextmanager
def interrupt_on_sigterm():
    """While active, SIGTERM raises ``Terminated`` in the main thread instead of ending the process
    at once; the previous handler comes back at the end. Does nothing outside the main thread or
    where another handler than the default one is already installed."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def raise_terminated(signum, frame):
        raise Terminated(f"stopped by signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
