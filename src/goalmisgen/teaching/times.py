"""How long a chapter takes: reading, running and exercises, for the line under its title.

* reading: the words of the chapter's markdown cells (math, code, roles' targets and the reference
  list left out) at :data:`WORDS_PER_MINUTE`, rounded up to 5 minutes; counted from the notebook
  itself, so it follows every edit;
* exercises: the sum of the ``~N min`` estimates in the chapter's ``{exercise}`` directives, also
  read from the notebook;
* running: measured, the chapter's execution time in a build of the book, rounded up to a minute;
  read from ``data/chapter_times/`` (``python tools/chapter_times.py`` measures it and says how in
  the artifact's manifest). A chapter not measured yet (a new one) says so instead of a time.

A chapter glues the three texts and the machine of the measurement in a removed cell::

    for key, text in chapter_times("00_first_look").items():
        glue(f"time_{key}", text, display=False)
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from goalmisgen.paths import data_dir

WORDS_PER_MINUTE = 200
ARTIFACT = "chapter_times"

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def chapter_words(notebook: dict) -> int:
    """Words a reader reads in a notebook (nbformat 4 as a dict): its markdown cells without fenced
    reference lists and glossaries, math, or the targets of roles (a role counts as one word)."""
    words = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        text = re.sub(r"```\{(bibliography|glossary)[^`]*```", " ", text, flags=re.S)
        text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", text, flags=re.S)
        text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " x ", text)
        words += len(_WORD.findall(text))
    return words


def exercise_minutes(notebook: dict) -> int:
    """Sum of the ``~N min`` estimates of the ``{exercise}`` / ``{exercise-start}`` directives."""
    total = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for block in re.findall(r"```\{exercise(?:-start)?\}.*?(?:```|$)", "".join(cell["source"]), flags=re.S):
            found = re.search(r"~(\d+) min", block)
            total += int(found.group(1)) if found else 0
    return total


def reading_minutes(words: int) -> int:
    """Reading time in minutes at :data:`WORDS_PER_MINUTE`, rounded up to 5 minutes (at least 5)."""
    return max(5, 5 * math.ceil(words / WORDS_PER_MINUTE / 5))


def running_minutes(seconds: float) -> int:
    """A measured running time in whole minutes, rounded up (at least 1)."""
    return max(1, math.ceil(seconds / 60))


def as_duration(minutes: int) -> str:
    """``45`` -> ``"45 min"``, ``80`` -> ``"1 h 20 min"``, ``120`` -> ``"2 h"``."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")


def _notebook(chapter: str) -> dict:
    """The chapter's notebook: the one in the current folder (a chapter runs in its own folder, in
    the book's build, in Colab and in the student edition), else the course's ``book/``."""
    for folder in (Path.cwd(), data_dir().parent / "book"):
        path = folder / f"{chapter}.ipynb"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no notebook {chapter}.ipynb in {Path.cwd()} or in the course's book/")


NOT_MEASURED = "not measured yet: python tools/chapter_times.py measures it after a build of the book"


def measured_running(chapter: str) -> tuple[float, str] | None:
    """The chapter's measured running time in seconds and the machine it was measured on, or None
    if ``data/chapter_times/`` holds no measurement of ``chapter``."""
    path = data_dir() / ARTIFACT / "chapter_times.json"
    times = json.loads(path.read_text()) if path.is_file() else {"chapters": {}}
    if chapter not in times["chapters"]:
        return None
    return float(times["chapters"][chapter]["running_s"]), times["machine"]


def chapter_times(chapter: str) -> dict[str, str]:
    """Texts for the line under a chapter's title, e.g. ``{"reading": "15 min", "running": "5 min",
    "exercises": "35 min", "machine": "the book's build on a shared 2-core machine"}``.

    Args:
        chapter: the notebook's name without ``.ipynb``, e.g. ``"00_first_look"``.
    """
    notebook = _notebook(chapter)
    measured = measured_running(chapter)
    return {
        "reading": as_duration(reading_minutes(chapter_words(notebook))),
        "running": "an unmeasured time" if measured is None else as_duration(running_minutes(measured[0])),
        "exercises": as_duration(exercise_minutes(notebook)),
        "machine": NOT_MEASURED if measured is None else measured[1],
    }


def course_times() -> dict[str, str]:
    """Texts for the whole course (the chapters ``0*.ipynb`` of the book's folder, the current one
    or the course's ``book/``): reading, running and exercise times added up, and the machine of
    the measurement; running is ``"an unmeasured time"`` while a chapter has no measurement."""
    folder = Path.cwd() if any(Path.cwd().glob("0*.ipynb")) else data_dir().parent / "book"
    chapters = sorted(path.stem for path in folder.glob("0*.ipynb"))
    if not chapters:
        raise FileNotFoundError(f"no chapter notebooks (0*.ipynb) in {folder}")
    reading = exercises = running = 0
    machine = None
    for chapter in chapters:
        notebook = _notebook(chapter)
        reading += reading_minutes(chapter_words(notebook))
        exercises += exercise_minutes(notebook)
        measured = measured_running(chapter)
        if measured is None:
            running = None
        elif running is not None:
            running += running_minutes(measured[0])
            machine = measured[1]
    return {
        "reading": as_duration(reading),
        "running": "an unmeasured time" if running is None else as_duration(running),
        "exercises": as_duration(exercises),
        "machine": NOT_MEASURED if running is None else machine,
    }
