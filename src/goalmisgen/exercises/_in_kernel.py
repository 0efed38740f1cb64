"""The grading cell's side of autograding: runs inside the learner's kernel, after their notebook.

``run_checks`` calls each checker in strict mode on the function of that name in the notebook's
namespace, with a time limit per checker, and returns one line: a nonce the learner's code cannot
know, then a JSON list with one ``{"status", "message"}`` per check. The grader trusts only that line, never the
pass lines the notebook printed.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import signal
from typing import Any

from goalmisgen.exercises._check import CheckFailed, NotImplementedYet


class _CheckTimeout(BaseException):
    """Raised by the alarm when a checker runs too long (a BaseException, so that the checker's
    ``except Exception`` around the learner's call does not swallow it)."""


def _alarm(signum: int, frame: object) -> None:
    raise _CheckTimeout


@contextlib.contextmanager
def _time_limit(seconds: float):
    try:
        previous = signal.signal(signal.SIGALRM, _alarm)
    except ValueError:  # not the main thread: the grader's process limit still applies
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_check(namespace: dict[str, Any], check: dict[str, str], check_timeout: float) -> dict[str, str]:
    """Grade one exercise: ``{"status": pass|fail|not-implemented|timeout|missing, "message": ...}``."""
    function = namespace.get(check["function"])
    if not callable(function):
        return {"status": "missing", "message": f"no function named `{check['function']}` is defined"}
    checker = getattr(importlib.import_module(check["module"]), check["checker"])
    prefix = f"{check['label']}: "
    try:
        with _time_limit(check_timeout), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            checker(function, strict=True)
    except NotImplementedYet as failure:
        return {"status": "not-implemented", "message": str(failure).removeprefix(prefix)}
    except CheckFailed as failure:
        return {"status": "fail", "message": str(failure).removeprefix(prefix)}
    except _CheckTimeout:
        return {"status": "timeout", "message": f"the checker did not finish within {check_timeout:g} s (an endless loop?)"}
    except BaseException as error:  # the learner's function may raise anything, SystemExit included
        return {"status": "fail", "message": f"checking stopped with {type(error).__name__}: {error}"}
    return {"status": "pass", "message": ""}


def run_checks(namespace: dict[str, Any], checks_json: str, check_timeout: float, nonce: str) -> str:
    """Grade every exercise of ``checks_json`` (a JSON list of checks); the one line to print."""
    results = [run_check(namespace, check, check_timeout) for check in json.loads(checks_json)]
    return nonce + json.dumps(results)
