"""Finding processes by their command line, for the tests that check nothing outlives grading."""

import os
from pathlib import Path


def processes_with(marker: str, descendants_of: int | None = None) -> list[int]:
    """Processes whose command line holds ``marker`` (only descendants of a pid, if given)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return [p for p in found if descendants_of is None or descendants_of in ancestors(p)]


def ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        chain.append(pid)
    return chain
