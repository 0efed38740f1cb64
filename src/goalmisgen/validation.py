"""Checks for everything a user passes in: one rule set, one wording, used by every module.

The rules:

* a ``bool`` is not a number (``True`` is refused where an integer or a float is asked for);
* numpy scalars are accepted (``np.int64(3)``, ``np.float32(0.02)``) and returned as Python numbers;
* NaN and infinities are refused;
* a failed check raises ``ValueError`` whose message names the argument, shows the value it got and
  says what is allowed, e.g. ``gamma=True is not allowed: gamma must be a number in (0, 1]``.

Example:
    >>> from goalmisgen.validation import check_int, check_float, check_choice
    >>> check_int("num_envs", 64, low=1)
    64
    >>> check_float("random_fraction", np.float32(0.02), low=0.0, high=1.0)
    0.019999999552965164
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np


def _fail(name: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r} is not allowed: {name} must be {allowed}")


def _range_words(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def is_int(value: Any) -> bool:
    """True for Python and numpy integers, False for bools and everything else."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a Python int, or ValueError unless it is an integer in ``[low, high]``."""
    words = "an integer" + (" " + _range_words(low, high, False, False) if low is not None or high is not None else "")
    if not is_int(value):
        raise _fail(name, value, words)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(name, value, words)
    return value


MAX_SEED = 2**64 - 1
"""Largest random seed: seeds are 64-bit unsigned integers (what torch's generators take)."""


def check_seed(value: Any, name: str = "seed") -> int:
    """``value`` as a Python int, or ValueError unless it is an integer in ``[0, MAX_SEED]``."""
    return check_int(name, value, low=0, high=MAX_SEED)


def check_float(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a Python float, or ValueError unless it is a finite real number in the range
    (closed ends by default; ``low_open``/``high_open`` exclude an end). Integers are accepted."""
    words = "a finite number" + (" " + _range_words(low, high, low_open, high_open) if low is not None or high is not None else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise _fail(name, value, words)
    value = float(value)
    if not math.isfinite(value):
        raise _fail(name, value, words)
    if low is not None and (value < low or (low_open and value == low)):
        raise _fail(name, value, words)
    if high is not None and (value > high or (high_open and value == high)):
        raise _fail(name, value, words)
    return value


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a Python bool, or ValueError unless it is ``True``/``False`` (or a numpy bool)."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(name, value, "True or False")
    return bool(value)


def check_choice(name: str, value: Any, allowed: Iterable) -> Any:
    """``value`` itself, or ValueError unless it is one of ``allowed``."""
    allowed = tuple(allowed)
    try:
        ok = value in allowed and not isinstance(value, (bool, np.bool_))
    except TypeError:  # unhashable or incomparable values
        ok = False
    if not ok:
        raise _fail(name, value, f"one of {', '.join(repr(a) for a in allowed)}")
    return value


def check_int_array(name: str, values: Any, shape: tuple | None = None, low: int | None = None,
                    high: int | None = None) -> np.ndarray:
    """``values`` as an int64 array, or ValueError unless it holds integers (not bools) in
    ``[low, high]`` with the given ``shape`` (None: any shape)."""
    a = np.asarray(values)
    what = "integers" + (" " + _range_words(low, high, False, False) if low is not None or high is not None else "")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got shape {a.shape}")
    if a.dtype.kind not in "iu":
        if a.dtype.kind == "O" and a.size and all(is_int(v) for v in a.reshape(-1)):
            a = a.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold {what}, got dtype {a.dtype}")
    if a.size:
        lo, hi = a.min(), a.max()
        if (low is not None and lo < low) or (high is not None and hi > high):
            raise ValueError(f"{name} must hold {what}, got values from {lo} to {hi}")
    if a.dtype == np.uint64 and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must hold {what}, got values up to {a.max()}")
    return a.astype(np.int64, copy=False)


def check_known_keys(name: str, given: Iterable[str], allowed: Iterable[str]) -> None:
    """ValueError naming the unknown keys if ``given`` has any key outside ``allowed``."""
    allowed = sorted(allowed)
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {name} {unknown}; allowed: {allowed}")
