"""Quizzes in the grade CSV: the learner records answers in the cell the student edition adds under
each quiz; the grader reads them (without running them) and scores them against the reference's
questions."""

from pathlib import Path

import nbformat
import pytest

from goalmisgen.teaching.grade import quiz_rows, quizzes_of
from goalmisgen.teaching.quizzes import _questions, answers, grade_quiz, imports_of, quizzes_in, recorded_answers
from goalmisgen.teaching.student import student_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "04_auto_induced_shift.ipynb"  # two quizzes of two questions each
DATA_QUIZ = ROOT / "book" / "00_first_look.ipynb"  # one quiz built from the chapter's data


def right_letters(quiz, imports):
    return tuple("".join(chr(ord("a") + i) for i, c in enumerate(q.choices) if c.correct) for q in _questions(quiz.call, imports))


def submission(tmp_path, recorded: dict[str, tuple[str, ...]]) -> bytes:
    """The student edition of chapter 4 with the answer cells filled in as ``recorded`` says."""
    nb = student_notebook(nbformat.read(CHAPTER, as_version=4), str(CHAPTER))
    for cell in nb.cells:
        for label, given in recorded.items():
            if cell.cell_type == "code" and f'answers("{label}", ' in cell.source:
                head = cell.source.rsplit("answers(", 1)[0]
                cell.source = head + "answers(" + ", ".join(repr(x) for x in (label, *given)) + ")"
    return nbformat.writes(nb).encode()


def test_answers_prints_what_it_recorded_and_refuses_bad_input(capsys):
    answers("ex-x", "b", "CA", "")
    out = capsys.readouterr().out
    assert "question 1: (b)" in out and "question 2: (a) and (c)" in out and "question 3: no answer" in out
    with pytest.raises(ValueError, match="answer 1='b2'"):
        answers("ex-x", "b2")
    with pytest.raises(ValueError, match="label=3"):
        answers(3, "a")
    answers("quiz-fitness-gap-questions", "a")  # the label of a quiz whose function names no exercise


def test_recorded_answers_are_read_not_run():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('answers("ex-a", "b", "AC")\nanswers("ex-b", "a")'),
        nbformat.v4.new_code_cell('answers("ex-b", "c")\nanswers("ex-c", pick())\nimport os; os.remove("x")'),
        nbformat.v4.new_code_cell("%%bash\nnot python"),
    ])
    assert recorded_answers(nb) == {"ex-a": ("b", "ac"), "ex-b": ("c",)}  # the last call counts; a computed answer does not


def test_every_chapter_quiz_has_a_label_and_the_plain_ones_their_questions():
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for quiz in quizzes_in(nb, str(path)):
            assert quiz.label.startswith(("ex-", "quiz-"))
            if "(" not in quiz.call[len("quiz("):].replace("()", ""):  # quiz(*f()) or quiz(f()): no data
                assert _questions(quiz.call, imports_of(nb)), f"{path.name}: {quiz.call}"


def test_a_quiz_is_graded_question_by_question():
    nb = nbformat.read(CHAPTER, as_version=4)
    quiz, imports = quizzes_in(nb)[0], imports_of(nb)
    right = right_letters(quiz, imports)
    assert len(right) == 2
    assert grade_quiz(quiz, right, imports) == ("pass", 1.0, "all 2 answered right")
    wrong = "z" if right[1] != "z" else "y"
    status, score, message = grade_quiz(quiz, (right[0], wrong), imports)
    assert (status, score) == ("fail", 0.5) and "wrong: question 2" in message
    assert grade_quiz(quiz, (right[0] + "z", right[1]), imports)[:2] == ("fail", 0.5)  # an extra letter is wrong
    assert grade_quiz(quiz, ("", ""), imports)[0] == "not-implemented"
    assert grade_quiz(quiz, None, imports)[0] == "not-implemented"


def test_a_quiz_built_from_the_chapters_data_is_recorded_for_the_instructor():
    nb = nbformat.read(DATA_QUIZ, as_version=4)
    quiz = next(q for q in quizzes_in(nb) if q.label == "ex-coinrun-open-end")
    status, score, message = grade_quiz(quiz, ("b",), imports_of(nb))
    assert status == "recorded" and score == 0 and "'b'" in message


def test_the_grade_has_one_row_per_quiz(tmp_path):
    quizzes, imports = quizzes_of(CHAPTER)
    assert [q.label for q in quizzes] == ["quiz-fitness-gap-questions", "quiz-classification-questions"]
    first = right_letters(quizzes[0], imports)
    rows = quiz_rows("ada", submission(tmp_path, {quizzes[0].label: first}), quizzes, imports)
    assert [(r["student"], r["exercise"], r["status"], r["score"]) for r in rows] == [
        ("ada", quizzes[0].label, "pass", 1.0), ("ada", quizzes[1].label, "not-implemented", 0)]
    refused = quiz_rows("bob", None, quizzes, imports, "refused", "a symbolic link")
    assert [(r["status"], r["message"]) for r in refused] == [("refused", "a symbolic link")] * 2
    broken = quiz_rows("eve", b"{not json", quizzes, imports)
    assert [r["status"] for r in broken] == ["error", "error"]
