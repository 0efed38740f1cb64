"""Where the shipped artifacts (``data/``) are."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The repository's ``data/`` folder.

    Looks at ``$GOALMISGEN_DATA``, then next to the source tree (a clone, installed with
    ``pip install -e``), then in the current folder and its parents.

    Raises:
        FileNotFoundError: with the places searched, if none holds a ``data/`` folder.
    """
    candidates = []
    if os.environ.get("GOALMISGEN_DATA"):
        candidates.append(Path(os.environ["GOALMISGEN_DATA"]))
    candidates.append(Path(__file__).resolve().parents[2] / "data")
    cwd = Path.cwd().resolve()
    candidates += [p / "data" for p in (cwd, *cwd.parents)]
    for path in candidates:
        if (path / "coinrun_headline").is_dir():
            return path
    raise FileNotFoundError(
        "no data/ folder with the shipped artifacts found; clone the course repository "
        f"or set GOALMISGEN_DATA (searched: {', '.join(str(c) for c in candidates[:4])}, ...)"
    )
