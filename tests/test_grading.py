"""Autograding a folder of submissions built from a tiny fixture notebook: correct, partial, wrong,
broken (the kernel dies), endless, a syntax error, a faker that prints pass lines, a notebook that
deletes the files of its folder, one without its checker cells, and one that renamed a function
together with its checker call."""

import copy
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell

from goalmisgen.exercises.__main__ import main
from goalmisgen.exercises.grade import COLUMNS, STATUSES, grade_submissions
from goalmisgen.exercises.student import student_notebook

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny_exercises.ipynb"
TIMEOUT = 20  # generous: a slow CI machine must not turn a correct notebook into a timeout
SWAP, DRIFT = "ex-ads-swap", "ex-ads-drift"  # the checkers' labels; the fixture reuses them


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
        "import goalmisgen.exercises.ads as checkers\n"
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


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    submissions(folder)
    before = sorted(os.listdir(folder))
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    status = main(["grade", str(folder), "--out", str(out), "--timeout", str(TIMEOUT), "--check-timeout", "10"])
    return status, pd.read_csv(out, keep_default_na=False), folder, before


def verdict(grades, student, exercise):
    row = grades[(grades["student"] == student) & (grades["exercise"] == exercise)]
    assert len(row) == 1, f"{student}/{exercise}: {len(row)} rows"
    return row.iloc[0]


def test_one_row_per_student_and_exercise(graded):
    status, grades, _, before = graded
    assert status == 0
    assert list(grades.columns) == COLUMNS
    assert len(grades) == len(before) * 2
    assert set(grades["status"]) <= set(STATUSES)
    assert (grades["score"] == (grades["status"] == "pass").astype(int)).all()


@pytest.mark.parametrize(
    "student, swap, drift",
    [
        ("correct", "pass", "pass"),
        ("partial", "pass", "not-implemented"),
        ("wrong", "fail", "not-implemented"),
        ("broken", "crash", "crash"),
        ("endless", "pass", "timeout"),
        ("syntax", "fail", "pass"),
        ("faker", "not-implemented", "not-implemented"),
        ("a_deleter", "pass", "pass"),
        ("no_checker_cells", "pass", "pass"),
        ("renamed", "pass", "pass"),
    ],
)
def test_each_submission_gets_the_status_it_earned(graded, student, swap, drift):
    _, grades, _, _ = graded
    assert verdict(grades, student, SWAP)["status"] == swap
    assert verdict(grades, student, DRIFT)["status"] == drift


def test_messages_say_what_went_wrong(graded):
    _, grades, _, _ = graded
    assert "rotate the other way" in verdict(grades, "wrong", SWAP)["message"]
    assert "kernel died" in verdict(grades, "broken", SWAP)["message"]
    assert "ran out of time" in verdict(grades, "endless", DRIFT)["message"]
    assert "SyntaxError" in verdict(grades, "syntax", SWAP)["message"]
    assert "not implemented yet" in verdict(grades, "partial", DRIFT)["message"]
    assert verdict(grades, "correct", SWAP)["message"] == ""


def test_a_notebook_that_deletes_files_harms_nothing(graded):
    _, _, folder, before = graded
    assert sorted(os.listdir(folder)) == before


def test_bad_input_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        grade_submissions(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="holds no .ipynb files"):
        grade_submissions(tmp_path)
    nbformat.write(nbformat.read(FIXTURE, as_version=4), tmp_path / "someone.ipynb")
    with pytest.raises(ValueError, match="timeout=0 must be a positive number"):
        grade_submissions(tmp_path, timeout=0)
    with pytest.raises(ValueError, match="reference notebook 'nope.ipynb' does not exist"):
        grade_submissions(tmp_path, reference="nope.ipynb")
    empty = tmp_path / "empty"
    empty.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell("x = 1")]), empty / "someone.ipynb")
    with pytest.raises(ValueError, match="no checker call"):
        grade_submissions(empty)
    assert main(["grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "g.csv")]) == 2
