"""Write the shared set-up cell (goalmisgen.colab.setup_cell) into every chapter in _toc.yml.

The repository URL comes from `repository.url` in _config.yml, its one home. Run after changing it:

    python tools/sync_setup_cells.py          # rewrite the cells
    python tools/sync_setup_cells.py --check  # exit 1 and name the chapters whose cell differs
"""

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goalmisgen.colab import repository_url, setup_cell  # noqa: E402


def chapters() -> list[Path]:
    import yaml

    def files(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    yield node[key]
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return sorted({ROOT / f"{f}.ipynb" for f in files(toc) if (ROOT / f"{f}.ipynb").exists()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report chapters whose set-up cell differs")
    args = parser.parse_args()
    url = repository_url(ROOT / "_config.yml")
    stale = []
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if c.cell_type == "code")
        wanted = setup_cell(path.stem, url)
        if cell.source != wanted:
            stale.append(path.name)
            if not args.check:
                cell.source = wanted
                nbformat.write(nb, path)
    if stale:
        print(("set-up cell differs in: " if args.check else "rewrote the set-up cell of: ") + ", ".join(stale))
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
