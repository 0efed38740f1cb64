"""Set-up for running a chapter where the course is not installed, such as Google Colab.

Every chapter's first code cell is the same few lines (made by :func:`setup_cell`). They use the
standard library only: where ``goalmisgen`` cannot be imported (or a Colab clone is already there,
as after a runtime restart), they clone the course repository, load this file from the clone *by
path* (importing the package would import gymnasium and the rest before they are installed) and
call :func:`setup`. That installs the package from the clone with its ``colab`` extra, which holds
only the notebook-side packages a chapter imports that Colab lacks (jupyterquiz; ipywidgets is
already there). The package asks only for version ranges, so pip keeps Colab's own torch, NumPy and
gymnasium, installs nothing it already has, and no runtime restart is needed.

The chapters call myst-nb's ``glue`` to hand numbers to the web book's prose. On Colab nothing reads
them, and myst-nb would bring Sphinx, docutils and SQLAlchemy into the runtime for that one
function; where ``myst_nb`` is missing, :func:`setup` registers a small stand-in module under that
name whose :func:`glue` shows the value as myst-nb does (same display data and metadata), needing
only IPython.

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
import types
from pathlib import Path
from typing import Any

CLONE_DIR = "/content/course"
EXTRA = "colab"

PROCGEN_PACKAGES_NEW_PYTHON = [["procgen-gym"]]
# procgen-mirror declares NumPy < 2 but works with it: install it without its declared dependencies
PROCGEN_PACKAGES = [["--no-deps", "procgen-mirror==0.10.7", "gym3==0.3.3", "gym==0.26.2"], ["cffi", "gym-notices", "cloudpickle"]]

# chapters that need more than the package and its `colab` extra
CHAPTER_NEEDS = {"05_real_coinrun": ("procgen",)}

# myst-nb's prefix for glued values that are stored but not shown (myst_nb.ext.glue.GLUE_PREFIX)
GLUE_PREFIX = "application/papermill.record/"


def setup(clone: str | os.PathLike, chapter: str) -> None:
    """Install the course from ``clone`` for ``chapter`` and make it importable in this kernel.

    Safe to run again (after a runtime restart): pip is called only while ``goalmisgen`` is not
    installed; the import path, the ``glue`` stand-in and the working folder are set every time.

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
    if importlib.util.find_spec("goalmisgen") is None:
        _pip(["-e", f"{clone}[{EXTRA}]"], check=True)
    if "procgen" in CHAPTER_NEEDS.get(chapter, ()):
        install_procgen()
    src = str(clone / "src")
    if src not in sys.path:
        sys.path.insert(0, src)  # the editable install's path hook is read only when a kernel starts
    importlib.invalidate_caches()
    install_glue_fallback()
    os.chdir(clone / "book")


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Show ``variable`` as ``myst_nb.glue`` does, without myst-nb (IPython only).

    The output carries the same display data and ``scrapbook`` metadata as myst-nb's, so a
    notebook run with this stand-in still feeds a later book build.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    mimebundle, metadata = format_display_data(variable)
    mime_prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=mime_prefix)
    ipy_display({mime_prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)


def install_glue_fallback() -> bool:
    """Where ``myst_nb`` cannot be imported, register a module of that name holding :func:`glue`.

    Returns:
        True if the stand-in was registered, False if the real myst-nb is there (or the stand-in
        already is).
    """
    if "myst_nb" in sys.modules or importlib.util.find_spec("myst_nb") is not None:
        return False
    module = types.ModuleType("myst_nb", "Stand-in for myst-nb's glue (goalmisgen.colab): Colab does not need the Sphinx stack.")
    module.glue = glue
    sys.modules["myst_nb"] = module
    return True


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

    Standard library only until :func:`setup` has installed the package: this file is loaded from
    the clone by its path, not through ``import goalmisgen``.

    Args:
        chapter: the notebook's name without ``.ipynb``.
        repository_url: the course repository (``repository.url`` in ``_config.yml``).
        clone_dir: where to clone it.
    """
    return (
        "# Set-up. Where goalmisgen is not installed (as in Colab), fetch the course and install what the\n"
        "# runtime lacks: under a minute, keeps Colab's torch and NumPy, no restart needed.\n"
        "import importlib.util, os, subprocess, sys\n"
        f'if importlib.util.find_spec("goalmisgen") is None or os.path.isdir("{clone_dir}"):\n'
        f'    if not os.path.isdir("{clone_dir}"):\n'
        f'        subprocess.run(["git", "clone", "-q", "--depth", "1", "{repository_url}", "{clone_dir}"], check=True)\n'
        f'    spec = importlib.util.spec_from_file_location("course_setup", "{clone_dir}/src/goalmisgen/colab.py")\n'
        "    course_setup = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(course_setup)\n"
        f'    course_setup.setup("{clone_dir}", chapter="{chapter}")'
    )


def repository_url(config_path: str | os.PathLike) -> str:
    """``repository.url`` from the book's ``_config.yml``."""
    import yaml

    config = yaml.safe_load(Path(config_path).read_text())
    try:
        return str(config["repository"]["url"])
    except (KeyError, TypeError):
        raise ValueError(f"{config_path} has no repository.url; add it under `repository:`") from None
