"""Reading the exercise form out of a notebook (the form is written down in ``book/contributing_exercises.md``).

* A markdown cell opens an exercise with a sphinx-exercise directive, ```` ```{exercise} Title ````
  or the gated ```` ```{exercise-start} Title ````, whose ``:label:`` option names it.
* The code cell after it holds the solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``,
  inside a function body; a comment that looks like a marker but is not one (``### BEGIN
  SOLUTIONS``, ``# end solution``) is an error, never a line left in the student edition.
* The next code cell calls the checker: ``check_something(something)``.
* Solution text, if any: ```` ```{solution} label ```` blocks, or gated regions from
  ```` ```{solution-start} label ```` to ```` ```{solution-end} ````, which may span cells. Fences
  are backticks, tildes or colons (MyST's three kinds); ``solution_outside_fences`` finds a
  solution directive written in any other way (in a quote or a list, say).

This module only reads; ``student.py`` and ``grade.py`` act on what it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nbformat import NotebookNode

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
EXERCISE_DIRECTIVES = ("exercise", "exercise-start")

_OPENER = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?P<info>\S.*?)?[ \t]*$")
_MARKER_LIKE = re.compile(r"^#+[ \t]*(?:BEGIN|END)[\W_]*SOLUTION", re.IGNORECASE)
_SOLUTION_DIRECTIVE = re.compile(r"\{solution(?:-start|-end)?\}")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w.:-]+)\}[ \t]*(?P<argument>.*)$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
_CHECKER_CALL = re.compile(
    r"^[ \t]*(?:[A-Za-z_]\w*\.)*(?P<checker>check_\w+)\([ \t]*(?P<function>[A-Za-z_]\w*)[ \t]*\)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)
_DIFFICULTY = re.compile(r"^[ \t]*Difficulty:.*$", re.MULTILINE)


@dataclass
class Directive:
    """A fenced MyST directive in a markdown text: lines ``start`` to ``end`` (inclusive)."""

    name: str
    argument: str
    options: dict[str, str]
    start: int
    end: int


@dataclass
class Solution:
    """Lines ``begin`` to ``end`` (the two marker lines, inclusive) of code cell ``cell``."""

    cell: int
    begin: int
    end: int
    indent: str
    label: str
    lines: list[str]


@dataclass
class CheckerCall:
    """``checker(function)`` on a line of its own in code cell ``cell``."""

    cell: int
    checker: str
    function: str


@dataclass
class Exercise:
    """One exercise of a notebook: its directive, its solution regions and its checker calls."""

    label: str
    cell: int
    difficulty: str | None
    solutions: list[Solution] = field(default_factory=list)
    checker_calls: list[CheckerCall] = field(default_factory=list)


def directives(text: str) -> list[Directive]:
    """Every fenced directive in ``text``, outermost first, nested ones too.

    A fence closes at the first bare fence of the same character at least as long as the opener
    (CommonMark's rule); code blocks (```` ```python ````) are skipped whole.
    """
    lines = text.split("\n")
    found: list[Directive] = []
    stack: list[tuple[str, Directive | None]] = []  # open fences; None marks a code block
    for number, line in enumerate(lines):
        match = _OPENER.match(line)
        if match is None:
            continue
        fence, info = match["fence"], match["info"]
        if stack:
            open_fence, open_directive = stack[-1]
            if info is None and fence[0] == open_fence[0] and len(fence) >= len(open_fence):
                stack.pop()
                if open_directive is not None:
                    open_directive.end = number
                continue
            if open_directive is None:
                continue
        parsed = _DIRECTIVE.match(info or "")
        if parsed is None:
            if fence[0] in "`~":
                stack.append((fence, None))
            continue
        directive = Directive(parsed["name"], parsed["argument"].strip(), _options(lines, number + 1), number, len(lines) - 1)
        found.append(directive)
        stack.append((fence, directive))
    return found


def solution_outside_fences(text: str) -> int | None:
    """The number (from 0) of the first line of ``text`` that names a solution directive
    (``{solution}``, ``{solution-start}``, ``{solution-end}``) outside the fences ``directives``
    reads, or None: text the student edition could not hide."""
    read = {d.start for d in directives(text)}
    for number, line in enumerate(text.split("\n")):
        if number not in read and _SOLUTION_DIRECTIVE.search(line):
            return number
    return None


def _options(lines: list[str], first: int) -> dict[str, str]:
    options = {}
    for line in lines[first:]:
        match = _OPTION.match(line)
        if match is None:
            break
        options[match["key"]] = match["value"]
    return options


def solutions(nb: NotebookNode, where: str = "the notebook") -> list[Solution]:
    """Every solution region of the notebook's code cells, labelled by the nearest preceding
    exercise directive.

    Raises:
        ValueError: naming the notebook and cell, for a marker without its partner, a region
            that is not inside a function body, or a region with no labelled exercise before it.
    """
    found = []
    label: str | None = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for directive in directives(cell.source):
                if directive.name in EXERCISE_DIRECTIVES:
                    label = directive.options.get("label")
            continue
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        begin = None
        for number, line in enumerate(lines):
            stripped = line.strip()
            if _MARKER_LIKE.match(stripped) and stripped not in (BEGIN_SOLUTION, END_SOLUTION):
                raise ValueError(
                    f"{where}, cell {index}, line {number + 1}: {stripped[:60]!r} looks like a solution marker but is not one; "
                    f"write exactly {BEGIN_SOLUTION!r} or {END_SOLUTION!r}"
                )
            if stripped == BEGIN_SOLUTION:
                if begin is not None:
                    raise ValueError(f"{where}, cell {index}: a second {BEGIN_SOLUTION!r} before {END_SOLUTION!r}")
                begin = number
            elif stripped == END_SOLUTION:
                if begin is None:
                    raise ValueError(f"{where}, cell {index}: {END_SOLUTION!r} without {BEGIN_SOLUTION!r} before it")
                indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
                if not indent:
                    raise ValueError(
                        f"{where}, cell {index}: the solution markers must sit inside a function body "
                        "(indented), so that the student's stub raises only when the function is called"
                    )
                if label is None:
                    raise ValueError(
                        f"{where}, cell {index}: solution markers, but no exercise directive with a :label: before them"
                    )
                found.append(Solution(index, begin, number, indent, label, lines[begin + 1 : number]))
                begin = None
        if begin is not None:
            raise ValueError(f"{where}, cell {index}: {BEGIN_SOLUTION!r} without {END_SOLUTION!r} after it")
    return found


def checker_calls(nb: NotebookNode) -> list[CheckerCall]:
    """Every line of a code cell that calls a checker on one function: ``check_x(x)``."""
    return [
        CheckerCall(index, match["checker"], match["function"])
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for match in _CHECKER_CALL.finditer(cell.source)
    ]


def exercises(nb: NotebookNode, where: str = "the notebook") -> list[Exercise]:
    """The notebook's exercises in order, each with the solutions and checker calls that follow it
    (up to the next exercise)."""
    found: list[Exercise] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for directive in directives(cell.source):
            if directive.name in EXERCISE_DIRECTIVES:
                # a gated exercise's text follows its (empty) directive, in the same cell
                end = directive.end + 1 if directive.name == "exercise" else None
                difficulty = _DIFFICULTY.search("\n".join(cell.source.split("\n")[directive.start : end]))
                found.append(Exercise(directive.options.get("label", ""), index, difficulty[0].strip() if difficulty else None))
    starts = [exercise.cell for exercise in found] + [len(nb.cells)]
    for exercise, end in zip(found, starts[1:]):
        exercise.solutions = [s for s in solutions(nb, where) if exercise.cell < s.cell < end]
        exercise.checker_calls = [c for c in checker_calls(nb) if exercise.cell < c.cell < end]
    return found
