"""Autograding a folder of submissions built from a tiny fixture notebook, in one grading run:

* ordinary submissions: correct, partial, wrong, broken (the kernel dies), endless, a syntax
  error, a faker that patches the checkers in its own process, a notebook that deletes the files
  of its folder, one without its checker cells, one that renamed a function with its checker call;
* hostile ones, one per attack of ``tests/fixtures/hostile/`` (each file's docstring-comment says
  what it tries): forged results, damage to other students and to the grades file, reaching
  other submissions or the solutions, adding an exercise, outliving grading, reading secrets,
  cancelling alarms, exhausting memory; a symbolic link; a student whose name is a formula.

Whatever the sandbox this machine has, grades must be right and the other students' files and the
grades file untouched. Where a guarantee needs bubblewrap's private file system, the test says so.
"""

import copy
import os
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell

from goalmisgen.teaching import _sandbox
from goalmisgen.teaching.__main__ import main
from goalmisgen.teaching.grade import COLUMNS, STATUSES, escape_cell, grade_submissions
from goalmisgen.teaching.student import student_notebook
from processes import processes_with

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = FIXTURES / "tiny_exercises.ipynb"
HOSTILE = FIXTURES / "hostile"
TIMEOUT = 12  # seconds per notebook: the fixture's cells take under one; a slow machine must not time out
CHECK_TIMEOUT = 6
SWAP, DRIFT = "ex-ads-swap", "ex-ads-drift"  # the checkers' labels; the fixture reuses them
MECHANISM = _sandbox.choose("auto") if _sandbox.available()[0] != "none" else "none"
PRIVATE_FILES = MECHANISM == "bwrap"
SECRET = "GOALMISGEN_GRADER_SECRET"
FORMULA_STUDENT = "=HYPERLINK(1)"

# student -> (swap status, drift status); None: anything but "pass"; "any": not checked
EXPECTED = {
    "correct": ("pass", "pass"),
    "partial": ("pass", "not-implemented"),
    "wrong": ("fail", "not-implemented"),
    "broken": ("crash", "crash"),
    "endless": ("pass", "timeout"),
    "syntax": ("fail", "pass"),
    "faker": ("not-implemented", "not-implemented"),
    "a_deleter": ("pass", "pass"),
    "no_checker_cells": ("pass", "pass"),
    "renamed": ("pass", "pass"),
    "hostile_patch_comparisons": ("fail", "fail"),
    "hostile_import_hook": ("fail", "not-implemented"),
    "hostile_stack_frame": ("fail", "fail"),
    "hostile_proc_forge_kill": (None, None),
    "hostile_rewrite_others": ("fail", "not-implemented"),
    "hostile_daemon": ("fail", "not-implemented"),
    "hostile_pid_file": ("fail", "not-implemented"),
    "hostile_copycat": ("fail", "not-implemented"),
    "hostile_solutions_via_package": ("fail", "not-implemented"),
    # without bubblewrap the file system is shared: a clone's solutions can be read (a documented limit)
    "hostile_solutions_anywhere": ("fail", "not-implemented") if PRIVATE_FILES else ("any", "any"),
    "hostile_uses_reference": ("pass", "pass"),
    "hostile_extra_exercise": ("fail", "not-implemented"),
    "hostile_cancel_alarm": ("timeout", "pass"),
    "hostile_read_secrets": ("fail", "fail"),
    "hostile_memory_hog": ("fail", "not-implemented"),
    FORMULA_STUDENT: ("pass", "pass"),
    "zz_victim": ("pass", "pass"),
    "linked": ("refused", "refused"),
}
ON_CORRECT = {"cancel_alarm"}  # attacks appended to the correct notebook (the others: to a wrong one)


def code_cell_index(nb, text):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and text in c.source)


