"""The submission's side of grading: runs *inside* the sandbox, as ``python -m goalmisgen.teaching._runner``.

It executes the notebook's code cells (sent by the grader) in order (errors allowed: a broken cell
does not stop the others; when the notebook's time runs out, the rest is skipped), then answers
the grader's requests one at a time: "call your function ``name`` on these inputs". Each answer is
the function's output (or the error it raised) as plain data (``_wire``), with any input the
function changed in place.

Nothing here decides a grade. Once the notebook has run, this process is the student's: it may
have been patched in any way, so the grader treats every answer as the student's own output and
compares it with the reference itself, in its own process.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import traceback
from typing import Any, BinaryIO

import numpy as np

from goalmisgen.teaching._wire import HEADER, encode, write_message

_dumps = json.dumps  # held before the notebook runs: a notebook that patches json hurts only its own answers


def read_message(stream: BinaryIO) -> Any:
    """One pickled message from the grader (its own data), or None at the end of the pipe."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def _send(stream: BinaryIO, reply: dict) -> None:
    write_message(stream, _dumps(reply).encode("utf-8"))


class _OutOfTime(KeyboardInterrupt):
    """The notebook's time ran out (raised by the alarm, a KeyboardInterrupt like Jupyter's interrupt)."""


def _alarm(signum: int, frame: object) -> None:
    raise _OutOfTime


def _shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def _needs_ipython(source: str) -> bool:
    """A cell with IPython syntax (``%magic``, ``!command``, ``x?``) needs IPython's shell."""
    return any(line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") for line in source.split("\n"))


def _run_plain(source: str, namespace: dict) -> BaseException | None:
    try:
        exec(compile(source, "<cell>", "exec"), namespace)  # the student's code, in the student's sandbox
    except BaseException as error:  # a cell may raise anything; the notebook goes on, as with allow_errors
        return error
    return None


def run_notebook(cells: list[tuple[int, str]], timeout: float) -> tuple[dict, dict]:
    """Run the code cells ``(index, source)`` in order; the namespace and a report
    ``{stopped_at, errors}``. Plain Python runs with ``exec``; IPython's shell is loaded only for a
    notebook that uses its syntax (it is slow to import)."""
    report: dict = {"stopped_at": None, "errors": []}
    shell = _shell() if any(_needs_ipython(source) for _, source in cells) else None
    namespace = shell.user_ns if shell is not None else {"__name__": "__main__", "__builtins__": __builtins__}
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    index = None
    try:
        for index, source in cells:
            if shell is not None:
                result = shell.run_cell(source, store_history=False)
                error = result.error_before_exec or result.error_in_exec
            else:
                error = _run_plain(source, namespace)
            if isinstance(error, _OutOfTime):
                report["stopped_at"] = index
                break
            if error is not None:
                report["errors"].append({"cell": index, "ename": type(error).__name__, "evalue": str(error)[:300]})
    except _OutOfTime:
        report["stopped_at"] = index
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return namespace, report


def describe(namespace: dict, name: str) -> dict:
    """What the grader is told about the function ``name``: whether it is callable, and the
    ``goalmisgen`` objects it is or uses (so that the grader can flag a copied reference)."""
    function = namespace.get(name)
    if not callable(function):
        return {"callable": False, "uses": []}
    uses = set()
    for obj in [function, *_globals_used(function)]:
        module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
        if isinstance(module, str) and module.startswith("goalmisgen"):
            uses.add(f"{module}.{getattr(obj, '__qualname__', '')}".rstrip("."))
    return {"callable": True, "uses": sorted(uses)}


def _globals_used(function: Any) -> list:
    code, scope = getattr(function, "__code__", None), getattr(function, "__globals__", {})
    if code is None:
        return []
    names, stack = set(), [code]
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack += [k for k in c.co_consts if hasattr(k, "co_names")]
    return [scope[n] for n in names if n in scope]


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) or type(value).__name__ == "DataFrame" else None


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return before.shape != after.shape or not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if type(before).__name__ == "DataFrame":
        return not (before.columns.equals(after.columns) and before.equals(after))
    return False


def call(namespace: dict, request: dict) -> dict:
    """Call the student's function on the request's inputs; the reply (plain data)."""
    function = namespace.get(request["function"])
    args, kwargs = request["args"], request["kwargs"]
    before = [_copy(a) for a in args], {k: _copy(v) for k, v in kwargs.items()}
    try:
        value = function(*args, **kwargs)
    except BaseException as error:  # the student's code may raise anything, SystemExit included
        return {"id": request["id"], "raised": type(error).__name__, "message": str(error)[:2000]}
    try:
        reply = {"id": request["id"], "value": encode(value)}
        reply["args_after"] = [encode(a) if b is not None and _changed(b, a) else None for a, b in zip(args, before[0])]
        reply["kwargs_after"] = {k: encode(v) for k, v in kwargs.items() if before[1][k] is not None and _changed(before[1][k], v)}
    except Exception as error:  # a value whose conversion fails (a broken __array__, say)
        return {"id": request["id"], "raised": "UnsupportedValue", "message": f"{type(error).__name__}: {error}"[:2000]}
    return reply


def main() -> int:
    """Serve the grader on the pipes it gave as stdin and stdout."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the notebook's own output goes nowhere; the protocol has its own descriptors
        os.dup2(null, fd)
    start = read_message(requests)
    namespace, report = run_notebook(start["cells"], start["timeout"])
    report["functions"] = {name: describe(namespace, name) for name in start["functions"]}
    _send(replies, report)
    while (request := read_message(requests)) is not None:
        try:
            _send(replies, call(namespace, request))
        except Exception:  # a reply that cannot be written: the grader reports the exercise as crashed
            traceback.print_exc()
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
