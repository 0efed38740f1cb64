"""The Colab set-up: one shared cell in every chapter, the repository URL from _config.yml only,
standard library only until the package is installed, and no Sphinx stack for `glue`."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from goalmisgen import colab
from goalmisgen.colab import repository_url, setup, setup_cell

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_has_the_shared_setup_cell():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_setup_cells.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + "run `python tools/sync_setup_cells.py`"


def test_repository_url_lives_only_in_config():
    url = repository_url(ROOT / "_config.yml")
    assert url.startswith("https://")
    places = [p for p in [*ROOT.glob("src/**/*.py"), *ROOT.glob("tools/*"), ROOT / "README.md", ROOT / "Makefile"]
              if p.is_file() and url in p.read_text(errors="ignore")]
    assert not places, f"the repository URL is repeated in {places}; read it from _config.yml"


def test_setup_cell_installs_the_colab_extra():
    cell = setup_cell("00_first_look", "https://example.org/course")
    assert "https://example.org/course" in cell and 'chapter="00_first_look"' in cell
    compile(cell, "setup_cell", "exec")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "colab = [" in pyproject and "instructor = [" in pyproject


def _imported_modules(tree: ast.AST, top_level_only: bool) -> set[str]:
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_setup_cell_and_colab_module_need_only_the_standard_library():
    """On a runtime without the course's packages (no gymnasium, no NumPy) the cell must get as far
    as installing them: it imports only the standard library and loads colab.py by its path (the
    package's __init__ imports gymnasium), and colab.py imports only the standard library at the top."""
    cell = setup_cell("00_first_look", "https://example.org/course")
    assert _imported_modules(ast.parse(cell), top_level_only=False) <= sys.stdlib_module_names
    assert "import goalmisgen" not in cell and "from goalmisgen" not in cell
    source = Path(colab.__file__).read_text()
    assert _imported_modules(ast.parse(source), top_level_only=True) - {"__future__"} <= sys.stdlib_module_names


def test_colab_module_loads_by_path_without_the_course_packages(tmp_path):
    """colab.py loaded as the cell loads it, in a Python where gymnasium, NumPy, torch and myst_nb
    cannot be imported; setup() then needs only a clone (pip is not called: goalmisgen is importable
    from the clone's src/, so it is taken as installed) and registers the glue stand-in."""
    clone = tmp_path / "course"
    (clone / "book").mkdir(parents=True)
    (clone / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (clone / "src" / "goalmisgen").mkdir(parents=True)
    (clone / "src" / "goalmisgen" / "__init__.py").write_text("")
    script = f"""
import importlib.util, sys
# the standard library only, then the clone's src/ (the cell's clone, made importable by setup)
sys.path[:] = [p for p in sys.path if p.startswith(sys.base_prefix) and "-packages" not in p]
for name in ("gymnasium", "numpy", "torch", "myst_nb", "sphinx", "yaml", "IPython"):
    assert importlib.util.find_spec(name) is None, name
spec = importlib.util.spec_from_file_location("course_setup", {str(Path(colab.__file__))!r})
course_setup = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course_setup)
sys.path.append({str(clone / "src")!r})
def no_pip(*args, **kwargs):
    raise AssertionError("pip called although goalmisgen is importable")
course_setup._pip = no_pip
course_setup.setup({str(clone)!r}, chapter="00_first_look")
from myst_nb import glue
assert glue is course_setup.glue, glue
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "ok", result.stderr


def test_colab_extra_brings_no_sphinx_stack():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert not any(req.lower().startswith(("myst-nb", "myst_nb", "sphinx", "jupyter-book")) for req in extras["colab"])


@pytest.mark.parametrize("value", [0.4213, "12,345", -3])
@pytest.mark.parametrize("display", [True, False])
def test_glue_stand_in_writes_what_myst_nb_writes(value, display):
    """A chapter run with the stand-in gives the same outputs as with myst-nb (a later book build
    can read them)."""
    myst_nb = pytest.importorskip("myst_nb")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # display() publishes through a shell (as in a kernel)

    outputs = []
    for glue in (myst_nb.glue, colab.glue):
        with capture_output() as captured:
            glue("name", value, display=display)
        outputs.append([(o.data, o.metadata) for o in captured.outputs])
    assert outputs[0] == outputs[1] and outputs[0]


def test_setup_refuses_a_folder_without_the_course(tmp_path):
    with pytest.raises(ValueError, match="pyproject.toml"):
        setup(tmp_path, chapter="00_first_look")


def test_repository_url_names_a_missing_key(tmp_path):
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(ValueError, match="repository.url"):
        repository_url(tmp_path / "_config.yml")