def submissions(folder: Path) -> None:
    source = nbformat.read(FIXTURE, as_version=4)
    student = student_notebook(source)
    swap_cell = code_cell_index(student, "def swap_assignment")
    drift_check = code_cell_index(source, "check_interest_drift(")

    def write(name, nb):
        nbformat.write(nb, folder / f"{name}.ipynb")

    write("correct", source)
    partial = copy.deepcopy(student)
    partial.cells[swap_cell].source = "def swap_assignment(step, n_learners):\n    return (np.arange(n_learners) + step) % n_learners"
    write("partial", partial)
    wrong = copy.deepcopy(partial)
    wrong.cells[swap_cell].source = "def swap_assignment(step, n_learners):\n    return (np.arange(n_learners) - step) % n_learners"
    write("wrong", wrong)
    broken = copy.deepcopy(source)
    broken.cells.append(new_code_cell("import os\nos._exit(1)"))
    write("broken", broken)
    endless = copy.deepcopy(source)
    endless.cells.insert(drift_check - 3, new_code_cell("while True:\n    pass"))
    write("endless", endless)
    syntax = copy.deepcopy(source)
    syntax.cells[code_cell_index(source, "def swap_assignment")].source = "def swap_assignment(step, n_learners)\n    return 0"
    write("syntax", syntax)
    faker = copy.deepcopy(student)
    faker.cells.append(new_code_cell(
        "import goalmisgen.exercises.auto_induced_shift as checkers\n"
        "checkers.check_swap_assignment = checkers.check_interest_drift = lambda f, strict=False: None\n"
        "print('\\N{CHECK MARK} ex-tiny-swap: all checks passed')\n"
        "print('\\N{CHECK MARK} ex-tiny-drift: all checks passed')"
    ))
    write("faker", faker)
    deleter = copy.deepcopy(source)
    deleter.cells.insert(1, new_code_cell("import os\nfor name in os.listdir('.'):\n    os.remove(name)"))
    write("a_deleter", deleter)
    renamed = copy.deepcopy(source)
    for cell in renamed.cells:
        cell.source = cell.source.replace("def swap_assignment(", "def my_swap(").replace("(swap_assignment)", "(my_swap)")
    write("renamed", renamed)
    silent = copy.deepcopy(source)
    silent.cells = [c for c in silent.cells if "check_" not in c.source]
    write("no_checker_cells", silent)
    for attack in sorted(HOSTILE.glob("*.py")):
        nb = copy.deepcopy(source if attack.stem in ON_CORRECT else wrong)
        nb.cells.append(new_code_cell(attack.read_text()))
        write(f"hostile_{attack.stem}", nb)
    write(FORMULA_STUDENT, source)
    write("zz_victim", source)
    (folder / "linked.ipynb").symlink_to(FIXTURE)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    submissions(folder)
    before = {p.name: (p.read_bytes() if not p.is_symlink() else None) for p in folder.iterdir()}
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    os.environ[SECRET] = "the grader's secret"
    start = time.monotonic()
    try:
        status = main(["grade", str(folder), "--reference", str(FIXTURE), "--out", str(out),
                       "--timeout", str(TIMEOUT), "--check-timeout", str(CHECK_TIMEOUT)])
    finally:
        del os.environ[SECRET]
    seconds = time.monotonic() - start
    time.sleep(1.0)  # a daemon that outlived grading would rewrite the grades file by now
    grades = pd.read_csv(out, keep_default_na=False, dtype={"flags": str})
    return {"status": status, "grades": grades, "folder": folder, "before": before, "out": out, "seconds": seconds}


def verdict(grades, student, exercise):
    row = grades[(grades["student"] == student) & (grades["exercise"] == exercise)]
    assert len(row) == 1, f"{student}/{exercise}: {len(row)} rows"
    return row.iloc[0]


def test_one_row_per_student_and_reference_exercise(graded):
    grades = graded["grades"]
    assert graded["status"] == 0
    assert list(grades.columns) == COLUMNS
    assert set(grades["exercise"]) == {SWAP, DRIFT}  # the extra exercise of one submission is not graded
    assert len(grades) == len(EXPECTED) * 2
    assert set(grades["status"]) <= set(STATUSES)
    assert (grades["score"] == (grades["status"] == "pass").astype(int)).all()


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_the_status_it_earned(graded, student):
    grades = graded["grades"]
    name = "'" + student if student == FORMULA_STUDENT else student
    for exercise, expected in zip((SWAP, DRIFT), EXPECTED[student]):
        got = verdict(grades, name, exercise)["status"]
        if expected == "any":
            continue
        if expected is None:
            assert got != "pass", f"{student}/{exercise}: a hostile submission scored"
        else:
            assert got == expected, f"{student}/{exercise}: {got} ({verdict(grades, name, exercise)['message']})"


def test_messages_say_what_went_wrong(graded):
    grades = graded["grades"]
    assert "rotate the other way" in verdict(grades, "wrong", SWAP)["message"]
    assert "died" in verdict(grades, "broken", SWAP)["message"]
    assert "ran out of time" in verdict(grades, "endless", DRIFT)["message"]
    assert "SyntaxError" in verdict(grades, "syntax", SWAP)["message"]
    assert "not implemented yet" in verdict(grades, "partial", DRIFT)["message"]
    assert "MemoryError" in verdict(grades, "hostile_memory_hog", SWAP)["message"]
    assert "did not answer" in verdict(grades, "hostile_cancel_alarm", SWAP)["message"]
    assert "symbolic link" in verdict(grades, "linked", SWAP)["message"]
    assert verdict(grades, "correct", SWAP)["message"] == ""


def test_no_secret_reaches_a_submission(graded):
    message = verdict(graded["grades"], "hostile_read_secrets", DRIFT)["message"]
    assert "got 0.0000" in message and "-1.0000" not in message


def test_copied_references_are_flagged(graded):
    grades = graded["grades"]
    assert "uses-reference" in verdict(grades, "hostile_uses_reference", SWAP)["flags"]
    assert "uses-reference" in verdict(grades, "hostile_uses_reference", DRIFT)["flags"]
    assert "uses-reference" not in verdict(grades, "correct", SWAP)["flags"]


