"""Autograding: run a folder of submitted notebooks, each in a sandbox, and grade every exercise.

``grade_submissions`` (``python -m goalmisgen.teaching grade SUBMISSIONS --reference NOTEBOOK
--out grades.csv``) treats every submission as hostile code. For each student (the file name
without ``.ipynb``):

1. the notebook, read into memory with all the others before any runs, is written alone into a
   fresh temporary folder, next to a fresh copy of the ``goalmisgen`` package without ``book/``;
2. a sandboxed process (``_sandbox``: bubblewrap, else namespaces; limits on memory, CPU and file
   size; a cleared environment) runs its code cells (``_runner``), within ``timeout`` seconds;
3. for each exercise of the *reference* notebook (the instructor's edition: a submission cannot
   add or remove exercises), the checker runs **in the grader's process**, on a stand-in for the
   student's function (``_remote``): every call sends the checker's inputs to the sandbox and
   gets back the function's output as plain data, which the checker compares with the reference.
   Each exercise has its own ``check_timeout``; an exercise that runs past it or kills its
   process is graded ``timeout`` or ``crash``, the sandbox is killed, and the notebook is run
   afresh for the exercises left, so one exercise's misbehaviour affects only its own grade;
4. the sandbox and everything it started is killed; the submissions on disk are checked against
   their copies in memory (a changed one is restored, and the notebook that changed it flagged);
   the rows so far are written to ``out`` (a new file renamed over the old one, so an
   interruption leaves every finished student's rows and never a half-written file).

Columns: ``student, exercise, score, status, message, flags``. Statuses: ``pass`` (score 1),
``fail`` (a wrong answer or a missing function), ``not-implemented`` (the stub is still there),
``recorded`` (a quiz whose answers the grader cannot score: they are in the message; see
``goalmisgen.teaching.quizzes``, which grades every quiz from the answers a submission records,
score the share of questions right), ``timeout``, ``crash`` (the process died or answered nonsense), ``refused`` (a symbolic link, not a
notebook), ``error`` (not graded, with a one-line reason: a file that is not a notebook the grader
can run, such as malformed JSON or a code cell without ``source``; a folder or other non-file named
``.ipynb``; a name that is not UTF-8 or ends in ``.IPYNB``; two names equal after Unicode
normalization; or a failure of the grader itself, which then goes on with the next student).
Student names are the file names normalized to Unicode NFC. Flags, for the instructor to look at:
``uses-reference`` (the graded function is, or calls, the package's reference implementation:
read by the grader from the notebook's source, ``_uses``, and added to by the sandbox's report),
``changed-submissions`` (the notebook changed a submission or the reference; they were restored),
``unsandboxed`` (graded with ``sandbox="none"``). Cells that start with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) are written with a leading ``'`` so that no spreadsheet runs them.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib
import io
import math
import os
import pkgutil
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import pandas as pd

from goalmisgen import files
from goalmisgen.exercises import CheckFailed, NotImplementedYet
from goalmisgen.files import write_atomic
from goalmisgen.teaching import _sandbox, _source, _uses
from goalmisgen.teaching.quizzes import QuizCell, grade_quiz, imports_of, quizzes_in, recorded_answers
from goalmisgen.teaching._remote import ExerciseTimeout, ProcessDied, RemoteFunction, StudentProcess
from goalmisgen.validation import check_float

DEFAULT_TIMEOUT = 600.0
DEFAULT_CHECK_TIMEOUT = 60.0
DEFAULT_MEMORY_GB = 4.0
COLUMNS = ["student", "exercise", "score", "status", "message", "flags"]
STATUSES = ("pass", "fail", "not-implemented", "recorded", "timeout", "crash", "refused", "error")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_MESSAGE = 1000  # characters of a CSV message (a checker may quote a long output)
MAX_NOTEBOOK = 64 * 2**20  # bytes of a submission (a chapter notebook with its figures is a few MB)
_NOT_CHECKER_MODULES = {"quiz"}


@dataclass(frozen=True)
class Check:
    """One exercise to grade: checker ``module.checker`` applied to the learner's ``function``."""

    label: str
    module: str
    checker: str
    function: str


