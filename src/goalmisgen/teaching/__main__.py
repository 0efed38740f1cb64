"""Command line for instructors: ``python -m goalmisgen.teaching {student,grade} ...``.

::

    python -m goalmisgen.teaching student [NOTEBOOKS ...] [--out student] [--book .] [--no-execute]
    python -m goalmisgen.teaching grade SUBMISSIONS_DIR --reference book/CHAPTER.ipynb --out grades.csv
        [--timeout 600] [--check-timeout 60] [--sandbox auto] [--memory-gb 4] [--force]

``student`` writes the student edition (default: every notebook in ``_toc.yml``) and the files
``jupyter-book build`` needs; ``grade`` runs every notebook of a folder of submissions, each in a
sandbox, and writes one CSV row per student and exercise as each student finishes. Ctrl-C or
SIGTERM stops grading: the rows of the students graded so far stay in the CSV, and every
submission's process is killed.
"""

from __future__ import annotations

import argparse
import signal
import sys

from goalmisgen.teaching import _sandbox
from goalmisgen.teaching.grade import DEFAULT_CHECK_TIMEOUT, DEFAULT_MEMORY_GB, DEFAULT_TIMEOUT, grade_submissions
from goalmisgen.teaching.student import LAUNCH_BRANCH, make_student_edition


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m goalmisgen.teaching", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("student", help="write the student edition: solutions replaced by stubs")
    s.add_argument("notebooks", nargs="*", help="notebooks (.ipynb); default: every notebook in _toc.yml")
    s.add_argument("--out", default="student", help="output folder (default: student)")
    s.add_argument("--book", default=None, help="folder with _toc.yml and _config.yml (default: found from here upwards)")
    s.add_argument("--no-execute", dest="execute", action="store_false",
                   help="jupyter-book build does not run the student notebooks: a text-only web edition, without "
                        "figures and glued numbers (default: it runs them)")
    s.add_argument("--launch-branch", default=LAUNCH_BRANCH,
                   help=f"the repository branch holding the student notebooks, opened by the launch buttons (default {LAUNCH_BRANCH})")

    g = sub.add_parser("grade", help="execute and grade a folder of submitted notebooks")
    g.add_argument("submissions", help="folder with one .ipynb per student (student = file name without .ipynb)")
    g.add_argument("--out", required=True, help="CSV to write: student, exercise, score, status, message, flags")
    g.add_argument("--force", action="store_true", help="replace --out if it exists")
    g.add_argument("--reference", required=True,
                   help="the instructor's edition of the chapter: its checker calls are the exercises graded")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per notebook (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--check-timeout", type=float, default=DEFAULT_CHECK_TIMEOUT,
                   help=f"seconds per exercise's checks (default {DEFAULT_CHECK_TIMEOUT:g})")
    g.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "unshare", "none"),
                   help="isolation of each submission (default auto: bubblewrap, else namespaces; see book/contributing_exercises.md)")
    g.add_argument("--memory-gb", type=float, default=DEFAULT_MEMORY_GB,
                   help=f"memory limit of each submission's process in GiB (default {DEFAULT_MEMORY_GB:g})")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "student":
            written = make_student_edition(args.notebooks or None, out=args.out, book=args.book, execute=args.execute,
                                           launch_branch=args.launch_branch)
            for path in written:
                print(f"wrote {path}")
            print(f"student edition: {len(written)} notebooks in {args.out}; web edition: jupyter-book build {args.out}")
        else:
            return _grade(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


WARNINGS = {
    "unshare": " (files are not isolated: submissions can read and write your files; bubblewrap isolates them)",
    "none": " (no isolation: submissions run with your rights and can outlive grading)",
}


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _grade(args: argparse.Namespace) -> int:
    graded = []

    def progress(student: str, rows: list[dict]) -> None:
        graded.append(student)
        print(f"{student}: {sum(r['score'] for r in rows)}/{len(rows)}", flush=True)

    mechanism = _sandbox.choose(args.sandbox)
    print(f"sandbox: {mechanism}" + WARNINGS.get(mechanism, ""), file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _stop)  # SIGTERM stops grading as Ctrl-C does
    try:
        grade_submissions(args.submissions, args.out, timeout=args.timeout, check_timeout=args.check_timeout,
                          reference=args.reference, force=args.force, sandbox=args.sandbox,
                          memory_gb=args.memory_gb, progress=progress)
    except KeyboardInterrupt:
        print(f"interrupted: the rows of {len(graded)} students are in {args.out}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
