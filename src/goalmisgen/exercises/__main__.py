"""Command line for instructors: ``python -m goalmisgen.exercises {student,grade} ...``.

::

    python -m goalmisgen.exercises student [NOTEBOOKS ...] [--out student] [--book .] [--execute]
    python -m goalmisgen.exercises grade SUBMISSIONS_DIR --out grades.csv [--timeout 600]

``student`` writes the student edition (default: every notebook in ``_toc.yml``) and the files
``jupyter-book build`` needs; ``grade`` executes every notebook of a folder of submissions and
writes one CSV row per student and exercise.
"""

from __future__ import annotations

import argparse
import sys

from goalmisgen.exercises.grade import DEFAULT_CHECK_TIMEOUT, DEFAULT_TIMEOUT, grade_submissions
from goalmisgen.exercises.student import make_student_edition


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m goalmisgen.exercises", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("student", help="write the student edition: solutions replaced by stubs")
    s.add_argument("notebooks", nargs="*", help="notebooks (.ipynb); default: every notebook in _toc.yml")
    s.add_argument("--out", default="student", help="output folder (default: student)")
    s.add_argument("--book", default=None, help="folder with _toc.yml and _config.yml (default: found from here upwards)")
    s.add_argument("--execute", action="store_true",
                   help="let jupyter-book build run the student notebooks (figures and glued numbers in the web edition)")

    g = sub.add_parser("grade", help="execute and grade a folder of submitted notebooks")
    g.add_argument("submissions", help="folder with one .ipynb per student (student = file name without .ipynb)")
    g.add_argument("--out", required=True, help="CSV to write: student, exercise, score, status, message")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per notebook (default {DEFAULT_TIMEOUT})")
    g.add_argument("--check-timeout", type=float, default=DEFAULT_CHECK_TIMEOUT,
                   help=f"seconds per checker when grading (default {DEFAULT_CHECK_TIMEOUT})")
    g.add_argument("--reference", default=None,
                   help="a notebook whose checker calls list the exercises (default: those found in the submissions)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "student":
            written = make_student_edition(args.notebooks or None, out=args.out, book=args.book, execute=args.execute)
            for path in written:
                print(f"wrote {path}")
            print(f"student edition: {len(written)} notebooks in {args.out}; web edition: jupyter-book build {args.out}")
        else:
            grades = grade_submissions(
                args.submissions, args.out, timeout=args.timeout, check_timeout=args.check_timeout, reference=args.reference
            )
            summary = grades.groupby("student")["score"].sum()
            n_exercises = grades["exercise"].nunique()
            for student, score in summary.items():
                print(f"{student}: {score}/{n_exercises}")
            print(f"wrote {args.out}")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
