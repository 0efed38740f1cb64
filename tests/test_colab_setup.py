"""The Colab set-up: one shared cell in every chapter, the repository URL from _config.yml only."""

import subprocess
import sys
from pathlib import Path

import pytest

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


def test_setup_refuses_a_folder_without_the_course(tmp_path):
    with pytest.raises(ValueError, match="pyproject.toml"):
        setup(tmp_path, chapter="00_first_look")


def test_repository_url_names_a_missing_key(tmp_path):
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(ValueError, match="repository.url"):
        repository_url(tmp_path / "_config.yml")
