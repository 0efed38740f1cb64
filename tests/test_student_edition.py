"""The student edition: no solution code or text survives, stubs raise NotImplementedError with the
exercise's label, everything else is kept, and the student notebooks run with "not implemented yet"
where the checkers are. Chapter 4 and a tiny fixture are executed; chapter 0 (which trains an agent)
is checked as a transformation only."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from goalmisgen.teaching.__main__ import main
from goalmisgen.teaching._source import BEGIN_SOLUTION, END_SOLUTION, exercises
from goalmisgen.teaching.grade import known_checkers
from goalmisgen.teaching.quizzes import quizzes_in
from goalmisgen.teaching.student import NOT_FOR_STUDENTS, make_student_edition, student_notebook, toc_files

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "tiny_exercises.ipynb"
BOOK_NOTEBOOKS = [ROOT / f"{name}.ipynb" for name in toc_files(ROOT) if (ROOT / f"{name}.ipynb").exists()]
ALL_NOTEBOOKS = [*BOOK_NOTEBOOKS, FIXTURE]


def solution_lines(nb):
    """Every distinctive line of a solution: the code between the markers, the text of {solution}
    blocks and of gated solution-start..solution-end regions (cells included), found with a scanner
    independent of the one under test. Lines that also occur outside solutions are left out."""
    inside, outside = set(), set()
    gated = False
    for cell in nb.cells:
        block_fence = None
        in_code = False
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if cell.cell_type == "code":
                if stripped == BEGIN_SOLUTION:
                    in_code = True
                elif stripped == END_SOLUTION:
                    in_code = False
                else:
                    (inside if in_code or gated else outside).add(stripped)
                continue
            if re.match(r"^[`:]{3,}\{solution-start\}", stripped):
                gated = True
            if re.match(r"^[`:]{3,}\{solution\}", stripped):
                block_fence = re.match(r"^([`:]{3,})", stripped)[1]
                continue
            if block_fence and stripped == block_fence:
                block_fence = None
                continue
            (inside if block_fence or gated else outside).add(stripped)
            if re.match(r"^[`:]{3,}\{solution-end\}", stripped):
                gated = False
    distinctive = {line for line in inside - outside if len(line) > 3 and not re.fullmatch(r"[`:]+|:\w+:.*", line)}
    return distinctive


@pytest.fixture(scope="module")
def editions():
    out = {}
    for path in ALL_NOTEBOOKS:
        source = nbformat.read(path, as_version=4)
        out[path.name] = (source, student_notebook(source, where=str(path)))
    return out


def test_every_book_notebook_is_covered():
    names = {p.name for p in BOOK_NOTEBOOKS}
    assert {"00_first_look.ipynb", "04_auto_induced_shift.ipynb"} <= names


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_code_or_text_survives(path, editions):
    source, student = editions[path.name]
    lines = solution_lines(source)
    assert lines or not exercises(source), f"{path.name}: has exercises but no solution to strip"
    text = "\n".join(cell.source for cell in student.cells)
    survivors = [line for line in lines if line in text]
    assert not survivors, f"{path.name}: solution lines survive in the student edition: {survivors}"
    assert BEGIN_SOLUTION not in text and END_SOLUTION not in text
    assert not re.search(r"\{solution(-start|-end)?\}", text)


def test_the_fixture_has_both_kinds_of_solution_text():
    lines = solution_lines(nbformat.read(FIXTURE, as_version=4))
    assert any("tiny-solution-text-one" in line for line in lines)  # a {solution} block
    assert any("tiny-solution-text-two" in line for line in lines)  # a gated region
    assert any("tiny-solution-cell" in line for line in lines)  # a code cell inside the gated region


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_each_solution_becomes_a_stub_naming_its_exercise(path, editions):
    source, student = editions[path.name]
    expected = [(s.label, len(s.indent)) for e in exercises(source) for s in e.solutions]
    stubs = re.findall(r'^( *)raise NotImplementedError\("exercise ([\w-]+)"\)$', "\n".join(c.source for c in student.cells), re.M)
    assert [(label, len(indent)) for indent, label in stubs] == expected


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_and_execution_counts_are_cleared_and_other_cells_kept(path, editions):
    source, student = editions[path.name]
    code = [c for c in student.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    untouched = [c.source for c in source.cells if BEGIN_SOLUTION not in c.source and "{solution" not in c.source]
    kept = [c.source for c in student.cells]
    missing = [s for s in untouched if s not in kept and "tiny-solution-cell" not in s]
    assert not missing
    assert student.metadata == source.metadata


def test_the_fixture_keeps_the_prose_around_removed_solutions(editions):
    _, student = editions[FIXTURE.name]
    text = "\n".join(c.source for c in student.cells)
    for kept in ("Some prose between the exercises stays.", "Prose after the solution stays too.",
                 "The end: this sentence stays.", "{exercise-start}", "{exercise-end}"):
        assert kept in text


def test_the_source_notebook_is_left_unchanged():
    before = FIXTURE.read_text()
    student_notebook(nbformat.read(FIXTURE, as_version=4))
    assert FIXTURE.read_text() == before


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_in_the_book_follows_the_form(path):
    known = known_checkers()
    nb = nbformat.read(path, as_version=4)
    for exercise in exercises(nb, where=str(path)):
        assert exercise.label.startswith("ex-"), f"{path.name}: an exercise without a :label: ex-..."
        assert exercise.difficulty and re.search(r"Difficulty: [★☆]{3} · Importance: [★☆]{3} · ~\d+ min", exercise.difficulty)
        assert exercise.solutions, f"{exercise.label}: no code cell with solution markers"
        assert len(exercise.checker_calls) == 1, f"{exercise.label}: expected one checker call after the solution"
        call = exercise.checker_calls[0]
        assert known[call.checker][1] == exercise.label, f"{exercise.label}: {call.checker} checks another exercise"
        later = "\n".join(c.source for c in nb.cells[call.cell + 1 :] if c.cell_type == "code")
        assert not re.search(rf"\b{call.function}\(", later), f"a later cell calls the learner's {call.function}"


def test_cli_writes_student_notebooks_and_a_web_book(tmp_path, capsys):
    out = tmp_path / "student"
    assert main(["student", str(FIXTURE), "--out", str(out), "--book", str(ROOT)]) == 0
    assert "tiny_exercises.ipynb" in capsys.readouterr().out
    written = out / FIXTURE.relative_to(ROOT)  # paths inside the book are kept
    assert "NotImplementedError" in written.read_text()
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["execute"]["execute_notebooks"] == "cache"  # glued numbers and figures in the web edition
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    # launch buttons open the student notebooks (the branch the publish workflow writes), not the instructor's
    book_config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"] == {"url": book_config["repository"]["url"], "branch": "student"}
    assert config["launch_buttons"] == book_config["launch_buttons"]
    assert config["html"]["use_repository_button"] is False
    toc = yaml.safe_load((out / "_toc.yml").read_text())
    assert toc["root"] == "book/intro" and (out / "book" / "intro.md").is_file()
    assert "tiny_exercises" in (out / "_toc.yml").read_text()
    for bib in config.get("bibtex_bibfiles", []):
        assert (out / bib).is_file()
    assert main(["student", str(FIXTURE), "--out", str(out), "--book", str(ROOT), "--no-execute", "--launch-branch", "class-2027"]) == 0
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off" and config["repository"]["branch"] == "class-2027"
    for folder in config["sphinx"]["config"]["html_extra_path"] + config["sphinx"]["config"]["html_static_path"] + ["_static"]:
        if (ROOT / folder).is_dir():  # MathJax's copy and the phone style sheet come along
            assert (out / folder).is_dir()


def test_default_is_every_notebook_of_the_toc(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    written = make_student_edition(out=tmp_path / "student")
    assert sorted(p.relative_to(tmp_path / "student") for p in written) == sorted(p.relative_to(ROOT) for p in BOOK_NOTEBOOKS)
    book = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = toc_files(tmp_path / "student")
    assert files[0] == book["root"]
    pages = [name for name in toc_files(ROOT)[1:] if (ROOT / f"{name}.md").is_file()]
    for_students = [name for name in pages if NOT_FOR_STUDENTS not in (ROOT / f"{name}.md").read_text()]
    assert "book/glossary" in for_students and "book/instructor_guide" not in for_students  # the chapters link to the glossary
    assert sorted(files[1:]) == sorted([p.relative_to(ROOT).with_suffix("").as_posix() for p in BOOK_NOTEBOOKS] + for_students)
    assert all((tmp_path / "student" / f"{name}.md").is_file() for name in for_students)


def bad_notebook(tmp_path, source):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```{exercise} T\n:label: ex-t\n```"),
        nbformat.v4.new_code_cell(source),
    ])
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1", "without '### END SOLUTION'"),
        ("def f():\n    return 1\n    ### END SOLUTION", "without '### BEGIN SOLUTION'"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "inside a function body"),
    ],
)
def test_malformed_markers_are_refused_naming_the_cell(tmp_path, source, message):
    path = bad_notebook(tmp_path, source)
    with pytest.raises(ValueError, match=f"bad.ipynb, cell 1: .*{re.escape(message)}"):
        make_student_edition([path], out=tmp_path / "out", book=ROOT)


def test_markers_without_a_labelled_exercise_are_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION")])
    nbformat.write(nb, tmp_path / "nolabel.ipynb")
    with pytest.raises(ValueError, match="no exercise directive with a :label:"):
        make_student_edition([tmp_path / "nolabel.ipynb"], out=tmp_path / "out", book=ROOT)


def test_bad_paths_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="'missing.ipynb' does not exist"):
        make_student_edition(["missing.ipynb"], out=tmp_path, book=ROOT)
    with pytest.raises(ValueError, match="is not a notebook"):
        make_student_edition([str(ROOT / "book" / "intro.md")], out=tmp_path, book=ROOT)
    with pytest.raises(ValueError, match="would overwrite the sources"):
        make_student_edition([FIXTURE], out=ROOT, book=ROOT)
    with pytest.raises(ValueError, match="has no _toc.yml"):
        make_student_edition([FIXTURE], out=tmp_path, book=tmp_path)
    assert main(["student", "missing.ipynb", "--out", str(tmp_path), "--book", str(ROOT)]) == 2


def execute(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["tests/fixtures/tiny_exercises.ipynb", "book/04_auto_induced_shift.ipynb"])
def test_student_notebook_runs_and_each_checker_says_not_implemented(tmp_path, name):
    make_student_edition([ROOT / name], out=tmp_path, book=ROOT)
    nb = execute(tmp_path / name)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    source = nbformat.read(ROOT / name, as_version=4)
    calls = [call for e in exercises(source) for call in e.checker_calls]
    assert calls
    for call in calls:
        cell = next(c for c in nb.cells if c.cell_type == "code" and f"{call.checker}({call.function})" in c.source)
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "not implemented yet" in text, f"{call.checker}: {text!r}"


def test_the_web_edition_builds_without_solutions(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        pytest.skip("jupyter-book is not installed")
    make_student_edition([FIXTURE], out=tmp_path, book=ROOT)
    build = subprocess.run([str(jupyter_book), "build", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    page = (tmp_path / "_build" / "html" / FIXTURE.relative_to(ROOT).with_suffix(".html")).read_text()
    assert "The swapping schedule" in page and "NotImplementedError" in page
    assert "tiny-solution" not in page


def test_text_without_solutions_is_returned_as_it_was():
    from goalmisgen.teaching.student import strip_solution_text

    text = "\n\nTwo blank lines above,\n\n\n three below, and trailing space.  \n"
    assert strip_solution_text(text) == (text, False)


@pytest.mark.parametrize(
    "cells, message",
    [
        (["```{solution-end}\n```"], "without {solution-start}"),
        (["```{solution-start} ex-t\n```", "```{solution-start} ex-t\n```"], "a second {solution-start}"),
        (["```{solution-start} ex-t\n```", "text"], "never closed"),
    ],
)
def test_unbalanced_gated_solutions_are_refused(cells, message):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(c) for c in cells])
    with pytest.raises(ValueError, match=re.escape(message)):
        student_notebook(nb, where="gated.ipynb")


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    ### BEGIN SOLUTIONS\n    return 1\n    ### END SOLUTIONS",
        "def f():\n    ### begin solution\n    return 1\n    ### end solution",
        "def f():\n    ## BEGIN SOLUTION\n    return 1\n    ## END SOLUTION",
        "def f():\n    ### BEGIN_SOLUTION\n    return 1\n    ### END SOLUTION",
    ],
    ids=["plural", "lower-case", "two-hashes", "underscore"],
)
def test_probe_misspelled_solution_markers_are_refused_naming_the_cell(tmp_path, source):
    path = bad_notebook(tmp_path, source)
    with pytest.raises(ValueError, match=r"bad.ipynb, cell 1, line 2: .* looks like a solution marker but is not one"):
        make_student_edition([path], out=tmp_path / "out", book=ROOT)
    assert not (tmp_path / "out" / "bad.ipynb").exists()


def gated_fixture(edit):
    nb = nbformat.read(FIXTURE, as_version=4)
    cell = next(c for c in nb.cells if "````{solution} ex-tiny-swap" in c.source)
    cell.source = edit(cell.source)
    return nb


def test_probe_a_solution_fenced_with_tildes_is_hidden():
    nb = gated_fixture(lambda s: s.replace("````{solution} ex-tiny-swap", "~~~~{solution} ex-tiny-swap").replace("\n````\n", "\n~~~~\n"))
    text = nbformat.writes(student_notebook(nb, where="tilde.ipynb"))
    assert "tiny-solution-text-one" not in text and "Prose after the solution stays too." in text


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.replace("````{solution} ex-tiny-swap", "> ````{solution} ex-tiny-swap"),
        lambda s: s.replace("````{solution} ex-tiny-swap", "- ````{solution} ex-tiny-swap"),
        lambda s: s.replace("````{solution} ex-tiny-swap", "<div>````{solution} ex-tiny-swap"),
    ],
    ids=["in-a-quote", "in-a-list-item", "after-html"],
)
def test_probe_a_solution_the_edition_cannot_hide_is_refused_naming_the_cell(edit):
    nb = gated_fixture(edit)
    with pytest.raises(ValueError, match=r"odd.ipynb, cell 5, line 3: a solution directive the student edition cannot hide"):
        student_notebook(nb, where="odd.ipynb")


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=lambda p: p.stem)
def test_a_stub_cell_is_not_folded_behind_the_solution_prompt(path):
    """The book folds its solution cells ("Show a solution"); the student's stub in their place is
    theirs to edit and stays open."""
    for cell in student_notebook(nbformat.read(path, as_version=4), path.name).cells:
        if cell.cell_type == "code" and "raise NotImplementedError(" in cell.source:
            assert "hide-input" not in cell.metadata.get("tags", []) and "mystnb" not in cell.metadata


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=lambda p: p.stem)
def test_each_quiz_is_followed_by_a_cell_recording_the_answers(path, editions):
    source, student = editions[path.name]
    quizzes = quizzes_in(student, str(path))
    assert [q.label for q in quizzes] == [q.label for q in quizzes_in(source, str(path))]
    cells = [c.source for c in student.cells]
    for quiz in quizzes:
        assert f'answers("{quiz.label}", ' in cells[quiz.cell + 1], f"{path.name}: no answer cell under the quiz {quiz.label}"
    assert sum('answers("' in c for c in cells) == len(quizzes)
