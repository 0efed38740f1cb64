"""Count what a learner sees on the built chapter pages (issue 26, items 1-3).

Usage, after a book build::

    python tools/page_audit.py [_build/html]

For each chapter page ``_build/html/book/<chapter>.html`` it counts, outside anything folded
(``<details>`` blocks and sphinx-exercise dropdowns, which a learner opens on purpose):

* ``solutions``: code cells that show a coded solution (``### BEGIN SOLUTION``);
* ``passed``: outputs that print a checker's "all checks passed";
* ``quiz_answers``: code cells that show ``correct=True``;
* ``frozen_bars``: tqdm bars shown short of 100% ("  0%|   | 0/30");
* ``raw_reprs``: outputs showing a widget's repr (``interactive(children=``, ``FloatSlider(``, ...);
* ``code_lines``: lines of code shown; ``glue_lines``: of those, lines that call ``glue(``;
* ``bold_numbers``: numbers shown in bold (glued values are bold unless the book's CSS says
  otherwise, and numbers inside ``<strong>``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

UNFINISHED = re.compile(r"\b(\d+)%\|")  # a tqdm bar's percentage
RAW = ("interactive(children=", "FloatSlider(", "HBox(children=", "VBox(children=", "IntSlider(")
NUMBER = re.compile(r"[-+−]?\d")


def pasted_bold(html_dir: Path) -> bool:
    """Whether glued text renders bold: myst-nb's CSS makes it bold; a later rule may undo it."""
    bold = True
    for css in sorted((html_dir / "_static").glob("*.css")):
        if css.name.startswith("mystnb"):
            continue  # myst-nb's own rule makes it bold; the book's stylesheets load after it
        for match in re.finditer(r"span\.pasted-text\s*\{([^}]*)\}", css.read_text(errors="ignore")):
            weight = re.search(r"font-weight:\s*([a-z0-9]+)", match.group(1))
            if weight:
                bold = weight.group(1) in ("bold", "700", "bolder")
    return bold


def audit_page(path: Path, glued_bold: bool) -> dict[str, int]:
    soup = BeautifulSoup(path.read_text(), "html.parser")
    main = soup.find("main") or soup
    for folded in main.select("details, div.dropdown, .toggle-hidden"):
        folded.decompose()
    counts = dict.fromkeys(("solutions", "passed", "quiz_answers", "frozen_bars", "raw_reprs",
                            "code_lines", "glue_lines", "bold_numbers"), 0)
    for source in main.select("div.cell_input"):
        text = source.get_text()
        lines = [line for line in text.splitlines() if line.strip()]
        counts["code_lines"] += len(lines)
        counts["glue_lines"] += sum("glue(" in line for line in lines)
        counts["solutions"] += "### BEGIN SOLUTION" in text
        counts["quiz_answers"] += "correct=True" in text
    for output in main.select("div.cell_output"):
        text = output.get_text()
        counts["passed"] += text.count("all checks passed")
        counts["frozen_bars"] += sum(m.group(1) != "100" for m in UNFINISHED.finditer(text))
        counts["raw_reprs"] += sum(text.count(raw) for raw in RAW)
    strong = {id(s) for s in main.select("strong")}
    for span in main.select("span.pasted-text"):
        inside_strong = any(id(p) in strong for p in span.parents)
        if NUMBER.search(span.get_text()) and (glued_bold or inside_strong):
            counts["bold_numbers"] += 1
    for s in main.select("strong"):
        if not s.select("span.pasted-text") and NUMBER.search(s.get_text()):
            counts["bold_numbers"] += 1
    return counts


def main(html_dir: str = "_build/html") -> None:
    root = Path(html_dir)
    glued_bold = pasted_bold(root)
    pages = sorted((root / "book").glob("0*.html")) + [root / "book" / "explore.html"]
    columns = ("solutions", "passed", "quiz_answers", "frozen_bars", "raw_reprs", "code_lines", "glue_lines",
               "bold_numbers")
    print(f"{'page':28s} " + " ".join(f"{c:>12s}" for c in columns))
    total = dict.fromkeys(columns, 0)
    for page in pages:
        counts = audit_page(page, glued_bold)
        for c in columns:
            total[c] += counts[c]
        print(f"{page.stem:28s} " + " ".join(f"{counts[c]:12d}" for c in columns))
    print(f"{'total':28s} " + " ".join(f"{total[c]:12d}" for c in columns))


if __name__ == "__main__":
    main(*sys.argv[1:])
