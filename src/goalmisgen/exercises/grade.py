"""Autograding: execute a folder of submitted notebooks and grade every exercise with its checker.

``grade_submissions`` (``python -m goalmisgen.exercises grade SUBMISSIONS_DIR --out grades.csv``)
takes one ``.ipynb`` per student (the student is the file name without ``.ipynb``) and, for each:

1. copies the whole folder to a temporary one, so a notebook that deletes or rewrites files in its
   working folder harms neither the submissions nor the other students;
2. executes the copy in a separate process (``_execute.py``) with a time limit per notebook; a cell
   that raises does not stop the others, and when the time runs out the rest is skipped;
3. appends a grading cell that calls every checker in strict mode, in the same kernel, on the
   function of the learner's namespace (``_in_kernel.py``). Printed pass lines count for nothing;
4. writes one CSV row per student and exercise: ``student, exercise, score, status, message``.

Statuses: ``pass`` (score 1); ``fail`` (a wrong answer, or the function is missing);
``not-implemented`` (the stub is still there); ``timeout`` (the checker or the notebook ran out of
time before the exercise could be graded); ``crash`` (the kernel died, e.g. ``os._exit``, or the
notebook could not be read or graded).

The exercises are the checkers called (``check_x(x)``) in a reference notebook, or else in any
submission, so a student who deleted a checker cell is still graded on that exercise. Each
checker is applied to the function named in the student's own call, if there is one.

This is not a sandbox: the notebooks run with the grader's permissions. Grade untrusted work in a
container or a throwaway account.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import nbformat
import pandas as pd

from goalmisgen.exercises import _source

DEFAULT_TIMEOUT = 600.0
DEFAULT_CHECK_TIMEOUT = 60.0
STARTUP_MARGIN_S = 60.0
COLUMNS = ["student", "exercise", "score", "status", "message"]
STATUSES = ("pass", "fail", "not-implemented", "timeout", "crash")
_NOT_CHECKER_MODULES = {"grade", "student", "quiz"}


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


def _calls(path: Path, known: dict[str, tuple[str, str]]) -> list[Check]:
    """The known checker calls of one notebook (none if it cannot be read)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # an unreadable submission is reported when it is graded
        return []
    return [Check(known[c.checker][1], known[c.checker][0], c.checker, c.function) for c in _source.checker_calls(nb) if c.checker in known]


def checks_in(notebooks: list[Path]) -> list[Check]:
    """The exercises graded: each checker called in the notebooks, once, in order of appearance."""
    known = known_checkers()
    checks: dict[str, Check] = {}
    for path in notebooks:
        for check in _calls(path, known):
            checks.setdefault(check.checker, check)
    return list(checks.values())


def own_checks(notebook: Path, checks: list[Check]) -> list[Check]:
    """``checks`` with each function name taken from the notebook's own checker call, if it has one
    (a learner may have renamed the function and the call together)."""
    own = {check.checker: check.function for check in _calls(notebook, known_checkers())}
    return [replace(check, function=own.get(check.checker, check.function)) for check in checks]


