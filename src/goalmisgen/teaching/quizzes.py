"""Quizzes recorded for the grade.

A chapter's quiz is a code cell whose last line is ``quiz(...)`` (``goalmisgen.exercises.quiz``):
interactive in the browser, where nothing is kept. So the student edition adds under each quiz a
cell in which the learner writes down their answers, one string of choice letters per question::

    from goalmisgen.teaching.quizzes import answers

    answers("ex-coinrun-goal", "b", "ac")   # question 1: (b); question 2: (a) and (c)

and the grader reads those calls from the submitted notebook's source (the literal strings only;
nothing of the submission runs for it). Each quiz is graded against the questions of the
*reference* notebook's quiz cell, built in the grader's process:

* ``pass`` (score 1): every question answered with exactly its correct letters;
* ``fail`` (score: the share of questions answered right);
* ``not-implemented``: no answers recorded (no ``answers`` call for the label, or only empty strings);
* ``recorded``: the quiz's questions depend on the chapter's data (``quiz(f(x, y))``), so the grader
  cannot build them without running the chapter; the answers are in the message, to grade by hand.

The label of a quiz is the exercise label its question function's docstring starts with (else
``quiz-<function name>``).
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode


_LETTERS = re.compile(r"[a-z]*")


def answers(label: str, *letters: str) -> None:
    """Record the answers to the quiz ``label`` for the grade: one string per question, the letters
    of the choices picked (``"b"``, or ``"ac"`` where several apply; ``""`` for no answer).

    Raises:
        ValueError: for a label that is not a string or an answer that is not letters a-z.
    """
    if not isinstance(label, str) or not label.startswith(("ex-", "quiz-")):
        raise ValueError(f"label={label!r}: give the quiz's label as written in the cell, a string like 'ex-coinrun-goal'")
    for number, given in enumerate(letters, 1):
        if not isinstance(given, str) or not _LETTERS.fullmatch(given.strip().lower()):
            raise ValueError(f"answer {number}={given!r}: write the letters of the choices you pick, e.g. 'b' or 'ac'")
    shown = ", ".join(f"question {n}: ({') and ('.join(sorted(set(g.strip().lower())))})" if g.strip() else f"question {n}: no answer"
                      for n, g in enumerate(letters, 1))
    print(f"Recorded for {label}: {shown or 'no answers'}. Keep this cell in the notebook you hand in.")


@dataclass
class QuizCell:
    """A quiz of a notebook: its code cell, the exercise label above it and the ``quiz(...)`` call."""

    cell: int
    label: str
    call: str


def _last_call(source: str) -> ast.Call | None:
    """The ``quiz(...)`` call that ends a cell's code, if it does."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    call = tree.body[-1].value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "quiz":
        return call
    return None


def quizzes_in(nb: NotebookNode, where: str = "the notebook") -> list[QuizCell]:
    """Every quiz cell of ``nb``, labelled with the exercise label that its question function's
    docstring starts with (``"``ex-coinrun-goal``: ..."``), else ``quiz-<function name>``.

    Raises:
        ValueError: for a quiz whose questions come from no function of ``goalmisgen.exercises``,
            or two quizzes with one label.
    """
    imports = imports_of(nb)
    found, seen = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or (call := _last_call(cell.source)) is None:
            continue
        names = [node.func.id for node in ast.walk(call) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id != "quiz" and _find(node.func.id, imports) is not None]
        if not names:
            raise ValueError(f"{where}, cell {index}: a quiz whose questions come from no function of goalmisgen.exercises")
        named = re.match(r"\s*``(ex-[\w-]+)``", _find(names[0], imports).__doc__ or "")
        label = named[1] if named else "quiz-" + names[0].replace("_", "-")
        if label in seen:
            raise ValueError(f"{where}, cell {index}: a second quiz labelled {label}")
        seen.add(label)
        found.append(QuizCell(index, label, ast.unparse(call)))
    return found


