"""Small helpers shared by every exercise checker.

Conventions:

* ``check_something(func)`` prints one ``PASS`` line when every check passes;
* it prints ``not implemented yet`` when ``func`` raises ``NotImplementedError`` (the stub a student
  starts from), so a notebook still runs through; with ``strict=True`` (for grading) it raises
  ``NotImplementedYet``, a ``CheckFailed``, instead;
* it raises ``CheckFailed`` on a wrong answer. In a notebook, IPython shows only the message (what
  differs, and a hint), not a traceback; under pytest it fails the test like any ``AssertionError``;
* a prediction exercise is never wrong for being off: its checker refuses only an answer of the
  wrong form, and otherwise raises ``Recorded`` with the measured value and the reasoning, which the
  checker prints after ``prediction recorded`` (and the grader counts as done).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

PASS = "\N{CHECK MARK}"
FAIL = "\N{BALLOT X}"


class CheckFailed(AssertionError):
    """A learner's answer differs from the reference; the message says how and gives a hint."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback, which would only show checker internals.
        return [f"{FAIL} {self}"]


class NotImplementedYet(CheckFailed):
    """Raised by a strict checker when the learner's function is still the stub."""


class Recorded(Exception):
    """Raised by a prediction's check body: the message gives the prediction, the measured value
    and the reasoning; the checker prints it and passes, however far the prediction was."""


class _NotImplemented(Exception):
    """Raised internally when the learner's function is still the stub."""


def call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function; turn its own errors into ``CheckFailed`` naming the inputs."""
    try:
        return func(*args, **kwargs)
    except NotImplementedError as error:
        raise _NotImplemented from error
    except Exception as error:  # any error in the learner's code is a failed check, reported briefly
        shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
        kind = getattr(error, "remote_type", type(error).__name__)  # the grader's stand-in names the student's error
        raise CheckFailed(f"{getattr(func, '__name__', 'your function')}({shown}) raised {kind}: {error}") from None


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"<array shape={value.shape} dtype={value.dtype}>"
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def checker(label: str) -> Callable[[Callable[[Callable[..., Any]], None]], Callable[..., None]]:
    """Decorate a check body ``body(func)`` (which raises ``CheckFailed``) into a public checker
    ``check(func, strict=False)``; see the module docstring for what it prints and raises.

    The checker keeps the exercise's label in its ``exercise_label`` attribute (the grader reads it).
    """

    def wrap(body: Callable[[Callable[..., Any]], None]) -> Callable[..., None]:
        @functools.wraps(body)
        def run(func: Callable[..., Any], strict: bool = False) -> None:
            try:
                body(func)
            except _NotImplemented:
                message = f"{label}: not implemented yet (replace the `raise NotImplementedError` line with your code)"
                if strict:
                    raise NotImplementedYet(message) from None
                print(message)
                return
            except CheckFailed as failure:
                raise CheckFailed(f"{label}: {failure}") from None
            except Recorded as record:
                print(f"{PASS} {label}: prediction recorded. {record}")
                return
            print(f"{PASS} {label}: all checks passed")

        run.exercise_label = label
        return run

    return wrap


def share_answer(value: Any, what: str, unit: str = "episodes") -> float:
    """A learner's answer that must be a share between 0 and 1 (of ``unit``), as a float; a
    ``CheckFailed`` naming ``what`` for a non-number, NaN, a percentage or a value out of range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{what} should be a number between 0 and 1, got {type(value).__name__} {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise CheckFailed(f"{what} should be a number between 0 and 1, got {value}.")
    if 1 < value <= 100:
        raise CheckFailed(f"{what} is {value:g}: give a share between 0 and 1, not a percentage (0.25, not 25).")
    if not 0 <= value <= 1:
        raise CheckFailed(f"{what} is {value:g}: a share of {unit} lies between 0 and 1.")
    return value
