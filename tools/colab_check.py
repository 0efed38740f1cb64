"""Prove the chapters' Colab set-up on fresh virtual environments, one per (Python, chapter).

For each Python and chapter it
  1. makes a fresh venv and installs a stand-in for what Colab ships (torch, NumPy, pandas,
     matplotlib, seaborn, ..., ipykernel, nbclient): timed as "base", not part of the set-up;
  2. runs the chapter as it is committed, with two strings replaced: the repository URL (from
     _config.yml) by a local clone of HEAD, and Colab's /content/course by a temporary folder;
  3. reports the set-up cell's time (clone + pip install of the package with its `colab` extra)
     and the whole chapter's time, and fails if any cell raises.

    python tools/colab_check.py --python ~/.pyenv/versions/3.12.1/bin/python \
        --python ~/.pyenv/versions/3.13.0/bin/python --chapter 00_first_look --chapter 04_auto_induced_shift

Commit first: the clone holds HEAD, not the working tree. Results go to --out (JSON, one row per run).
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goalmisgen.colab import CLONE_DIR, repository_url  # noqa: E402

# what Colab has before the set-up cell runs (a stand-in: Colab's own versions differ)
COLAB_BASE = ["torch", "numpy", "pandas", "matplotlib", "seaborn", "tqdm", "pillow", "imageio", "pyyaml",
              "ipykernel", "ipywidgets", "nbclient", "nbformat"]

EXECUTE = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
path, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
error = None
try:
    NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
except Exception as err:  # report which cell failed, then exit 1
    error = f"{type(err).__name__}: {str(err)[-2000:]}"
total = time.perf_counter() - start
from datetime import datetime
def seconds(cell):
    t = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in t and "shell.execute_reply" in t:
        a, b = (datetime.fromisoformat(t[k].replace("Z", "+00:00")) for k in ("iopub.execute_input", "shell.execute_reply"))
        return (b - a).total_seconds()
setup = next(seconds(c) for c in nb.cells if c.cell_type == "code")
json.dump({"setup_s": setup, "chapter_s": total, "error": error}, open(out, "w"))
sys.exit(1 if error else 0)
"""


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def check(python: str, chapter: str, work: Path, url: str) -> dict:
    venv = work / "venv"
    t0 = time.perf_counter()
    run([python, "-m", "venv", str(venv)])
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", *COLAB_BASE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_s = time.perf_counter() - t0
    clone_src = work / "origin"  # stands in for the repository URL
    run(["git", "clone", "-q", "--no-local", str(ROOT), str(clone_src)])
    clone_dir = work / "content" / "course"
    notebook = (ROOT / "book" / f"{chapter}.ipynb").read_text()
    notebook = notebook.replace(url, str(clone_src)).replace(CLONE_DIR, str(clone_dir))
    nb_path = work / f"{chapter}.ipynb"
    nb_path.write_text(notebook)
    result_path = work / "result.json"
    version = subprocess.run([str(venv / "bin/python"), "-c", "import sys; print(sys.version.split()[0])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    proc = subprocess.run([str(venv / "bin/python"), "-c", EXECUTE, str(nb_path), str(result_path)],
                          cwd=work, capture_output=True, text=True)
    result = json.loads(result_path.read_text()) if result_path.exists() else {"error": proc.stderr[-2000:]}
    packages = subprocess.run([str(venv / "bin/python"), "-m", "pip", "list", "--format=json"],
                              check=True, capture_output=True, text=True).stdout
    versions = {p["name"].lower(): p["version"] for p in json.loads(packages)}
    return {"python": version, "chapter": chapter, "base_install_s": round(base_s, 1),
            "setup_cell_s": result.get("setup_s"), "chapter_s": result.get("chapter_s"), "error": result.get("error"),
            "torch": versions.get("torch"), "numpy": versions.get("numpy"), "ok": proc.returncode == 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", required=True, help="a Python interpreter (repeat)")
    parser.add_argument("--chapter", action="append", required=True, help="a notebook name without .ipynb (repeat)")
    parser.add_argument("--out", default="colab_check.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    url = repository_url(ROOT / "_config.yml")
    rows = []
    for python in args.python:
        for chapter in args.chapter:
            work = Path(tempfile.mkdtemp(prefix=f"colab_{chapter}_"))
            try:
                row = check(python, chapter, work, url)
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
            print(json.dumps(row), flush=True)
            rows.append(row)
            Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
