"""The student edition: the same notebooks with the solutions taken out.

``make_student_edition`` (``python -m goalmisgen.teaching student``) writes, for each notebook,

* every solution region of a code cell (``### BEGIN SOLUTION`` .. ``### END SOLUTION``) replaced by
  one line at the same indentation, ``raise NotImplementedError("exercise <label>")``, where the
  label is the ``:label:`` of the nearest exercise directive above it;
* every ```` ```{solution} ```` block removed, and every gated region from ```` ```{solution-start} ````
  to ```` ```{solution-end} ```` removed with the cells between them;
* outputs and execution counts cleared; everything else kept as it is.

After each quiz it adds a cell in which the learner records their answers for the grade
(``goalmisgen.teaching.quizzes``).

Next to the notebooks it writes a ``_toc.yml`` and a ``_config.yml`` so that
``jupyter-book build DIR`` makes a readable web edition: sphinx-exercise's ``hide_solutions`` on;
the student notebooks executed by the build (figures and glued numbers; ``execute=False`` for a
text-only build); the book's other pages for learners (the root page and glossary, solution text
removed; a page with the line :data:`NOT_FOR_STUDENTS` stays out); its bibliography, MathJax copy
and static files (``_static/`` with the book's style sheets included); launch buttons (Colab)
that open the student notebooks on the repository's branch ``launch_branch``, where the publish
workflow puts them.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Sequence
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode

from goalmisgen.teaching._source import directives, solution_outside_fences, solutions
from goalmisgen.teaching.quizzes import answer_cell, quizzes_in

# a page of the book with this line is left out of the student edition (the instructor guide, say)
NOT_FOR_STUDENTS = "<!-- not in the student edition -->"
# the repository branch that holds the student notebooks, for the launch buttons
LAUNCH_BRANCH = "student"

STUDENT_HEADER = (
    "# The student edition, made by `python -m goalmisgen.teaching student`; regenerate it rather than edit it.\n"
)


def stub_line(indent: str, label: str) -> str:
    """The line that replaces a solution region."""
    return f'{indent}raise NotImplementedError("exercise {label}")'


def strip_solution_text(text: str, in_gated: bool = False, where: str = "the text") -> tuple[str, bool]:
    """Remove ``{solution}`` blocks and gated ``{solution-start}`` .. ``{solution-end}`` regions.

    Args:
        text: markdown source.
        in_gated: True when a gated solution opened in an earlier cell is still open.
        where: names the text in error messages.

    Returns:
        The text without solutions, and whether a gated solution is still open at its end.

    Raises:
        ValueError: for a ``{solution-end}`` with no open ``{solution-start}``, a
            ``{solution-start}`` inside an open one, or a solution directive left in the text
            because it is not written in a fence this reads (in a quote or a list item, say).
    """
    lines = text.split("\n")
    keep = [True] * len(lines)
    drop_from = 0 if in_gated else None
    for directive in directives(text):
        if not keep[directive.start]:
            continue  # nested in a solution block already removed
        if directive.name == "solution-start":
            if drop_from is not None:
                raise ValueError(f"{where}: a second {{solution-start}} (line {directive.start + 1}) before {{solution-end}}")
            drop_from = directive.start
        elif directive.name == "solution-end":
            if drop_from is None:
                raise ValueError(f"{where}: {{solution-end}} (line {directive.start + 1}) without {{solution-start}} before it")
            keep[drop_from : directive.end + 1] = [False] * (directive.end + 1 - drop_from)
            drop_from = None
        elif directive.name == "solution" and drop_from is None:
            keep[directive.start : directive.end + 1] = [False] * (directive.end + 1 - directive.start)
    if drop_from is not None:
        keep[drop_from:] = [False] * (len(lines) - drop_from)
    left = solution_outside_fences("\n".join(line if k else "" for line, k in zip(lines, keep)))
    if left is not None:
        raise ValueError(
            f"{where}, line {left + 1}: a solution directive the student edition cannot hide ({lines[left].strip()[:60]!r}); "
            "open it with a fence of its own line: ```{solution}, ~~~{solution} or :::{solution}"
        )
    if all(keep):
        return text, False
    kept = "\n".join(line for line, k in zip(lines, keep) if k)
    return _squeeze_blank_lines(kept), drop_from is not None


def _squeeze_blank_lines(text: str) -> str:
    """Collapse the runs of blank lines a removal leaves behind."""
    out: list[str] = []
    for line in text.strip("\n").split("\n"):
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    return "\n".join(out).rstrip()


def student_notebook(nb: NotebookNode, where: str = "the notebook") -> NotebookNode:
    """A student copy of ``nb`` (which is left unchanged); see the module docstring.

    Raises:
        ValueError: naming ``where`` and the cell, for malformed solution markers or directives.
    """
    nb = copy.deepcopy(nb)
    answer_cells = {q.cell: answer_cell(q) for q in quizzes_in(nb, where)}
    stubs: dict[int, list] = {}
    for region in solutions(nb, where):
        stubs.setdefault(region.cell, []).append(region)
    cells = []
    in_gated = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text, still_open = strip_solution_text(cell.source, in_gated, f"{where}, cell {index}")
            in_gated = still_open
            if text.strip():
                cell.source = text
                cells.append(cell)
            continue
        if in_gated:
            continue
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            for region in reversed(stubs.get(index, [])):
                lines[region.begin : region.end + 1] = [stub_line(region.indent, region.label)]
            if index in stubs:  # the stub is the learner's to edit: not folded behind "Show a solution"
                tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
                cell.metadata["tags"] = tags
                if not tags:
                    del cell.metadata["tags"]
                cell.metadata.pop("mystnb", None)
            cell.source = "\n".join(lines)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        cells.append(cell)
        if index in answer_cells:
            cells.append(answer_cells[index])
    if in_gated:
        raise ValueError(f"{where}: a {{solution-start}} is never closed by a {{solution-end}}")
    nb.cells = cells
    return nb


def find_book(start: str | Path | None = None) -> Path | None:
    """The nearest folder, from ``start`` (default: the current folder) upwards, that holds a ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    return None


