"""Measure each chapter's running time from a book build and ship it in ``data/chapter_times/``.

Usage, after ``jupyter-book build .`` (its cache holds each notebook's execution time)::

    python tools/chapter_times.py --machine "the book's build on a shared 2-core machine"
    python tools/chapter_times.py --cache other/_build/.jupyter_cache --machine "..." --force

It writes ``data/chapter_times/chapter_times.json`` (per chapter: execution seconds, and the words
and exercise minutes of the notebook that was timed) and ``manifest.json`` (how it was measured,
the command, the machine, when). The chapters read it through
``goalmisgen.teaching.times.chapter_times``, which adds the reading and exercise times counted
from the notebooks themselves, and glue the texts into the line under their title.

It then writes the table of times in the instructor guide's syllabus (between the lines
``<!-- chapter times -->`` and ``<!-- end of chapter times -->``); ``--table`` rewrites only
that table, from the shipped artifact and the notebooks as they are (after editing a chapter)::

    python tools/chapter_times.py --table
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goalmisgen.files import write_json  # noqa: E402
from goalmisgen.teaching.times import (  # noqa: E402
    ARTIFACT,
    as_duration,
    chapter_words,
    exercise_minutes,
    reading_minutes,
    running_minutes,
)


def build_times(cache: Path) -> dict[str, dict]:
    """Per notebook name (``00_first_look``): execution seconds and when, from a jupyter-cache folder."""
    from jupyter_cache import get_cache

    found = {}
    for record in get_cache(cache).list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            found[Path(record.uri).stem] = {"seconds": float(seconds), "created": record.created,
                                            "folder": Path(record.uri).parent}
    return found


GUIDE = ROOT / "book" / "instructor_guide.md"
TABLE_START, TABLE_END = "<!-- chapter times -->", "<!-- end of chapter times -->"


def table(out: Path) -> str:
    """The guide's table: per chapter, reading and exercise times counted from the notebook as it is,
    running time from the artifact in ``out``; a last row with the sums."""
    times = json.loads((out / "chapter_times.json").read_text())
    lines = ["| chapter | reading | running | exercises |", "|---|---|---|---|"]
    total = [0, 0, 0]
    for name, measured in sorted(times["chapters"].items()):
        if not name[:2].isdigit():
            continue  # the primer and the explorer are not chapters
        nb = json.loads((ROOT / "book" / f"{name}.ipynb").read_text(encoding="utf-8"))
        row = [reading_minutes(chapter_words(nb)), running_minutes(measured["running_s"]), exercise_minutes(nb)]
        total = [a + b for a, b in zip(total, row)]
        lines.append(f"| {{doc}}`{name}` | " + " | ".join(as_duration(m) for m in row) + " |")
    lines.append("| all chapters | " + " | ".join(as_duration(m) for m in total) + " |")
    return "\n".join(lines)


def write_table(out: Path) -> None:
    text = GUIDE.read_text()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    GUIDE.write_text(text[:start] + "\n" + table(out) + "\n" + text[end:])
    print(table(out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache",
                        help="the jupyter-cache folder of a book build (default: _build/.jupyter_cache)")
    parser.add_argument("--machine", help="the machine that built the book, as the chapters should name it")
    parser.add_argument("--table", action="store_true",
                        help="only rewrite the instructor guide's table from the shipped artifact")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / ARTIFACT, help="the artifact's folder")
    parser.add_argument("--commit", help="the course's commit whose notebooks the build executed "
                        "(default: the commit of the folder the cache's notebooks were in)")
    parser.add_argument("--force", action="store_true", help="replace an existing artifact")
    args = parser.parse_args(argv)
    if args.table:
        write_table(args.out)
        return
    if not args.machine:
        raise SystemExit("--machine is required: the machine that built the book, as the chapters should name it")
    if not args.cache.is_dir():
        raise SystemExit(f"no build cache at {args.cache}: build the book first (jupyter-book build .)")
    if (args.out / "chapter_times.json").exists() and not args.force:
        raise SystemExit(f"{args.out / 'chapter_times.json'} exists; pass --force to replace it")
    timed = build_times(args.cache)
    chapters = {}
    for name in sorted(n for n in timed if (ROOT / "book" / f"{n}.ipynb").is_file()):
        path = timed[name]["folder"] / f"{name}.ipynb"  # the notebook that was timed
        nb = json.loads((path if path.is_file() else ROOT / "book" / f"{name}.ipynb").read_text(encoding="utf-8"))
        words, exercises = chapter_words(nb), exercise_minutes(nb)
        chapters[name] = {"running_s": round(timed[name]["seconds"], 1), "words": words,
                          "exercise_min": exercises}
    if not chapters:
        raise SystemExit(f"the cache at {args.cache} holds no executed chapter")
    folder = next(iter(timed.values()))["folder"]
    commit = args.commit or subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
                                           capture_output=True, text=True).stdout.strip() or "unknown"
    built = max(timed[name]["created"] for name in chapters).astimezone(timezone.utc)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "chapter_times.json", {"machine": args.machine, "chapters": chapters})
    write_json(args.out / "manifest.json", {
        "artifact": ARTIFACT,
        # the cache as a path inside the build's folder, whose commit is recorded below
        "command": "python tools/chapter_times.py " + " ".join(
            shlex.quote("_build/.jupyter_cache" if a == str(args.cache) else a) for a in (argv if argv is not None else sys.argv[1:])),
        "description": "Each chapter's running time: the execution time of its notebook in a jupyter-book build "
                       "(execute_notebooks: cache), read from the build's jupyter-cache records; also the words and "
                       "exercise minutes of each notebook that was timed. Reading and exercise times are not "
                       "stored here: goalmisgen.teaching.times counts them from the notebooks.",
        "machine": args.machine,
        "platform": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "build_finished": built.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "files": ["chapter_times.json"],
    })
    write_table(args.out)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
