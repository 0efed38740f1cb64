"""Probes for the grader against careless and hostile inputs: each entry of a submissions folder
gets its rows (never a stopped run), every exchange with a submission's process has a deadline
and a size limit, the sandbox caps processes and disk, the interpreter is found from any folder,
``--out`` cannot name a notebook grading reads, and the uses-reference flag cannot be silenced."""

import json
import os
import resource
import sys
import time
import unicodedata
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell

from goalmisgen.teaching import _sandbox
from goalmisgen.teaching._remote import ExerciseTimeout, ProcessDied, StudentProcess
from goalmisgen.teaching.grade import grade_submissions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = FIXTURES / "tiny_exercises.ipynb"
MECHANISM = _sandbox.choose("auto") if _sandbox.available()[0] != "none" else "none"
SWAP, DRIFT = "ex-ads-swap", "ex-ads-drift"
NFC, NFD = unicodedata.normalize("NFC", "Zoé"), unicodedata.normalize("NFD", "Zoé")
USES_REFERENCE = (FIXTURES / "hostile" / "uses_reference.py").read_text()
SILENCE_REPORT = "import sys\nsys.modules['__main__'].describe = lambda ns, name: {'callable': callable(ns.get(name)), 'uses': []}\n"
VIA_IMPORTLIB = "import importlib\n_m = importlib.import_module('goalmisgen.ads.recommender')\n\ndef interest_drift(w0, w):\n    return _m.interest_drift(w0, w)\n"
# a notebook that forges the "notebook finished" report on the grader's pipe, then never reads again
FORGED_REPORT = """import fcntl, json, os, signal, stat, struct, time
signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
fake = json.dumps({"stopped_at": None, "errors": [], "functions": {n: {"callable": True, "uses": []} for n in ("swap_assignment", "interest_drift")}}).encode()
for fd in range(3, 20):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
            os.write(fd, struct.pack(">Q", len(fake)) + fake)
    except OSError:
        pass
time.sleep(3600)
"""

# student -> (status of both exercises, words of the message); the files are written by ``folder``
EXPECTED = {
    "malformed_json": ("error", "not valid JSON"),
    "code_cell_without_source": ("error", "code cell 1 of the notebook has no source"),
    "no_cells": ("error", "missing an expected key: cells"),
    "not_utf8_text": ("error", "not UTF-8 text"),
    "bad\\xffname": ("error", "file name is not UTF-8"),
    NFC: ("error", "2 files have this student's name"),
    "upper_case": ("error", "ends in '.IPYNB'"),
    "a_folder": ("error", "a folder named like a notebook"),
    "zz_last": ("pass", ""),
}


def fixture_with(extra: str):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells.append(new_code_cell(extra))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("careless")
    raw = json.loads(FIXTURE.read_text())
    (folder / "malformed_json.ipynb").write_text('{"cells": [ {not json')
    no_source = json.loads(FIXTURE.read_text())
    del no_source["cells"][1]["source"]
    (folder / "code_cell_without_source.ipynb").write_text(json.dumps(no_source))
    (folder / "no_cells.ipynb").write_text(json.dumps({k: v for k, v in raw.items() if k != "cells"}))
    (folder / "not_utf8_text.ipynb").write_bytes(FIXTURE.read_bytes().replace(b"tiny chapter", b"tiny \xff chapter"))
    with open(os.fsencode(folder) + b"/bad\xffname.ipynb", "wb") as stream:
        stream.write(FIXTURE.read_bytes())
    for name in (NFC, NFD):
        (folder / f"{name}.ipynb").write_bytes(FIXTURE.read_bytes())
    (folder / "upper_case.IPYNB").write_bytes(FIXTURE.read_bytes())
    (folder / "a_folder.ipynb").mkdir()
    nbformat.write(fixture_with(USES_REFERENCE + SILENCE_REPORT), folder / "silenced_report.ipynb")
    nbformat.write(fixture_with(VIA_IMPORTLIB), folder / "via_importlib.ipynb")
    (folder / "zz_last.ipynb").write_bytes(FIXTURE.read_bytes())
    start = time.monotonic()
    grades = grade_submissions(folder, tmp_path_factory.mktemp("out") / "grades.csv", timeout=12, check_timeout=6,
                               reference=FIXTURE, sandbox=MECHANISM)
    return grades, time.monotonic() - start


def rows(grades, student):
    found = grades[grades["student"] == student]
    assert list(found["exercise"]) == [SWAP, DRIFT], f"{student}: {list(found['exercise'])}"
    return found


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_probe_every_careless_entry_gets_its_rows_and_the_run_goes_on(graded, student):
    status, words = EXPECTED[student]
    found = rows(graded[0], student)
    assert set(found["status"]) == {status}, found["message"].tolist()
    assert all(words in message and "\n" not in message for message in found["message"])


def test_probe_nothing_named_like_a_notebook_is_skipped_silently(graded):
    assert set(graded[0]["student"]) == set(EXPECTED) | {"silenced_report", "via_importlib"}


