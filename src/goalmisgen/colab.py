"""Set-up for running a chapter where the course is not installed, such as Google Colab.

Every chapter's first code cell is the same few lines (made by :func:`setup_cell`): where
``goalmisgen`` cannot be imported, they clone the course repository and call :func:`setup`, which
installs the package from the clone with its ``colab`` extra (the notebook-side packages the
chapters import: myst-nb for ``glue``, jupyterquiz, ipywidgets). The package asks only for version
ranges, so pip keeps Colab's own torch and NumPy and no runtime restart is needed.

The repository URL lives in one place, ``repository.url`` in ``_config.yml``;
``python tools/sync_setup_cells.py`` writes it into every chapter's set-up cell, and
``tests/test_colab_setup.py`` checks that the cells match.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

CLONE_DIR = "/content/course"
EXTRA = "colab"

PROCGEN_PACKAGES_NEW_PYTHON = [["procgen-gym"]]
# procgen-mirror declares NumPy < 2 but works with it: install it without its declared dependencies
PROCGEN_PACKAGES = [["--no-deps", "procgen-mirror==0.10.7", "gym3==0.3.3", "gym==0.26.2"], ["cffi", "gym-notices", "cloudpickle"]]

# chapters that need more than the package and its `colab` extra
CHAPTER_NEEDS = {"05_real_coinrun": ("procgen",)}


def setup(clone: str | os.PathLike, chapter: str) -> None:
    """Install the course from ``clone`` for ``chapter`` and make it importable in this kernel.

    Args:
        clone: folder holding a clone of the course repository.
        chapter: the notebook's name without ``.ipynb`` (e.g. ``"00_first_look"``); decides
            whether extra packages (the procgen game) are installed.

    Raises:
        ValueError: if ``clone`` holds no ``pyproject.toml``.
        subprocess.CalledProcessError: if pip fails to install the package.
    """
    clone = Path(clone)
    if not (clone / "pyproject.toml").is_file():
        raise ValueError(f"clone={str(clone)!r} holds no pyproject.toml; pass the folder of a clone of the course")
    _pip(["-e", f"{clone}[{EXTRA}]"], check=True)
    if "procgen" in CHAPTER_NEEDS.get(chapter, ()):
        install_procgen()
    src = str(clone / "src")
    if src not in sys.path:
        sys.path.insert(0, src)  # the editable install's path hook is read only when a kernel starts
    importlib.invalidate_caches()
    os.chdir(clone / "book")


def install_procgen() -> bool:
    """Install the procgen game for this Python (procgen-gym from 3.13, procgen-mirror before).

    Returns:
        True if every pip call succeeded; otherwise prints what failed and returns False (the
        chapter then skips the cells that play the game).
    """
    if importlib.util.find_spec("procgen") is not None or importlib.util.find_spec("procgen_gym") is not None:
        return True
    packages = PROCGEN_PACKAGES_NEW_PYTHON if sys.version_info >= (3, 13) else PROCGEN_PACKAGES
    ok = True
    for args in packages:
        result = _pip(args, check=False)
        if result.returncode:
            ok = False
            print("could not install", args, ":", result.stderr.strip().splitlines()[-1:])
    return ok


def _pip(args: list[str], check: bool) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=check, capture_output=True, text=True)


def setup_cell(chapter: str, repository_url: str, clone_dir: str = CLONE_DIR) -> str:
    """The source of a chapter's first code cell (the same lines in every chapter).

    Args:
        chapter: the notebook's name without ``.ipynb``.
        repository_url: the course repository (``repository.url`` in ``_config.yml``).
        clone_dir: where to clone it.
    """
    return (
        "# Set-up. Where goalmisgen is not installed (as in Colab), fetch the course and install it\n"
        "# with its `colab` extra: about a minute, keeps Colab's torch and NumPy, no restart needed.\n"
        "import importlib.util, subprocess, sys\n"
        'if importlib.util.find_spec("goalmisgen") is None:\n'
        f'    subprocess.run(["git", "clone", "-q", "--depth", "1", "{repository_url}", "{clone_dir}"], check=True)\n'
        f'    sys.path.insert(0, "{clone_dir}/src")\n'
        "    from goalmisgen.colab import setup\n"
        f'    setup("{clone_dir}", chapter="{chapter}")'
    )


def repository_url(config_path: str | os.PathLike) -> str:
    """``repository.url`` from the book's ``_config.yml``."""
    import yaml

    config = yaml.safe_load(Path(config_path).read_text())
    try:
        return str(config["repository"]["url"])
    except (KeyError, TypeError):
        raise ValueError(f"{config_path} has no repository.url; add it under `repository:`") from None
