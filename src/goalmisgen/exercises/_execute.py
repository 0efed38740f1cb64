"""The grader's worker process: execute one submitted notebook within a time budget, then grade it.

Run as ``python -m goalmisgen.exercises._execute REQUEST.json RESULT.json`` by ``grade.py``, in a
process group of its own so that the grader can kill it. The request names the notebook, its
working folder, the time limits, the checks, a nonce and the file where the kernel's process id
goes (the kernel runs in a session of its own, which the grader kills too); the result (JSON) says
how far execution got, the errors raised by cells, and the grading cell's verdicts.

Cells run in order with errors allowed (a broken cell does not stop the others). When the budget
runs out nbclient interrupts the kernel (``KeyboardInterrupt``) and the remaining cells are
skipped; the grading cell then runs in the same kernel, so the functions defined so far are still
graded. A kernel that ignores the interrupt leaves the grading cell waiting until its own limit.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

GRADING_CELL = """\
import sys as _gm_sys
for _gm_name in [_n for _n in list(_gm_sys.modules) if _n.split(".")[:2] == ["goalmisgen", "exercises"]]:
    del _gm_sys.modules[_gm_name]  # fresh checkers, whatever the notebook did to the loaded ones
from builtins import print as _gm_print
from goalmisgen.exercises._in_kernel import run_checks as _gm_run_checks
_gm_print(_gm_run_checks(globals(), {checks!r}, {check_timeout!r}, {nonce!r}))
"""
GRADING_MARGIN_S = 30


def _errors(cell: nbformat.NotebookNode, index: int) -> list[dict]:
    return [
        {"cell": index, "ename": out.get("ename", ""), "evalue": out.get("evalue", "")}
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def _verdicts(cell: nbformat.NotebookNode, nonce: str) -> list[dict] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            for line in out.get("text", "").splitlines():
                if line.startswith(nonce):
                    return json.loads(line[len(nonce) :])
    return None


def execute_and_grade(request: dict) -> dict:
    """Execute the request's notebook and grade it; see the module docstring for the result."""
    result: dict = {"errors": [], "stopped_at": None, "crashed_at": None, "grading": None, "verdicts": None}
    try:
        nb = nbformat.read(request["notebook"], as_version=4)
    except Exception as error:  # a submission may be any file named .ipynb
        result["unreadable"] = f"{type(error).__name__}: {error}"
        return result
    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": "the notebook ran out of time", "traceback": []},
        record_timing=False,
        resources={"metadata": {"path": request["workdir"]}},
    )
    index = None
    try:
        with client.setup_kernel():
            pid = getattr(client.km.provisioner, "pid", None)
            if pid:  # the kernel runs in a session of its own: the grader kills it by this id
                Path(request["kernel_pid_file"]).write_text(str(pid))
            deadline = time.monotonic() + request["timeout"]
            for index, cell in enumerate(list(nb.cells)):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    result["stopped_at"] = index
                    break
                client.timeout = max(1, math.ceil(remaining))
                client.execute_cell(cell, index)
                if time.monotonic() >= deadline:
                    result["stopped_at"] = index  # nbclient interrupted the kernel
                    break
                result["errors"] += _errors(cell, index)
            checks = json.dumps(request["checks"])
            source = GRADING_CELL.format(checks=checks, check_timeout=request["check_timeout"], nonce=request["nonce"])
            grading = nbformat.v4.new_code_cell(source)
            nb.cells.append(grading)
            index = len(nb.cells) - 1
            client.timeout = math.ceil(len(request["checks"]) * request["check_timeout"] + GRADING_MARGIN_S)
            start = time.monotonic()
            client.execute_cell(grading, index)
            if time.monotonic() - start >= client.timeout:
                result["grading"] = "timeout"  # the kernel never got to the grading cell
                return result
            result["verdicts"] = _verdicts(grading, request["nonce"])
            result["grading"] = "done" if result["verdicts"] is not None else "no result"
            result["grading_errors"] = _errors(grading, index)
    except DeadKernelError:
        result["crashed_at"] = index
    return result


def main(argv: list[str]) -> int:
    """Read the request, execute, write the result; returns the exit status."""
    request_path, result_path = argv
    request = json.loads(Path(request_path).read_text())
    result = execute_and_grade(request)
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