def answer_cell(quiz: QuizCell) -> NotebookNode:
    """The student edition's cell for recording the answers to ``quiz``."""
    questions = _questions(quiz.call)
    count = None if questions is None else len(questions)
    blanks = ", ".join(['""'] * count) if count else '""'
    per = "one string per question" if count is None else f"{count} question{'s' * (count != 1)}"
    source = (
        "# Your answers to the quiz above, for the grade: the letters of the choices you pick, "
        f"{per}\n"
        '# ("b", or "ac" where several apply). Run the cell; keep it in the notebook you hand in.\n'
        "from goalmisgen.teaching.quizzes import answers\n\n"
        f'answers("{quiz.label}", {blanks})'
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"answers-{quiz.label}"[:64]
    return cell


def _code_nodes(nb: NotebookNode):
    """Every syntax-tree node of the notebook's code cells that parse as Python (read, not run)."""
    for cell in nb.cells:
        if cell.cell_type != "code" or not isinstance(cell.get("source"), str):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # a cell magic, say
            continue
        yield from ast.walk(tree)


def imports_of(nb: NotebookNode) -> dict[str, str]:
    """Name -> module for every ``from goalmisgen.exercises.X import name`` in the notebook's code."""
    found = {}
    for node in _code_nodes(nb):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("goalmisgen.exercises."):
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
    return found


def _questions(call_source: str, imports: dict[str, str] | None = None) -> list | None:
    """The questions of ``quiz(...)`` when every argument is a call without arguments of a question
    function of ``goalmisgen.exercises`` (``quiz(*goal_questions())``, ``quiz(predict_question())``);
    None when they depend on the chapter's data."""
    call = ast.parse(call_source, mode="eval").body
    questions = []
    for arg in call.args:
        inner = arg.value if isinstance(arg, ast.Starred) else arg
        if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and not inner.args and not inner.keywords):
            return None
        function = _find(inner.func.id, imports)
        if function is None:
            return None
        made = function()
        questions += list(made) if isinstance(arg, ast.Starred) else [made]
    return questions or None


def _find(name: str, imports: dict[str, str] | None):
    """The question function ``name``: from the module the notebook imports it from, else the
    first ``goalmisgen.exercises`` chapter module that defines it."""
    import pkgutil

    package = importlib.import_module("goalmisgen.exercises")
    modules = [imports[name]] if imports and name in imports else [
        f"goalmisgen.exercises.{info.name}" for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")]
    for module_name in modules:
        if not module_name.startswith("goalmisgen.exercises."):
            continue
        function = getattr(importlib.import_module(module_name), name, None)
        if callable(function) and name.endswith(("_question", "_questions")):
            return function
    return None


def recorded_answers(nb: NotebookNode) -> dict[str, tuple[str, ...]]:
    """Label -> answers, from the ``answers("label", "b", ...)`` calls in the notebook's code (string
    literals only; the last call of a label counts). Nothing is run."""
    found = {}
    for node in _code_nodes(nb):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "answers"
                and node.args and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)):
            label, *given = (a.value for a in node.args)
            found[label] = tuple(g.strip().lower() for g in given)
    return found


def grade_quiz(quiz: QuizCell, given: tuple[str, ...] | None, imports: dict[str, str] | None = None) -> tuple[str, float, str]:
    """(status, score, message) for the answers ``given`` to ``quiz`` (see the module docstring)."""
    if not given or not any(given):
        return "not-implemented", 0.0, f"no answers recorded: answers(\"{quiz.label}\", ...) is missing or empty"
    questions = _questions(quiz.call, imports)
    if questions is None:
        return "recorded", 0.0, (f"answers {', '.join(repr(g) for g in given)}; this quiz's questions come from the chapter's "
                                 "data, so it is not graded automatically: compare with the quiz in the instructor's run")
    right = []
    for number, question in enumerate(questions, 1):
        correct = {chr(ord("a") + i) for i, choice in enumerate(question.choices) if choice.correct}
        picked = set(given[number - 1]) if number <= len(given) else set()
        right.append(picked == correct)
    score = sum(right) / len(questions)
    wrong = [str(n) for n, ok in enumerate(right, 1) if not ok]
    if not wrong:
        return "pass", 1.0, f"all {len(questions)} answered right"
    extra = f"; {len(given)} answers for {len(questions)} questions" if len(given) != len(questions) else ""
    return "fail", score, f"{len(questions) - len(wrong)} of {len(questions)} right (wrong: question {', '.join(wrong)}){extra}"