def test_submissions_and_grades_are_untouched(graded):
    folder, before = graded["folder"], graded["before"]
    after = {p.name: (p.read_bytes() if not p.is_symlink() else None) for p in folder.iterdir()}
    assert after == before  # nothing deleted, nothing rewritten (restored where the file system is shared)
    grades = graded["grades"]
    assert "z_daemon" not in set(grades["student"])
    assert len(grades) == len(EXPECTED) * 2
    if not PRIVATE_FILES:
        assert "changed-submissions" in verdict(grades, "hostile_rewrite_others", SWAP)["flags"]


def test_no_process_outlives_grading(graded):
    if MECHANISM == "none":
        pytest.skip("without namespaces a process that calls setsid can outlive grading (documented)")
    assert processes_with("goalmisgen-hostile-daemon-marker") == []
    assert processes_with("goalmisgen.teaching._runner", descendants_of=os.getpid()) == []


def test_formula_cells_are_escaped(graded):
    text = graded["out"].read_text()
    assert "\n'=HYPERLINK(1)," in text and "\n=HYPERLINK" not in text
    assert escape_cell("+1") == "'+1" and escape_cell("-2") == "'-2" and escape_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape_cell("plain") == "plain" and escape_cell(3) == 3


def test_bad_input_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        grade_submissions(tmp_path / "nowhere", reference=FIXTURE)
    with pytest.raises(ValueError, match="holds no .ipynb files"):
        grade_submissions(tmp_path, reference=FIXTURE)
    nbformat.write(nbformat.read(FIXTURE, as_version=4), tmp_path / "someone.ipynb")
    for value in (0, -1, float("inf"), float("nan"), True):
        with pytest.raises(ValueError, match="timeout=.* is not allowed"):
            grade_submissions(tmp_path, reference=FIXTURE, timeout=value)
        with pytest.raises(ValueError, match="check_timeout=.* is not allowed"):
            grade_submissions(tmp_path, reference=FIXTURE, check_timeout=value)
    with pytest.raises(ValueError, match="no reference notebook"):
        grade_submissions(tmp_path)
    with pytest.raises(ValueError, match="reference notebook 'nope.ipynb' does not exist"):
        grade_submissions(tmp_path, reference="nope.ipynb")
    with pytest.raises(ValueError, match="sandbox='jail' is not allowed"):
        grade_submissions(tmp_path, reference=FIXTURE, sandbox="jail")
    (tmp_path / "instructor").mkdir()
    empty = tmp_path / "instructor" / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell("x = 1")]), empty)
    with pytest.raises(ValueError, match="no checker call"):
        grade_submissions(tmp_path, reference=empty)
    assert main(["grade", str(tmp_path / "nowhere"), "--reference", str(FIXTURE), "--out", str(tmp_path / "g.csv")]) == 2
    assert main(["grade", str(tmp_path), "--reference", str(FIXTURE), "--out", str(tmp_path / "g.csv"), "--timeout", "inf"]) == 2


def test_out_is_checked_before_any_grading(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(nbformat.read(FIXTURE, as_version=4), folder / "someone.ipynb")
    original = (folder / "someone.ipynb").read_bytes()
    with pytest.raises(ValueError, match="inside the submissions folder"):
        grade_submissions(folder, folder / "someone.ipynb", reference=FIXTURE, force=True)
    assert (folder / "someone.ipynb").read_bytes() == original
    with pytest.raises(ValueError, match="is a directory"):
        grade_submissions(folder, tmp_path, reference=FIXTURE)
    existing = tmp_path / "grades.csv"
    existing.write_text("keep me")
    with pytest.raises(ValueError, match="exists; pass --force"):
        grade_submissions(folder, existing, reference=FIXTURE)
    assert existing.read_text() == "keep me"
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot be created"):
        grade_submissions(folder, blocker / "grades.csv", reference=FIXTURE)


def test_only_plain_data_comes_back_from_a_submission():
    import base64
    import io
    import pickle

    import numpy as np

    from goalmisgen.teaching._wire import Opaque, WireError, decode, encode, load_reply

    frame = pd.DataFrame({"a": [1, 2], "b": [True, False]})
    values = [None, True, 3, 2.5, float("nan"), "text", [1, (2, 3)], {"k": np.float32(1.5)}, np.arange(6).reshape(2, 3), frame]
    for value in values:
        back = decode(json_roundtrip(encode(value)))
        if isinstance(value, pd.DataFrame):
            assert back.equals(value)
        elif isinstance(value, np.ndarray):
            assert np.array_equal(back, value) and back.dtype == value.dtype
        elif isinstance(value, float) and value != value:
            assert back != back
        else:
            assert back == value
    assert isinstance(decode(encode(object())), Opaque)
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    for bad in ({"t": "ndarray", "npy": base64.b64encode(buffer.getvalue()).decode()},
                {"t": "ndarray", "npy": base64.b64encode(pickle.dumps([1])).decode()},
                {"t": "int", "v": "1" * 6000}, {"t": "eval", "v": "__import__('os')"}, [1], {"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "none"}]]}):
        with pytest.raises(WireError):
            decode(bad)
    with pytest.raises(WireError):
        load_reply(b"\x80\x04not json")


def json_roundtrip(data):
    import json

    return json.loads(json.dumps(data))
