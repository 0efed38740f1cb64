"""What passes between the grader and a submission's process: length-prefixed messages on a pipe.

Grader to submission: ``pickle`` (the grader's own data: the checker's inputs). Submission to
grader: **plain data only**, JSON in which numpy arrays travel as ``.npy`` bytes read back with
``allow_pickle=False``. ``decode`` accepts ``None``, bools, ints, floats (NaN and infinities
included), strings, lists, tuples, dicts, numpy arrays and scalars (no object dtype), pandas
``Series`` and ``DataFrame``; anything else the submission returned arrives as an ``Opaque`` that
names its type. Nothing in a reply can run code in the grader, and a malformed reply raises
``WireError``.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from typing import Any, BinaryIO

import numpy as np

MAX_MESSAGE = 16 * 2**20  # bytes of a reply (a checker's outputs are kilobytes); a longer one is refused unread
MAX_DEPTH = 32
HEADER = struct.Struct(">Q")


class WireError(Exception):
    """A message from the submission's process that is not one the protocol allows."""


class Opaque:
    """A value of a type that does not travel (a generator, a custom class...): only its type name."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name[:80]

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


def write_message(stream: BinaryIO, payload: bytes) -> None:
    """Write one message: its length (8 bytes, big-endian), then its bytes."""
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-able plain data (the submission's side; see ``decode``)."""
    if depth > MAX_DEPTH:
        return {"t": "opaque", "type": "too deeply nested value"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, np.generic) and value.dtype.kind != "O":  # before bool, int and float: np.float64 is a float
        return {"t": "npscalar", "npy": _npy(np.asarray(value))}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": int.__repr__(value)}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, (list, tuple)):
        return {"t": type(value).__name__ if type(value) in (list, tuple) else "list",
                "v": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return {"t": "ndarray", "npy": _npy(value)}
    if type(value).__module__.startswith("pandas"):
        return _encode_pandas(value, depth)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return encode(value.detach().cpu().numpy(), depth)
    return {"t": "opaque", "type": type(value).__name__}


def _encode_pandas(value: Any, depth: int) -> Any:
    import pandas as pd  # loaded only when a function returns pandas data

    if isinstance(value, pd.Series) and value.dtype.kind != "O":
        return {"t": "series", "npy": _npy(value.to_numpy()), "index": encode(value.index.to_numpy(), depth + 1),
                "name": encode(value.name, depth + 1)}
    if isinstance(value, pd.DataFrame):
        return {"t": "dataframe", "columns": [encode(c, depth + 1) for c in value.columns],
                "data": [encode(value.iloc[:, i], depth + 1) for i in range(value.shape[1])],
                "index": encode(value.index.to_numpy(), depth + 1)}
    return {"t": "opaque", "type": type(value).__name__}


def _array(text: Any) -> np.ndarray:
    if not isinstance(text, str):
        raise WireError("an array must travel as a string")
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except Exception as error:  # any malformed bytes
        raise WireError(f"a malformed array ({type(error).__name__})") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind in "OV":
        raise WireError("arrays of objects do not travel")
    return array


def decode(data: Any, depth: int = 0) -> Any:
    """The value that ``encode`` described, rebuilt by the grader from plain data only.

    Raises:
        WireError: for anything that is not a well-formed description.
    """
    if depth > MAX_DEPTH + 2 or not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise WireError("a value description must be an object with a type tag")
    kind, v = data["t"], data.get("v")
    if kind == "none":
        return None
    if kind == "bool" and isinstance(v, bool):
        return v
    if kind in ("int", "float") and isinstance(v, str) and len(v) < 5000:
        try:
            return int(v) if kind == "int" else float(v)
        except ValueError:
            raise WireError(f"not a number: {v[:40]!r}") from None
    if kind == "str" and isinstance(v, str):
        return v
    if kind in ("list", "tuple") and isinstance(v, list):
        items = [decode(x, depth + 1) for x in v]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(v, list):
        out = {}
        for pair in v:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("a dict item must be a pair")
            key = decode(pair[0], depth + 1)
            try:
                out[key] = decode(pair[1], depth + 1)
            except TypeError:
                raise WireError("a dict key must be hashable") from None
        return out
    if kind == "npscalar":
        array = _array(data.get("npy"))
        if array.shape != ():
            raise WireError("a numpy scalar must have shape ()")
        return array[()]
    if kind == "ndarray":
        return _array(data.get("npy"))
    if kind in ("series", "dataframe"):
        return _decode_pandas(data, depth)
    if kind == "opaque":
        return Opaque(str(data.get("type", "value")))
    raise WireError(f"unknown or malformed value of type tag {kind[:40]!r}")


def _decode_pandas(data: dict, depth: int) -> Any:
    import pandas as pd

    if data["t"] == "series":
        values = _array(data.get("npy"))
        index = decode(data.get("index"), depth + 1)
        return pd.Series(values, index=_index(index, len(values)), name=_hashable(decode(data.get("name"), depth + 1)))
    columns, series = data.get("columns"), data.get("data")
    if not (isinstance(columns, list) and isinstance(series, list) and len(columns) == len(series)):
        raise WireError("a data frame needs as many columns as column names")
    parts = [decode(s, depth + 1) for s in series]
    if not all(isinstance(p, pd.Series) for p in parts):
        raise WireError("a data frame's columns must be series")
    index = decode(data.get("index"), depth + 1)
    n = len(parts[0]) if parts else (len(index) if isinstance(index, np.ndarray) else 0)
    frame = pd.DataFrame({i: p.to_numpy() for i, p in enumerate(parts)}, index=_index(index, n))
    frame.columns = [_hashable(decode(c, depth + 1)) for c in columns]
    return frame


def _index(index: Any, n: int) -> np.ndarray:
    if not isinstance(index, np.ndarray) or index.shape != (n,):
        raise WireError("an index must be an array as long as the values")
    return index


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise WireError("a name must be hashable") from None
    return value


def load_reply(payload: bytes) -> dict:
    """Parse one reply (JSON object) from the submission's process."""
    try:
        reply = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WireError("a reply that is not JSON") from None
    if not isinstance(reply, dict):
        raise WireError("a reply must be a JSON object")
    return reply
