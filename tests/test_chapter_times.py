"""The time line under each chapter's title is computed, never typed: reading and exercise times
counted from the notebook, the running time measured in a book build and shipped in
data/chapter_times/ with a manifest that says how."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from goalmisgen.teaching.times import (
    as_duration,
    chapter_times,
    chapter_words,
    exercise_minutes,
    reading_minutes,
    running_minutes,
)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = ROOT / "data" / "chapter_times"
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("0*.ipynb"))
# chapter 3 is rewritten in another issue; its time line is still typed (strict: passes once glued)
TYPED: set[str] = set()


def _nb(*markdown):
    return {"cells": [{"cell_type": "markdown", "source": [m]} for m in markdown]
            + [{"cell_type": "code", "source": ["words in code do not count"]}]}


def test_words_leave_out_math_roles_and_reference_lists():
    nb = _nb("One two three $x + y$ {term}`many words here` four.\n\n$$a b c$$",
             "```{bibliography}\n:filter: docname in docnames\n```\nfive")
    assert chapter_words(nb) == 6  # the role counts as one word


def test_exercise_minutes_sum_the_directives_estimates():
    nb = _nb("```{exercise} Predict (~10 min)\ntext\n```", "```{exercise-start} Code it (~25 min)\n:label: x\n```",
             "```{note}\n~99 min is not an exercise\n```")
    assert exercise_minutes(nb) == 35


@pytest.mark.parametrize("words, minutes", [(0, 5), (1000, 5), (1001, 10), (3000, 15), (3001, 20)])
def test_reading_rounds_up_to_five_minutes(words, minutes):
    assert reading_minutes(words) == minutes


def test_durations_read_as_hours_and_minutes():
    assert [as_duration(m) for m in (5, 60, 80)] == ["5 min", "1 h", "1 h 20 min"]
    assert [running_minutes(s) for s in (0.5, 60, 61)] == [1, 1, 2]


def test_the_artifact_measures_every_chapter_and_says_how():
    manifest = json.loads((ARTIFACT / "manifest.json").read_text())
    times = json.loads((ARTIFACT / "chapter_times.json").read_text())
    assert manifest["command"].startswith("python tools/chapter_times.py")
    assert manifest["machine"] == times["machine"] and manifest["build_finished"]
    assert set(CHAPTERS) <= set(times["chapters"])
    assert all(t["running_s"] > 0 for t in times["chapters"].values())


@pytest.mark.parametrize("chapter", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="typed, rewritten elsewhere"))
                                     if c in TYPED else c for c in CHAPTERS])
def test_the_time_line_is_glued_from_the_chapters_own_times(chapter):
    nb = json.loads((ROOT / "book" / f"{chapter}.ipynb").read_text())
    title = "".join(nb["cells"][0]["source"]).split("\n")
    line = next(l for l in title if l.startswith("*Time:"))
    assert not re.search(r"\d", re.sub(r"\{glue:text\}`[^`]*`", "", line)), f"{chapter}: a typed number in {line!r}"
    keys = set(re.findall(r"\{glue:text\}`(time_[a-z]+)`", line))
    assert keys == {"time_reading", "time_running", "time_exercises", "time_machine"}
    glue_cells = [c for c in nb["cells"] if c["cell_type"] == "code" and f'chapter_times("{chapter}")' in "".join(c["source"])]
    assert len(glue_cells) == 1 and "remove-cell" in glue_cells[0]["metadata"].get("tags", [])


def test_chapter_times_counts_the_notebook_and_reads_the_measurement(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no notebook here: the course's book/ is read
    times = chapter_times("00_first_look")
    nb = json.loads((ROOT / "book" / "00_first_look.ipynb").read_text())
    assert times["reading"] == as_duration(reading_minutes(chapter_words(nb)))
    assert times["exercises"] == as_duration(exercise_minutes(nb))
    assert times["running"].endswith("min") and times["machine"]


def test_a_chapter_not_measured_yet_says_so(monkeypatch, tmp_path):
    (tmp_path / "99_new.ipynb").write_text(json.dumps(_nb("# New\n\n" + "word " * 1500)))
    monkeypatch.chdir(tmp_path)
    times = chapter_times("99_new")
    assert times["reading"] == "10 min" and not re.search(r"\d", times["running"])
    assert "not measured yet" in times["machine"] and "tools/chapter_times.py" in times["machine"]


def _tool():
    spec = importlib.util.spec_from_file_location("chapter_times_tool", ROOT / "tools" / "chapter_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tool_needs_a_build_and_keeps_an_existing_artifact(tmp_path):
    tool = _tool()
    with pytest.raises(SystemExit, match="build the book first"):
        tool.main(["--cache", str(tmp_path / "none"), "--machine", "m", "--out", str(tmp_path)])
    (tmp_path / "cache").mkdir()
    (tmp_path / "chapter_times.json").write_text("{}")
    with pytest.raises(SystemExit, match="--force"):
        tool.main(["--cache", str(tmp_path / "cache"), "--machine", "m", "--out", str(tmp_path)])
    assert (tmp_path / "chapter_times.json").read_text() == "{}"


def test_the_instructor_guide_has_the_measured_times():
    """The guide's syllabus table is the tool's (``python tools/chapter_times.py --table``): a row per
    measured chapter with its measured running time, and the sums."""
    guide = (ROOT / "book" / "instructor_guide.md").read_text()
    tool = _tool()
    shown = guide[guide.index(tool.TABLE_START) + len(tool.TABLE_START):guide.index(tool.TABLE_END)]
    times = json.loads((ARTIFACT / "chapter_times.json").read_text())
    rows = {m[1]: m.groups()[1:] for m in re.finditer(r"^\| \{doc\}`(\w+)` \| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \|$", shown, re.M)}
    assert sorted(rows) == CHAPTERS
    for name, (reading, running, exercises) in rows.items():
        assert running == as_duration(running_minutes(times["chapters"][name]["running_s"])), name
    assert "| all chapters |" in shown


def test_the_primer_glues_its_reading_time():
    nb = json.loads((ROOT / "book" / "primer.ipynb").read_text())
    top = "".join(nb["cells"][0]["source"])
    assert "{glue:text}`time_reading` of reading" in top
    assert not re.search(r"\{admonition\}[^\n]*\d", top), "a typed number in the primer's box"
    assert any('chapter_times("primer")' in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_the_front_page_glues_the_course_times():
    from goalmisgen.teaching.times import course_times

    intro = (ROOT / "book" / "intro.md").read_text()
    paragraph = intro[intro.index("**Time.**"):intro.index("```{code-cell}", intro.index("**Time.**"))]
    assert not re.search(r"\d", re.sub(r"\{glue:text\}`[^`]*`", "", paragraph)), paragraph
    for key in ("course_reading", "course_exercises", "course_running", "course_machine", "primer_reading"):
        assert f"{{glue:text}}`{key}`" in intro
    totals = course_times()
    nbs = [json.loads((ROOT / "book" / f"{c}.ipynb").read_text()) for c in CHAPTERS]
    assert totals["reading"] == as_duration(sum(reading_minutes(chapter_words(nb)) for nb in nbs))
    assert totals["exercises"] == as_duration(sum(exercise_minutes(nb) for nb in nbs))
