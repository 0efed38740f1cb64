"""The grader's handle on one submission's sandboxed process (``_runner.py`` runs inside it).

``StudentProcess`` starts the sandbox, sends the notebook's name and time limit, and waits for the
notebook to run; ``RemoteFunction`` is a stand-in for the student's function that a checker can
call like the real one: it sends the inputs, waits for the output within the exercise's deadline,
and returns the output rebuilt from plain data (``_wire``). Every exchange has a deadline, both
ways: a request is written without blocking, so a submission that stops reading its input (after
forging a report, say) costs the exercise its time and no more, and a reply is refused past
``_wire.MAX_MESSAGE`` bytes before it is read. The checker itself, and so the
comparison with the reference, runs here in the grader's process, which no submission code enters.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from goalmisgen.teaching import _sandbox
from goalmisgen.teaching._wire import HEADER, MAX_MESSAGE, WireError, decode, load_reply

STARTUP_S = 60.0  # time to start Python and import the notebook's first libraries, besides its own budget


class ExerciseTimeout(BaseException):
    """The student's function did not answer before the exercise's deadline (a BaseException, so
    that a checker's ``except Exception`` around the call lets it through)."""


class ProcessDied(BaseException):
    """The student's process ended, or sent something that is not a valid answer."""


class StudentError(Exception):
    """The student's function raised; ``remote_type`` is the name of what it raised."""

    def __init__(self, remote_type: str, message: str) -> None:
        super().__init__(message)
        self.remote_type = remote_type


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write ``data`` to the non-blocking ``fd`` before ``deadline`` (``ExerciseTimeout`` after it)."""
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [fd], [], left)[1]:
            raise ExerciseTimeout
        try:
            view = view[os.write(fd, view[: 1 << 16]) :]
        except BlockingIOError:
            continue
        except OSError:
            raise ProcessDied("the process closed its input") from None


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ExerciseTimeout
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise ExerciseTimeout
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            raise ProcessDied("the process ended")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class StudentProcess:
    """One run of a submission in its sandbox: start it in ``work``, run the code ``cells``
    (``(index, source)``, read from the notebook by the grader), answer calls, ``close``."""

    def __init__(self, mechanism: str, cells: list[tuple[int, str]], work: Path, site: Path, functions: list[str],
                 timeout: float, limits: _sandbox.Limits) -> None:
        self.process: subprocess.Popen | None = None
        self.report: dict | None = None
        self._next_id = 0
        self.process = _sandbox.start(mechanism, ["python", "-m", "goalmisgen.teaching._runner"], work, site, limits)
        self._out, self._in = self.process.stdout.fileno(), self.process.stdin.fileno()
        os.set_blocking(self._in, False)
        try:
            self._send({"cells": cells, "timeout": timeout, "functions": functions}, time.monotonic() + STARTUP_S)
            self.report = self._receive(time.monotonic() + timeout + STARTUP_S)
        except BaseException:  # a timeout, a dead process, or Ctrl-C: nothing may be left running
            self.close()
            raise

    def _send(self, message: dict, deadline: float) -> None:
        payload = pickle.dumps(message)
        _write_all(self._in, HEADER.pack(len(payload)) + payload, deadline)

    def _receive(self, deadline: float) -> dict:
        (size,) = HEADER.unpack(_read_exact(self._out, HEADER.size, deadline))
        if size > MAX_MESSAGE:
            raise ProcessDied(f"a reply of {size} bytes (at most {MAX_MESSAGE})")
        try:
            return load_reply(_read_exact(self._out, size, deadline))
        except WireError as error:
            raise ProcessDied(str(error)) from None

    def call(self, function: str, args: tuple, kwargs: dict, deadline: float) -> Any:
        """Call the student's ``function``; its output, or what it raised (see ``RemoteFunction``)."""
        self._next_id += 1
        self._send({"id": self._next_id, "function": function, "args": args, "kwargs": kwargs}, deadline)
        reply = self._receive(deadline)
        if reply.get("id") != self._next_id:
            raise ProcessDied("an answer to another request")
        try:
            if "raised" in reply:
                kind, message = str(reply["raised"])[:80], str(reply.get("message", ""))[:2000]
                if kind == "NotImplementedError":
                    raise NotImplementedError(message)
                raise StudentError(kind, message)
            value = decode(reply.get("value"))
            after = reply.get("args_after") or []
            for original, changed in zip(args, after if isinstance(after, list) else []):
                if changed is not None:
                    _mirror(original, decode(changed))
            changed_kwargs = reply.get("kwargs_after") or {}
            for key, changed in (changed_kwargs.items() if isinstance(changed_kwargs, dict) else []):
                if key in kwargs:
                    _mirror(kwargs[key], decode(changed))
        except WireError as error:
            raise ProcessDied(f"a malformed answer ({error})") from None
        return value

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """Kill the sandbox and everything in it (by the group id the grader holds)."""
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            _sandbox.kill_group(self.process)


def _mirror(original: Any, changed: Any) -> None:
    """Apply to the grader's copy of an input what the student's function did to its own copy,
    so a checker still sees a function that changes its inputs."""
    if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
        if changed.shape != original.shape:
            raise StudentError("ValueError", f"the function changed the shape of an input array to {changed.shape}")
        np.copyto(original, changed, casting="unsafe")
    elif isinstance(original, pd.DataFrame) and isinstance(changed, pd.DataFrame):
        for column in [c for c in original.columns if c not in changed.columns]:
            del original[column]
        if len(changed) == len(original):
            for column in changed.columns:
                original[column] = changed[column].to_numpy()


class RemoteFunction:
    """Stands in for the student's function ``name`` in a checker running in the grader."""

    def __init__(self, process: StudentProcess, name: str, deadline: float) -> None:
        self.process, self.__name__, self.deadline = process, name, deadline

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.process.call(self.__name__, args, kwargs, self.deadline)