def known_checkers() -> dict[str, tuple[str, str]]:
    """Checker name -> (module, exercise label), over every chapter module of this package."""
    package = importlib.import_module("goalmisgen.exercises")
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name in _NOT_CHECKER_MODULES:
            continue
        module = importlib.import_module(f"goalmisgen.exercises.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("check_") and hasattr(value, "exercise_label"):
                found[name] = (module.__name__, value.exercise_label)
    return found


def reference_objects(module_name: str) -> dict[str, object]:
    """``module.qualname`` -> object, for the reference implementations a checker module compares
    with: the package functions it imports (outside ``exercises``) and its own ``reference_*``."""
    module = importlib.import_module(module_name)
    found = {}
    for name, value in vars(module).items():
        owner = getattr(value, "__module__", "") or ""
        if callable(value) and (name.startswith("reference_") or (owner.startswith("goalmisgen.") and not owner.startswith("goalmisgen.exercises"))):
            found[f"{owner}.{value.__qualname__}"] = value
    return found


def references(module_name: str) -> set[str]:
    """``module.qualname`` of the reference implementations a checker module compares with."""
    return set(reference_objects(module_name))


def _calls(nb: nbformat.NotebookNode | None, known: dict[str, tuple[str, str]]) -> list[Check]:
    if nb is None:
        return []
    return [Check(known[c.checker][1], known[c.checker][0], c.checker, c.function) for c in _source.checker_calls(nb) if c.checker in known]


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (runs of white space made one space), cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_notebook(data: bytes) -> nbformat.NotebookNode:
    """The notebook in ``data``, with every field the grader reads present.

    Raises:
        ValueError: with a one-line reason, for bytes that are not UTF-8, not JSON, not a
            notebook, or a notebook whose cells lack a ``cell_type`` or (code cells) a ``source``.
    """
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise ValueError("the notebook is not UTF-8 text") from None
    except Exception as error:  # a submission may be any file named .ipynb: nbformat raises many kinds
        raise ValueError(f"the notebook is not valid JSON or not a notebook ({type(error).__name__}: {one_line(error, 200)})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("the notebook has no list of cells")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"cell {index} of the notebook has no cell_type")
        if cell["cell_type"] == "code" and not isinstance(cell.get("source"), str):
            raise ValueError(f"code cell {index} of the notebook has no source text")
    return nb


def checks_in(reference: Path) -> list[Check]:
    """The exercises graded: each checker the reference notebook calls, once, in order.

    Raises:
        ValueError: for a reference that is not a notebook the grader can read (see ``read_notebook``).
    """
    try:
        nb = read_notebook(reference.read_bytes())
    except ValueError as error:
        raise ValueError(f"reference notebook {str(reference)!r}: {error}") from None
    checks: dict[str, Check] = {}
    for check in _calls(nb, known_checkers()):
        checks.setdefault(check.checker, check)
    return list(checks.values())


def quizzes_of(reference: Path) -> tuple[list[QuizCell], dict[str, str]]:
    """The quizzes of the reference notebook, and the question functions it imports."""
    nb = read_notebook(reference.read_bytes())
    return quizzes_in(nb, where=str(reference)), imports_of(nb)


def quiz_rows(student: str, data: bytes | None, quizzes: list[QuizCell], imports: dict[str, str],
              status: str | None = None, reason: str = "") -> list[dict]:
    """One row per quiz: the answers recorded in the submission (read, not run), graded against the
    reference's questions (``goalmisgen.teaching.quizzes``); ``status`` and ``reason`` for a
    submission that was not graded."""
    if status is None and data is not None:
        try:
            given = recorded_answers(read_notebook(data))
        except ValueError as error:
            status, reason = "error", str(error)
    rows = []
    for quiz in quizzes:
        check = Check(quiz.label, "goalmisgen.teaching.quizzes", "quiz", "answers")
        if status is not None:
            rows.append(_row(student, check, status, reason))
            continue
        verdict, score, message = grade_quiz(quiz, given.get(quiz.label), imports)
        rows.append({**_row(student, check, verdict, message), "score": round(score, 3)})
    return rows


def own_checks(nb: nbformat.NotebookNode | None, checks: list[Check]) -> list[Check]:
    """``checks`` with each function name taken from the notebook's own call of that checker, if it
    has one (a learner may have renamed the function and the call together). Only the name is
    taken: the exercises are those of ``checks``."""
    own = {check.checker: check.function for check in _calls(nb, known_checkers())}
    return [replace(check, function=own.get(check.checker, check.function)) for check in checks]


def _row(student: str, check: Check, status: str, message: str, flags: set[str] = frozenset()) -> dict:
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates from a reply
    return {"student": student, "exercise": check.label, "score": int(status == "pass"), "status": status,
            "message": message, "flags": " ".join(sorted(flags))}


def _run_checker(process: StudentProcess, check: Check, check_timeout: float) -> tuple[str, str]:
    """Grade one exercise in this process, calling the student's function through ``process``."""
    function = process.report["functions"].get(check.function, {}) if isinstance(process.report.get("functions"), dict) else {}
    if not (isinstance(function, dict) and function.get("callable") is True):
        return "missing", f"no function named `{check.function}` is defined"
    checker = getattr(importlib.import_module(check.module), check.checker)
    remote = RemoteFunction(process, check.function, time.monotonic() + check_timeout)
    prefix = f"{check.label}: "
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            checker(remote, strict=True)
    except NotImplementedYet as failure:
        return "not-implemented", str(failure).removeprefix(prefix)
    except CheckFailed as failure:
        return "fail", str(failure).removeprefix(prefix)
    except ExerciseTimeout:
        return "timeout", f"your function did not answer within {check_timeout:g} s (an endless loop?)"
    except ProcessDied as error:
        return "crash", f"the notebook's process died or answered nonsense while this exercise was checked ({error})"
    except Exception as error:  # an output the checker cannot read at all (None where a number was due, say)
        return "fail", f"your function's output could not be checked ({type(error).__name__}: {str(error)[:200]})"
    return "pass", ""


def _reported_uses(process: StudentProcess, check: Check) -> bool:
    """Whether the sandbox's report says the function uses a reference (it can only add a flag)."""
    functions = process.report.get("functions")
    info = functions.get(check.function) if isinstance(functions, dict) else None
    uses = info.get("uses") if isinstance(info, dict) else None
    return isinstance(uses, list) and bool(set(map(str, uses)) & references(check.module))


def grade_notebook(student: str, data: bytes, checks: list[Check], timeout: float = DEFAULT_TIMEOUT,
                   check_timeout: float = DEFAULT_CHECK_TIMEOUT, sandbox: str = "bwrap",
                   memory_gb: float = DEFAULT_MEMORY_GB) -> list[dict]:
    """Grade one submission (the notebook's bytes) in sandboxes; one row per check, in order."""
    base_flags = {"unsandboxed"} if sandbox == "none" else set()
    try:
        nb = read_notebook(data)
    except ValueError as error:
        return [_row(student, c, "error", str(error), base_flags) for c in checks]
    checks = own_checks(nb, checks)
    cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    copied = {c.checker for c in checks
              if _uses.uses_reference([source for _, source in cells], c.function, list(reference_objects(c.module).values()))}
    limits = _sandbox.Limits(memory=int(memory_gb * 2**30),
                             cpu_seconds=math.ceil(2 * (timeout + len(checks) * check_timeout) + 2 * 60))
    rows: dict[str, dict] = {}
    left = list(checks)
    while left:
        with tempfile.TemporaryDirectory(prefix="goalmisgen-grade-") as root:
            work = Path(root) / "work"
            work.mkdir()
            (work / "submission.ipynb").write_bytes(data)  # the notebook may read its own file, and only that
            site = _sandbox.package_copy(Path(root) / "package")
            try:
                process = StudentProcess(sandbox, cells, work, site, sorted({c.function for c in left}), timeout, limits)
            except ExerciseTimeout:
                message = f"the notebook was killed after running past its {timeout:g} s limit"
                rows.update({c.checker: _row(student, c, "timeout", message, base_flags) for c in left})
                break
            except ProcessDied as error:
                message = f"the notebook's process died while its cells ran (os._exit, a crash in native code, or out of memory: {error})"
                rows.update({c.checker: _row(student, c, "crash", message, base_flags) for c in left})
                break
            try:
                for check in list(left):
                    status, message = _run_checker(process, check, check_timeout)
                    status, message = _explain_missing(status, message, process.report, timeout)
                    uses = check.checker in copied or _reported_uses(process, check)
                    flags = base_flags | ({"uses-reference"} if uses else set())
                    rows[check.checker] = _row(student, check, status, message, flags)
                    left.remove(check)
                    if status in ("timeout", "crash"):
                        break  # this process is spent: run the notebook afresh for the exercises left
            finally:
                process.close()
    return [rows[c.checker] for c in checks]


def _explain_missing(status: str, message: str, report: dict, timeout: float) -> tuple[str, str]:
    if status != "missing":
        return status, message
    if report.get("stopped_at") is not None:
        return "timeout", f"{message}: the notebook ran out of time ({timeout:g} s) at cell {report['stopped_at']}"
    errors = report.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        message += f" (cell {first.get('cell')} raised {first.get('ename')}: {str(first.get('evalue'))[:200]})"
    return "fail", message


def escape_cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not read as a formula: text that starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(rows: list[dict], out: Path) -> None:
    """Write ``rows`` as CSV to ``out`` atomically (``goalmisgen.files.write_atomic``)."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: escape_cell(v) for k, v in row.items()})
    write_atomic(out, text.getvalue())


def check_out(out: str | Path, submissions: Path, force: bool = False, protected: tuple[Path, ...] = ()) -> Path:
    """``out`` as a path the grader may write, checked before any grading.

    Raises:
        ValueError: if it lies inside the submissions folder, is one of the ``protected`` files
            (the reference, the files that submissions link to) under any name, or as
            ``goalmisgen.files.check_out`` (a directory, not a regular file, exists without
            ``force``, its folder not writable).
    """
    path = Path(out)
    resolved, folder = path.resolve(), submissions.resolve()
    if resolved == folder or folder in resolved.parents:
        raise ValueError(f"out={str(out)!r} lies inside the submissions folder {str(submissions)!r}; write the grades elsewhere")
    for other in protected:
        if resolved == other.resolve() or (path.exists() and other.exists() and os.path.samefile(path, other)):
            raise ValueError(f"out={str(out)!r} is the notebook {str(other)!r}, which grading reads; write the grades elsewhere")
    return files.check_out(out, force, "a .csv file")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def student_name(file_name: str) -> str:
    """The student a file ``NAME.ipynb`` belongs to: ``NAME`` in Unicode NFC, with any byte that
    is not UTF-8 written as an escape (``\\xff``)."""
    name = file_name[: -len(".ipynb")] if file_name.lower().endswith(".ipynb") else file_name
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return unicodedata.normalize("NFC", name)


def _why_not_graded(path: Path) -> tuple[str, str] | None:
    """(status, one-line reason) for an entry named like a notebook that cannot be graded, else None."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return "error", "the file name is not UTF-8 text; rename the file"
    if not path.name.endswith(".ipynb"):
        return "error", f"the file name ends in {path.suffix!r}, not '.ipynb'; rename the file"
    if path.is_symlink():
        return "refused", "the submission is a symbolic link; submit the notebook file itself"
    if path.is_dir():
        return "error", "a folder named like a notebook, not a notebook file"
    if not path.is_file():
        return "error", "not a regular file (a pipe or a device?); submit the notebook file itself"
    if path.stat().st_size > MAX_NOTEBOOK:
        return "error", f"the file has {path.stat().st_size} bytes, more than the {MAX_NOTEBOOK} a notebook may have"
    return None


def read_submissions(folder: Path) -> tuple[dict[str, tuple[Path, bytes]], dict[str, tuple[str, str]]]:
    """The notebooks of ``folder``, read into memory: student -> (path, bytes); and the entries
    named ``*.ipynb`` in any letter case that are not graded: student -> (status, reason).

    Students are named by ``student_name``; two entries with the same student are both not graded.
    """
    entries: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.lower().endswith(".ipynb"):
            entries.setdefault(student_name(path.name), []).append(path)
    notebooks, others = {}, {}
    for student, paths in entries.items():
        if len(paths) > 1:
            names = ", ".join(ascii(p.name) for p in paths)
            others[student] = ("error", f"{len(paths)} files have this student's name once written alike (Unicode NFC, .ipynb in any case): {names}; keep one")
            continue
        try:
            problem = _why_not_graded(paths[0])
            if problem is None:
                notebooks[student] = (paths[0], paths[0].read_bytes())
        except OSError as error:
            problem = ("error", f"the file cannot be read ({error.strerror or type(error).__name__})")
        if problem is not None:
            others[student] = problem
    return notebooks, others


def _restore_changed(originals: dict[Path, bytes]) -> list[Path]:
    """Put back any file (a submission, the reference) whose bytes changed on disk; those files."""
    changed = []
    for path, data in originals.items():
        try:
            same = not path.is_symlink() and path.is_file() and _digest(path.read_bytes()) == _digest(data)
        except OSError:
            same = False
        if not same:
            changed.append(path)
            if path.is_symlink():
                path.unlink()
            path.write_bytes(data)
    return changed


def grade_submissions(
    submissions: str | Path,
    out: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    reference: str | Path | None = None,
    force: bool = False,
    sandbox: str = "auto",
    memory_gb: float = DEFAULT_MEMORY_GB,
    progress: Callable[[str, list[dict]], None] | None = None,
) -> pd.DataFrame:
    """Grade every ``.ipynb`` of the folder ``submissions``, writing the rows to ``out`` as each
    student finishes (see the module docstring).

    Args:
        submissions: a folder with one notebook per student.
        out: the CSV to write (its folder is created); checked before anything runs.
        timeout: seconds each notebook's cells may run (finite, > 0).
        check_timeout: seconds each exercise's checks may take (finite, > 0).
        reference: the instructor's notebook, whose checker calls are the exercises. Required.
        force: replace an existing ``out``.
        sandbox: ``auto`` (bubblewrap, else namespaces), ``bwrap``, ``unshare`` or ``none``.
        memory_gb: memory limit of each submission's process, in GiB.
        progress: called with each student's name and rows once they are written.

    Returns:
        The table written.

    Raises:
        ValueError: for a folder that does not exist or holds no notebooks, a limit that is not a
            finite positive number, a missing reference or one without checker calls, a bad
            ``out``, or a sandbox that does not start here.
    """
    folder = Path(submissions)
    if not folder.is_dir():
        raise ValueError(f"submissions folder {str(submissions)!r} does not exist")
    timeout = check_float("timeout", timeout, low=0.0, low_open=True, high=7 * 24 * 3600)
    check_timeout = check_float("check_timeout", check_timeout, low=0.0, low_open=True, high=24 * 3600)
    memory_gb = check_float("memory_gb", memory_gb, low=0.25, high=1024)
    notebooks, others = read_submissions(folder)
    if not notebooks and not others:
        raise ValueError(f"submissions folder {str(submissions)!r} holds no .ipynb files (one per student)")
    if reference is None:
        raise ValueError("no reference notebook: pass --reference, the instructor's edition of the chapter (its checker calls are the exercises)")
    reference = Path(reference)
    if not reference.is_file():
        raise ValueError(f"reference notebook {str(reference)!r} does not exist")
    if reference.resolve().parent == folder.resolve():
        raise ValueError(f"reference notebook {str(reference)!r} lies in the submissions folder; keep the instructor's edition apart")
    checks = checks_in(reference)  # read before any submission runs
    quizzes, imports = quizzes_of(reference)
    if not checks:
        raise ValueError(f"no checker call (a line like `check_swap_assignment(swap_assignment)`) found in the reference {str(reference)!r}")
    linked = tuple(p.resolve() for p in folder.iterdir() if p.is_symlink())
    out_path = check_out(out, folder, force, (reference, *linked)) if out is not None else None
    mechanism = _sandbox.choose(sandbox)
    originals = {path: data for path, data in notebooks.values()}
    originals[reference] = reference.read_bytes()
    all_rows: list[dict] = []
    for student, (status, reason) in others.items():
        all_rows += [_row(student, c, status, reason) for c in checks]
        all_rows += quiz_rows(student, None, quizzes, imports, status, reason)
    for student, (_, data) in notebooks.items():
        try:
            rows = grade_notebook(student, data, checks, timeout, check_timeout, mechanism, memory_gb)
        except Exception as error:  # the grader's own failure on one submission must not stop the others
            rows = [_row(student, c, "error", f"the grader failed on this submission: {type(error).__name__}: {one_line(error, 200)}") for c in checks]
        rows += quiz_rows(student, data, quizzes, imports)
        if _restore_changed(originals):  # every process of this student is dead by now
            rows = [{**r, "flags": " ".join(sorted(set(r["flags"].split()) | {"changed-submissions"}))} for r in rows]
        all_rows += rows
        if out_path is not None:
            write_rows(all_rows, out_path)
        if progress is not None:
            progress(student, rows)
    if out_path is not None:
        write_rows(all_rows, out_path)
    return pd.DataFrame(all_rows, columns=COLUMNS)