@pytest.mark.parametrize("student, exercises", [("silenced_report", (SWAP, DRIFT)), ("via_importlib", (DRIFT,))])
def test_probe_uses_reference_is_flagged_by_the_grader(graded, student, exercises):
    found = rows(graded[0], student).set_index("exercise")
    for exercise in (SWAP, DRIFT):
        assert ("uses-reference" in found.loc[exercise, "flags"]) == (exercise in exercises), exercise


def started(tmp_path, cells, functions=("swap_assignment",), timeout=20):
    work = tmp_path / "work"
    work.mkdir()
    site = _sandbox.package_copy(tmp_path / "package")
    return StudentProcess(MECHANISM, cells, work, site, list(functions), timeout, _sandbox.Limits())


def test_probe_a_forged_report_then_a_submission_that_stops_reading_is_a_timeout(tmp_path):
    process = started(tmp_path, [(0, FORGED_REPORT)])
    try:
        start = time.monotonic()
        with pytest.raises(ExerciseTimeout):  # a 326 kB request: more than a pipe holds
            process.call("swap_assignment", (np.zeros(326_000 // 8),), {}, time.monotonic() + 2)
        assert time.monotonic() - start < 5
    finally:
        process.close()


def test_probe_a_flooding_reply_is_refused_before_it_is_read(tmp_path):
    process = started(tmp_path, [(0, "def swap_assignment(step, n):\n    return 'x' * (45 * 2**20)\n")])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with pytest.raises(ProcessDied, match="at most"):
            process.call("swap_assignment", (1, 3), {}, time.monotonic() + 20)
    finally:
        process.close()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 40 * 2**10  # KiB: far below the reply's 45 MB


def run_in_sandbox(tmp_path, code, limits):
    work = tmp_path / "work"
    work.mkdir()
    site = _sandbox.package_copy(tmp_path / "package")
    process = _sandbox.start(MECHANISM, ["python", "-c", code], work, site, limits)
    out, _ = process.communicate(timeout=60)
    return out.decode()


FILL_DISK = """import os
written = 0
try:
    for i in range(8):
        with open(os.path.join({folder}, f"f{{i}}"), "wb") as stream:
            stream.write(b"x" * 2**20)
        written += 1
except OSError as error:
    print(type(error).__name__)
print(written)
"""


@pytest.mark.parametrize("folder", ["'/tmp'", "os.environ['HOME']"], ids=["tmp", "home"])
def test_probe_the_sandbox_caps_disk(tmp_path, folder):
    if MECHANISM != "bwrap":
        pytest.skip("only bubblewrap gives the submission a home and /tmp of its own (others: per-file cap only)")
    out = run_in_sandbox(tmp_path, FILL_DISK.format(folder=folder), _sandbox.Limits(disk=3 * 2**20 + 2**19))
    assert out.split() == ["OSError", "3"]


def test_probe_the_sandbox_caps_processes_file_size_and_memory(tmp_path):
    limits = _sandbox.Limits(tasks=16, file_size=2**20, memory=2**30)
    out = run_in_sandbox(tmp_path, "import resource\nfor r in ('NPROC', 'FSIZE', 'DATA'):\n"
                         "    print(resource.getrlimit(getattr(resource, 'RLIMIT_' + r))[0])", limits)
    assert [int(v) for v in out.split()] == [_sandbox.task_limit(MECHANISM, limits), 2**20, 2**30]
    if os.getuid() != 0:  # the kernel never limits root's processes
        forks = run_in_sandbox(tmp_path / "f", "import os, time\nn = 0\ntry:\n    for _ in range(100):\n"
                               "        if os.fork() == 0:\n            time.sleep(5); os._exit(0)\n        n += 1\n"
                               "except OSError:\n    pass\nprint(n)", limits)
        assert int(forks) < _sandbox.task_limit(MECHANISM, limits)


@pytest.mark.parametrize("spelling", ["relative", "dot-dot"])
def test_probe_the_interpreter_is_found_from_a_subfolder(tmp_path, monkeypatch, spelling):
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    real = sys.executable
    monkeypatch.setattr(sys, "executable", os.path.relpath(real, sub) if spelling == "relative" else f"{sub}/../{os.path.relpath(real, tmp_path)}")
    out = run_in_sandbox(tmp_path, "import numpy, goalmisgen.exercises\nprint('started')", _sandbox.Limits())
    assert out.strip() == "started"


def test_probe_out_may_not_name_the_reference(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "someone.ipynb").write_bytes(FIXTURE.read_bytes())
    reference = tmp_path / "ref.ipynb"
    reference.write_bytes(FIXTURE.read_bytes())
    os.link(reference, tmp_path / "hard_link.csv")
    for out in (reference, tmp_path / "hard_link.csv", tmp_path / "x" / ".." / "ref.ipynb"):
        with pytest.raises(ValueError, match="which grading reads"):
            grade_submissions(folder, out, reference=reference, force=True)
    assert reference.read_bytes() == FIXTURE.read_bytes()