def toc_files(book: Path) -> list[str]:
    """The documents of the book's ``_toc.yml`` (root first), as written there (no suffix)."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str) and node[key] not in found:
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def _document(book: Path, name: str) -> Path | None:
    for suffix in ("", ".ipynb", ".md"):
        path = book / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def make_student_edition(
    notebooks: Sequence[str | Path] | None = None,
    out: str | Path = "student",
    book: str | Path | None = None,
    execute: bool = True,
    launch_branch: str = LAUNCH_BRANCH,
) -> list[Path]:
    """Write the student edition of ``notebooks`` into ``out`` and return the notebooks written.

    Args:
        notebooks: ``.ipynb`` paths; default: every notebook in the book's ``_toc.yml``. The
            book's root page comes along (a web build needs it), and so do the book's other pages
            without the line :data:`NOT_FOR_STUDENTS` (the glossary the chapters link to; not the
            instructor guide or the contributors' page).
        out: the output folder (created; files in it with the same names are replaced).
        book: the folder of ``_toc.yml`` and ``_config.yml``; default: found from the current
            folder upwards. Notebooks inside it keep their path relative to it.
        execute: let ``jupyter-book build`` run the student notebooks (``execute_notebooks:
            cache``), so that figures and the numbers glued into the prose appear (the default);
            False: execution off, the web edition shows text and code only.
        launch_branch: the branch of the book's repository that holds the student notebooks,
            which the web edition's launch buttons open.

    Raises:
        ValueError: for a notebook that does not exist or is not a ``.ipynb`` file, no book to
            take the notebook list from, an output that would overwrite a source, or an output
            folder whose ``_config.yml`` or ``_toc.yml`` this command did not write.
    """
    book_dir = Path(book).resolve() if book is not None else find_book()
    if book is not None and not (book_dir / "_toc.yml").is_file():
        raise ValueError(f"book={str(book)!r} has no _toc.yml; pass the folder that holds the book's _toc.yml")
    out_dir = Path(out).resolve()
    if notebooks is None:
        if book_dir is None:
            raise ValueError("no notebooks given and no _toc.yml found in the current folder or its parents")
        names = toc_files(book_dir)
        documents = [_document(book_dir, name) for name in names]
        sources = [path for i, path in enumerate(documents)
                   if path is not None and (i == 0 or path.suffix == ".ipynb" or NOT_FOR_STUDENTS not in path.read_text())]
    else:
        sources = []
        for notebook in notebooks:
            path = Path(notebook).resolve()
            if path.suffix != ".ipynb":
                raise ValueError(f"{str(notebook)!r} is not a notebook (.ipynb)")
            if not path.is_file():
                raise ValueError(f"notebook {str(notebook)!r} does not exist")
            sources.append(path)
        if book_dir is not None:  # the root page and the other pages for learners come along
            names = toc_files(book_dir)
            pages = [_document(book_dir, name) for name in names]
            root = pages[0]
            if root is not None and root not in sources and root.suffix == ".md":
                sources.insert(0, root)
            sources += [page for page in pages[1:] if page is not None and page.suffix == ".md"
                        and page not in sources and NOT_FOR_STUDENTS not in page.read_text()]
    targets = {source: out_dir / _relative(source, book_dir) for source in sources}
    clashes = [str(source) for source, target in targets.items() if target == source]
    if clashes:
        raise ValueError(f"out={str(out)!r} would overwrite the sources {clashes}; choose another output folder")
    for name in ("_config.yml", "_toc.yml"):
        existing = out_dir / name
        if existing.is_symlink() or (existing.exists() and not _written_here(existing)):
            raise ValueError(
                f"out={str(out)!r} holds a {name} that this command did not write (a book's own?); "
                "it would be replaced: choose another output folder"
            )

    written = []
    for source, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".ipynb":
            nb = nbformat.read(source, as_version=4)
            nbformat.write(student_notebook(nb, where=str(source)), target)
            written.append(target)
        else:
            text, still_open = strip_solution_text(source.read_text(), where=str(source))
            if still_open:
                raise ValueError(f"{source}: a {{solution-start}} is never closed by a {{solution-end}}")
            target.write_text(text + "\n")
    config = _student_config(book_dir, out_dir, execute, launch_branch)
    (out_dir / "_config.yml").write_text(STUDENT_HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    toc = _student_toc(book_dir, [targets[s].relative_to(out_dir).with_suffix("").as_posix() for s in sources])
    (out_dir / "_toc.yml").write_text(STUDENT_HEADER + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return written


def _written_here(path: Path) -> bool:
    """Whether ``path`` is a file that this command wrote (it starts with ``STUDENT_HEADER``)."""
    try:
        with open(path, encoding="utf-8") as stream:
            return path.is_file() and stream.read(len(STUDENT_HEADER)) == STUDENT_HEADER
    except (OSError, UnicodeDecodeError):
        return False


def _relative(path: Path, book: Path | None) -> Path:
    if book is not None and path.is_relative_to(book):
        return path.relative_to(book)
    return Path(path.name)


def _student_config(book: Path | None, out: Path, execute: bool = True, launch_branch: str = LAUNCH_BRANCH) -> dict:
    """The book's ``_config.yml`` made for the student edition (see the module docstring)."""
    config = yaml.safe_load((book / "_config.yml").read_text()) if book and (book / "_config.yml").is_file() else {}
    config = config or {}
    config["title"] = f"{config.get('title', 'Exercises')} (student edition)"
    config["only_build_toc_files"] = True
    config["exclude_patterns"] = ["_build", "**/.ipynb_checkpoints"]
    config["execute"] = {**(config.get("execute") or {}), "execute_notebooks": "cache" if execute else "off"}
    if config.get("repository", {}).get("url") and config.get("launch_buttons"):
        # launch buttons open the student notebooks: the branch the publish workflow writes them to
        config["repository"] = {"url": config["repository"]["url"], "branch": launch_branch}
    else:
        config.pop("repository", None)
        config.pop("launch_buttons", None)
    config["html"] = {**(config.get("html") or {}), "use_repository_button": False, "use_issues_button": False}
    bibfiles = []
    for name in config.get("bibtex_bibfiles") or []:
        if book and (book / name).is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(book / name, out / name)
            bibfiles.append(name)
    if bibfiles:
        config["bibtex_bibfiles"] = bibfiles
    else:
        config.pop("bibtex_bibfiles", None)
    sphinx = config.setdefault("sphinx", {}) or {}
    config["sphinx"] = sphinx
    extensions = sphinx.setdefault("extra_extensions", []) or []
    if "sphinx_exercise" not in extensions:
        extensions.append("sphinx_exercise")
    sphinx["extra_extensions"] = extensions
    sphinx["config"] = {**(sphinx.get("config") or {}), "hide_solutions": True}
    # MathJax's copy, the phone style sheet, and _static/ (Jupyter Book loads the style sheets there)
    for name in [*(sphinx["config"].get("html_extra_path") or []), *(sphinx["config"].get("html_static_path") or []), "_static"]:
        if book and (book / name).is_dir():
            shutil.copytree(book / name, out / name, dirs_exist_ok=True)
    return config


def _student_toc(book: Path | None, documents: list[str]) -> dict:
    """The book's ``_toc.yml`` restricted to ``documents``; documents it does not list go last."""
    if book is None:
        return {"format": "jb-book", "root": documents[0], "chapters": [{"file": d} for d in documents[1:]]}
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    root = toc.get("root") if toc.get("root") in documents else documents[0]
    wanted = set(documents) - {root}
    listed = set(toc_files(book))

    def keep(node: object) -> object:
        if isinstance(node, list):
            kept = [keep(item) for item in node]
            return [item for item in kept if item is not None]
        if isinstance(node, dict):
            if "file" in node and node["file"] not in wanted:
                return None
            kept = {key: keep(value) if key in ("parts", "chapters", "sections") else value for key, value in node.items()}
            if "file" not in kept and any(kept.get(key) == [] for key in ("chapters", "sections")):
                return None
            return {key: value for key, value in kept.items() if value != []}
        return node

    filtered = {**keep(toc), "root": root}
    extra = [{"file": d} for d in documents if d not in listed and d != root]
    if extra:
        if "parts" in filtered:
            filtered["parts"].append({"caption": "More notebooks", "chapters": extra})
        else:
            filtered.setdefault("chapters", []).extend(extra)
    return filtered
