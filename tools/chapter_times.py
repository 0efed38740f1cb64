"""Time estimates for each chapter: reading, running, exercises; optionally written under its title.

Usage, after a book build (its cache holds each notebook's execution time)::

    python tools/chapter_times.py            # print the estimates
    python tools/chapter_times.py --write    # and put them in each chapter's first cell

* reading: the words of the chapter's markdown cells at 200 words a minute, rounded up to 5 min;
* running: the build's execution time of the notebook (``_build/.jupyter_cache``), rounded up to
  a minute; the machine that built the book is named on the command line (``--machine``);
* exercises: the sum of the ``~N min`` estimates in the chapter's exercise directives.

The line written is the first line after the chapter's ``# title``, in italics, starting with
``*Time:``; a second run replaces it.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 200
MARK = "*Time:"


def _minutes(m: int) -> str:
    return f"{m} min" if m < 60 else f"{m // 60} h" + (f" {m % 60} min" if m % 60 else "")


def estimates(path: Path, seconds: float | None) -> dict:
    nb = json.loads(path.read_text())
    words, exercise = 0, 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown":
            continue
        prose = re.sub(r"```\{(bibliography|glossary)[^`]*```", " ", text, flags=re.S)
        words += len(re.findall(r"[A-Za-z][A-Za-z'-]*", re.sub(r"\{[a-z:]+\}`[^`]*`", " x ", prose)))
        for block in re.findall(r"```\{exercise(?:-start)?\}.*?(?:```|$)", text, flags=re.S):
            found = re.search(r"~(\d+) min", block)
            exercise += int(found.group(1)) if found else 0
    reading = 5 * math.ceil(words / WORDS_PER_MINUTE / 5)
    running = None if seconds is None else max(1, math.ceil(seconds / 60))
    return {"words": words, "reading": reading, "running": running, "exercises": exercise}


def line(e: dict, machine: str) -> str:
    parts = [f"about {_minutes(e['reading'])} of reading"]
    if e["running"] is not None:
        parts.append(f"{_minutes(e['running'])} of running ({machine})")
    if e["exercises"]:
        parts.append(f"{_minutes(e['exercises'])} of exercises")
    return f"{MARK} {', '.join(parts)}.*"


def write(path: Path, text: str) -> None:
    raw = path.read_text()
    nb = json.loads(raw)
    first = nb["cells"][0]
    lines = "".join(first["source"]).split("\n")
    assert lines[0].startswith("# "), f"{path.name}: the first cell does not start with the title"
    if len(lines) > 2 and lines[2].startswith(MARK):
        lines[2] = text
    else:
        lines[1:1] = ["", text]
    body = "\n".join(lines)
    split = body.split("\n")
    first["source"] = [s + "\n" for s in split[:-1]] + ([split[-1]] if split[-1] else [])
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the line under each chapter's title")
    parser.add_argument("--machine", default="measured on a 2-core machine", help="how the running time was measured")
    args = parser.parse_args()
    seconds = {}
    cache = ROOT / "_build" / ".jupyter_cache"
    if cache.exists():
        from jupyter_cache import get_cache

        for record in get_cache(cache).list_cache_records():
            seconds[Path(record.uri).name] = (record.data or {}).get("execution_seconds")
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        e = estimates(path, seconds.get(path.name))
        text = line(e, args.machine)
        print(f"{path.stem:28s} {e['words']:6d} words  {text}")
        if args.write:
            write(path, text)


if __name__ == "__main__":
    main()
