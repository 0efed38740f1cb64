"""Every chapter in _toc.yml executes from top to bottom without errors (teaching code goes stale
silently unless CI runs it). ``make test`` builds the book first; a chapter the build has just
executed is checked from the build's cache instead of being run a second time."""

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


def _executed_by_the_book_build(nb):
    """The notebook as the book build just executed it (``make test`` builds the book first, with
    errors fatal), if the build's cache holds this exact code and the execution is newer than every
    file of the package and of data/ (so a stale cache never stands in for a run); else None."""
    cache_dir = ROOT / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        return None
    from jupyter_cache import get_cache

    try:
        record = get_cache(cache_dir).match_cache_notebook(nb)
        bundle = get_cache(cache_dir).get_cache_bundle(record.pk)
    except KeyError:
        return None
    newest = max(f.stat().st_mtime for d in ("src", "data") for f in (ROOT / d).rglob("*") if f.is_file())
    if record.created.timestamp() < newest:
        return None
    return bundle.nb


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name):
    path = ROOT / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path} has committed outputs"
    executed = _executed_by_the_book_build(nb)
    if executed is not None:
        nb = executed
    else:
        NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    glued = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})]
    for out in glued:
        text = out.get("data", {}).get("text/plain", "")
        assert not text.startswith(("np.", "array(")), f"glue a plain Python value, not {text!r} (the book cannot format it)"
