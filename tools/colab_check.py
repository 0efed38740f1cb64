"""Prove the chapters' Colab set-up on a stand-in for Colab, one fresh venv per (Python, chapter).

The stand-in is built from Colab's published package list, kept in the repository with its source
and date (tools/colab/pip-freeze-2026-08-19.txt, Python 3.13): the packages the course touches
(COLAB_BASE) are installed at Colab's versions, with the whole list as pip constraints so that
their dependencies get Colab's versions too. torch is Colab's version from PyPI (Colab's own wheel
is the CPU build from PyTorch's own wheel index; pass that index as --torch-index to use it).

For each Python and chapter it
  1. makes a fresh venv and installs the stand-in: timed as "base", not part of the set-up;
  2. runs the chapter as it is committed, with two strings replaced: the repository URL (from
     _config.yml) by a local clone of HEAD, and Colab's /content/course by a temporary folder;
  3. reports the set-up cell's time (clone + pip install of what the stand-in lacks), the whole
     chapter's time, the packages the set-up added or changed, and fails if any cell raises.

    python tools/colab_check.py --python ~/.pyenv/versions/3.13.0/bin/python \
        --chapter 00_first_look --chapter 04_auto_induced_shift

Commit first: the clone holds HEAD, not the working tree. Results go to --out (JSON, one row per run).
With --stand-in DIR the stand-in is installed once into DIR (kept there for later runs) and copied
for each chapter, instead of installed afresh each time: the same packages, minutes less per chapter.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goalmisgen.colab import CLONE_DIR, repository_url  # noqa: E402

COLAB_PACKAGES = ROOT / "tools" / "colab" / "pip-freeze-2026-08-19.txt"

# what Colab has before the set-up cell runs and the course touches (versions from COLAB_PACKAGES)
COLAB_BASE = ["torch", "numpy", "pandas", "matplotlib", "seaborn", "tqdm", "pillow", "imageio", "pyyaml", "scipy",
              "gymnasium", "ipython", "ipykernel", "ipywidgets", "traitlets", "jupyter_client", "nbclient", "nbformat",
              "cloudpickle"]

GPU_STACK = ("nvidia-", "cuda-", "triton")

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


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins(path: Path = COLAB_PACKAGES) -> dict[str, str]:
    """Colab's version of every package in the published list (``name @ url`` lines: the version
    read from the wheel's file name, e.g. torch 2.11.0 from ``torch-2.11.0%2Bcpu-...whl``)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
        elif " @ " in line:
            name, url = line.split(" @ ", 1)
            match = re.search(rf"/{re.escape(name.strip())}-([0-9][^-]*?)(?:%2B[^-]*)?-", url, re.IGNORECASE)
            if not match:
                continue
            version = match.group(1)
        else:
            continue
        if not re.fullmatch(r"[0-9][0-9A-Za-z.!]*", version.strip()):
            continue
        pins[normalize(name.strip())] = version.strip()
    return pins


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def installed(python: Path) -> dict[str, str]:
    packages = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], check=True, capture_output=True, text=True).stdout
    return {normalize(p["name"]): p["version"] for p in json.loads(packages)}


def stand_in(venv: Path, work: Path, torch_index: str | None) -> None:
    pins = colab_pins()
    constraints = work / "colab-constraints.txt"
    # not the CUDA stack: Colab's CPU torch has none, and PyPI's torch asks for its own versions of it
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())
                                   if not name.startswith(GPU_STACK)))
    python = str(venv / "bin/python")
    run([python, "-m", "pip", "install", "-q", f"pip=={pins['pip']}"], stdout=subprocess.DEVNULL)
    index = ["--extra-index-url", torch_index] if torch_index else []
    run([python, "-m", "pip", "install", "-q", *index, "-c", str(constraints),
         *(f"{name}=={pins[normalize(name)]}" for name in COLAB_BASE)], stdout=subprocess.DEVNULL)


def check(python: str, chapter: str, work: Path, url: str, torch_index: str | None, kept: Path | None = None) -> dict:
    venv = work / "venv"
    t0 = time.perf_counter()
    if kept is None:
        run([python, "-m", "venv", str(venv)])
        stand_in(venv, work, torch_index)
    else:
        if not (kept / "bin" / "python").exists():  # installed once, then copied for each chapter
            run([python, "-m", "venv", str(kept)])
            stand_in(kept, work, torch_index)
        shutil.copytree(kept, venv, symlinks=True)
    base_s = time.perf_counter() - t0
    before = installed(venv / "bin/python")
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
    after = installed(venv / "bin/python")
    added = {name: v for name, v in after.items() if before.get(name) != v}
    return {"python": version, "chapter": chapter, "base_install_s": round(base_s, 1),
            "setup_cell_s": result.get("setup_s"), "chapter_s": result.get("chapter_s"), "error": result.get("error"),
            "torch": after.get("torch"), "numpy": after.get("numpy"), "gymnasium": after.get("gymnasium"),
            "set_up_installed": added, "ok": proc.returncode == 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", required=True, help="a Python interpreter (repeat); Colab's is 3.13")
    parser.add_argument("--chapter", action="append", required=True, help="a notebook name without .ipynb (repeat)")
    parser.add_argument("--torch-index", help="an extra index for torch (Colab installs the CPU build from PyTorch's own wheel index)")
    parser.add_argument("--out", default="colab_check.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--stand-in", type=Path,
                        help="install the stand-in once into this folder (one Python only) and copy it for each chapter")
    args = parser.parse_args()
    if args.stand_in and len(args.python) > 1:
        parser.error("--stand-in holds the stand-in of one Python: give one --python with it")
    url = repository_url(ROOT / "_config.yml")
    rows = []
    for python in args.python:
        for chapter in args.chapter:
            work = Path(tempfile.mkdtemp(prefix=f"colab_{chapter}_"))
            try:
                row = check(python, chapter, work, url, args.torch_index, args.stand_in)
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
            print(json.dumps(row), flush=True)
            rows.append(row)
            Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
