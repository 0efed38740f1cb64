"""Write the shared set-up cell (goalmisgen.colab.setup_cell) into every chapter in _toc.yml.

The repository URL comes from `repository.url` in _config.yml, its one home. The cell is folded in
the web book (tag `hide-input`): it matters on Colab, not to a reader of the page. Only the first
code cell of each chapter is touched; the file keeps its JSON layout (indent 1, non-ASCII kept).
Run after changing the URL or goalmisgen.colab.setup_cell:

    python tools/sync_setup_cells.py          # rewrite the cells
    python tools/sync_setup_cells.py --check  # exit 1 and name the chapters whose cell differs
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goalmisgen.colab import repository_url, setup_cell  # noqa: E402

TAG = "hide-input"


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


def source_lines(text: str) -> list[str]:
    """A cell source as Jupyter stores it: lines keeping their newline."""
    return text.splitlines(keepends=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report chapters whose set-up cell differs")
    args = parser.parse_args()
    url = repository_url(ROOT / "_config.yml")
    stale = []
    for path in chapters():
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
        wanted = setup_cell(path.stem, url)
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        tags = cell.setdefault("metadata", {}).get("tags", [])
        if source != wanted or TAG not in tags:
            stale.append(path.name)
            if not args.check:
                cell["source"] = source_lines(wanted)
                cell["metadata"]["tags"] = [*tags, TAG] if TAG not in tags else tags
                path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if stale:
        print(("set-up cell differs in: " if args.check else "rewrote the set-up cell of: ") + ", ".join(stale))
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
