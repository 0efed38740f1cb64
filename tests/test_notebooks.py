"""Every chapter in _toc.yml executes from top to bottom without errors (teaching code goes stale
silently unless CI runs it)."""

from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def _toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        if "root" in node:
            yield node["root"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


NOTEBOOKS = sorted({f for f in _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text())) if (ROOT / f"{f}.ipynb").exists()})


def test_toc_lists_notebooks():
    assert NOTEBOOKS, "no notebook found in _toc.yml"


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name):
    path = ROOT / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path} has committed outputs"
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    glued = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})]
    for out in glued:
        text = out.get("data", {}).get("text/plain", "")
        assert not text.startswith(("np.", "array(")), f"glue a plain Python value, not {text!r} (the book cannot format it)"