def _run_worker(notebook: Path, folder: Path, checks: list[Check], timeout: float, check_timeout: float) -> dict | None:
    """Execute and grade ``notebook`` in a temporary copy of ``folder``; the worker's result, or
    None when it had to be killed."""
    with tempfile.TemporaryDirectory(prefix="goalmisgen-grade-") as work_root, \
            tempfile.TemporaryDirectory(prefix="goalmisgen-control-") as control:
        work = Path(work_root) / "submissions"
        shutil.copytree(folder, work, symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        request = {
            "notebook": str(work / notebook.name),
            "workdir": str(work),
            "timeout": timeout,
            "check_timeout": check_timeout,
            "checks": [asdict(check) for check in checks],
            "nonce": f"GRADE-{secrets.token_hex(16)}:",
            "kernel_pid_file": str(Path(control) / "kernel.pid"),
        }
        request_path, result_path = Path(control) / "request.json", Path(control) / "result.json"
        request_path.write_text(json.dumps(request))
        limit = timeout + len(checks) * check_timeout + STARTUP_MARGIN_S
        with open(Path(control) / "worker.log", "w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "goalmisgen.exercises._execute", str(request_path), str(result_path)],
                cwd=control, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            try:
                worker.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                pass
            finally:
                _kill_group(worker.pid)
                worker.wait()
                kernel_pid = Path(request["kernel_pid_file"])
                if kernel_pid.is_file():
                    _kill_group(int(kernel_pid.read_text()))
        if not result_path.is_file():
            return None
        return json.loads(result_path.read_text())


def _kill_group(leader: int) -> None:
    """Kill the process group led by ``leader`` (the worker, or the kernel and what it started)."""
    try:
        os.killpg(leader, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _rows(student: str, checks: list[Check], result: dict | None, timeout: float) -> list[dict]:
    """One CSV row per exercise from the worker's result."""

    def row(check: Check, status: str, message: str) -> dict:
        return {"student": student, "exercise": check.label, "score": int(status == "pass"), "status": status, "message": message}

    if result is None:
        return [row(c, "timeout", f"the notebook was killed after running past its {timeout:g} s limit") for c in checks]
    if "unreadable" in result:
        return [row(c, "crash", f"the notebook could not be read ({result['unreadable']})") for c in checks]
    if result["crashed_at"] is not None:
        where = f"cell {result['crashed_at']}" if result["grading"] is None else "the grading cell"
        message = f"the kernel died while running {where} (os._exit, a crash in native code, or out of memory)"
        return [row(c, "crash", message) for c in checks]
    if result["grading"] == "timeout":
        return [row(c, "timeout", "grading did not finish: the kernel was still busy after the notebook's time ran out") for c in checks]
    if result["verdicts"] is None:
        errors = "; ".join(f"{e['ename']}: {e['evalue']}" for e in result.get("grading_errors", []))
        return [row(c, "crash", "the grading cell produced no result" + (f" ({errors})" if errors else "")) for c in checks]
    first_error = result["errors"][0] if result["errors"] else None
    rows = []
    for check, verdict in zip(checks, result["verdicts"]):
        status, message = verdict["status"], verdict["message"]
        if status == "missing":
            if result["stopped_at"] is not None:
                status, message = "timeout", f"{message}: the notebook ran out of time ({timeout:g} s) at cell {result['stopped_at']}"
            else:
                status = "fail"
                if first_error:
                    message += f" (cell {first_error['cell']} raised {first_error['ename']}: {first_error['evalue']})"
        rows.append(row(check, status, message))
    return rows


def grade_notebook(notebook: str | Path, checks: list[Check], timeout: float = DEFAULT_TIMEOUT,
                   check_timeout: float = DEFAULT_CHECK_TIMEOUT) -> pd.DataFrame:
    """Grade one notebook (executed in a temporary copy of its folder); one row per check."""
    path = Path(notebook).resolve()
    checks = own_checks(path, checks)
    result = _run_worker(path, path.parent, checks, timeout, check_timeout)
    return pd.DataFrame(_rows(path.stem, checks, result, timeout), columns=COLUMNS)


def grade_submissions(
    submissions: str | Path,
    out: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    reference: str | Path | None = None,
) -> pd.DataFrame:
    """Grade every ``.ipynb`` of the folder ``submissions``; write the table to ``out`` (CSV) if given.

    Args:
        submissions: a folder with one notebook per student.
        out: the CSV to write (its folder is created).
        timeout: seconds each notebook may run (the kernel's start is not counted).
        check_timeout: seconds each checker may run in the grading cell.
        reference: a notebook whose checker calls define the exercises; default: every known
            checker call found in the submissions.

    Returns:
        The table written: columns ``student, exercise, score, status, message``.

    Raises:
        ValueError: if the folder does not exist or has no notebooks, a time limit is not a
            positive number, the reference does not exist, or no checker call is found.
    """
    folder = Path(submissions)
    if not folder.is_dir():
        raise ValueError(f"submissions folder {str(submissions)!r} does not exist")
    notebooks = sorted(p for p in folder.iterdir() if p.suffix == ".ipynb" and p.is_file())
    if not notebooks:
        raise ValueError(f"submissions folder {str(submissions)!r} holds no .ipynb files (one per student)")
    for name, value in (("timeout", timeout), ("check_timeout", check_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name}={value!r} must be a positive number of seconds")
    if reference is not None and not Path(reference).is_file():
        raise ValueError(f"reference notebook {str(reference)!r} does not exist")
    checks = checks_in([Path(reference)] if reference is not None else notebooks)
    if not checks:
        where = f"the reference {str(reference)!r}" if reference is not None else f"any notebook of {str(submissions)!r}"
        raise ValueError(f"no checker call (a line like `check_swap_assignment(swap_assignment)`) found in {where}")
    tables = [grade_notebook(path, checks, timeout, check_timeout) for path in notebooks]
    grades = pd.concat(tables, ignore_index=True)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        grades.to_csv(out, index=False)
    return grades
