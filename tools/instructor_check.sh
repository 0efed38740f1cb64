#!/usr/bin/env bash
# The instructor tools from a plain `pip install .[instructor]` in a fresh venv: grade the tiny
# fixture notebook (as a correct submission) outside the source tree and check the grades.
#   bash tools/instructor_check.sh [python]      (default python3.11; prints the timings)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:-$(command -v python3.11 || command -v python3)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
"$PY" -m venv "$WORK/venv"
mkdir "$WORK/course"  # a copy of the tracked files, so the install cannot touch the working tree
git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 tar -cf -) | tar -C "$WORK/course" -xf -
(cd "$WORK/course" && "$WORK/venv/bin/python" -m pip install -q ".[instructor]")
installed=$(date +%s)
mkdir "$WORK/submissions"
cp "$ROOT/tests/fixtures/tiny_exercises.ipynb" "$WORK/submissions/correct.ipynb"
cd "$WORK"  # outside the source tree: only the installed package can be imported
"$WORK/venv/bin/python" -m goalmisgen.teaching grade submissions --reference "$ROOT/tests/fixtures/tiny_exercises.ipynb" --out grades.csv --timeout 300
graded=$(date +%s)
cat grades.csv
"$WORK/venv/bin/python" - <<'PY'
import csv
rows = list(csv.DictReader(open("grades.csv")))
assert rows and all(r["status"] == "pass" for r in rows), rows
print(f"{len(rows)} exercises graded, all pass")
PY
echo "install: $((installed - start)) s, grading: $((graded - installed)) s"
