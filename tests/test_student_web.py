"""The student edition's web build as a learner opens it: every page of ``student/_build/html``
(``make student`` builds it; ``$GOALMISGEN_STUDENT_HTML`` names another) served from localhost and
opened in headless Chromium, with every request to another host refused.

On each page: no glued number left blank (myst-nb's ``pasted-text`` spans all filled, and as many
as the book's page has where the book is built too), no error output, the math typeset by the
build's MathJax copy, every glossary and in-edition link landing on an element that exists, a
launch (Colab) button on each notebook page that opens the student notebook on the branch of
``student/_config.yml`` and none on other pages, no solution text, and a cell under each quiz for
the learner's answers. Screenshots go to ``test-artifacts/student/``.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml
from test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, INSPECT, _offline, _QuietHandler

ROOT = Path(__file__).resolve().parents[1]
STUDENT = Path(os.environ.get("GOALMISGEN_STUDENT_HTML", ROOT / "student" / "_build" / "html"))
SOURCE = STUDENT.parents[1]  # the student edition's folder: its _toc.yml and _config.yml
BOOK_HTML = ROOT / "_build" / "html"
ARTIFACTS = Path(os.environ.get("GOALMISGEN_ARTIFACTS", ROOT / "test-artifacts")) / "student"

pytestmark = [
    pytest.mark.skipif(not (STUDENT / "index.html").exists(), reason="no student edition build; run `make student` first"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (`make chromium` installs it)"),
    pytest.mark.timeout(1200),
]


def _pages() -> list[str]:
    if not (SOURCE / "_toc.yml").is_file():
        return []
    from goalmisgen.teaching.student import toc_files

    return toc_files(SOURCE)


PAGES = _pages()
NOTEBOOKS = [p for p in PAGES if (SOURCE / f"{p}.ipynb").is_file()]


@pytest.fixture(scope="module")
def server():
    import socketserver

    handler = functools.partial(_QuietHandler, directory=str(STUDENT))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def visits(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, service_workers="block")
        refused: list[str] = []
        context.route("**/*", _offline(refused))
        for name in PAGES:
            page = context.new_page()
            page.goto(urljoin(server, f"{name}.html"), wait_until="load", timeout=120_000)
            result = page.evaluate(INSPECT)
            result["pasted"] = page.evaluate("() => [...document.querySelectorAll('main span.pasted-text')].map(s => s.innerText)")
            page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '_')}.png"), full_page=True)
            found[name] = result
            page.close()
        browser.close()
    return found


def test_the_edition_has_pages():
    assert NOTEBOOKS and "book/glossary" in PAGES


@pytest.mark.parametrize("name", PAGES)
def test_no_glued_number_is_blank(visits, name):
    pasted = visits[name]["pasted"]
    assert all(text.strip() for text in pasted), f"{name}: {sum(not t.strip() for t in pasted)} glued values are blank"
    book_page = BOOK_HTML / f"{name}.html"
    if book_page.exists():
        expected = book_page.read_text().count('class="pasted-text"')
        assert len(pasted) >= expected, f"{name}: {len(pasted)} glued values shown, the book's page has {expected}"
    if name in NOTEBOOKS and name.split("/")[-1][:2].isdigit():
        assert re.search(r"Time: about \d+ (min|h)", visits[name]["text"]), f"{name}: the time line has no numbers"


@pytest.mark.parametrize("name", PAGES)
def test_no_error_output_and_math_typeset(visits, server, name):
    result = visits[name]
    assert not result["errors"], f"{name}: {result['errors'][:2]}"
    for raw in ("\\(", "\\)", "\\[", "\\begin{"):
        assert raw not in result["text"], f"{name}: raw LaTeX {raw!r} left in the visible text (MathJax did not run)"
    if result["math_sources"]:
        assert result["math_rendered"] > 0 and all(src.startswith(server) for src in result["mathjax_src"])


@pytest.mark.parametrize("name", PAGES)
def test_glossary_and_other_links_land(visits, server, name):
    ids = {urljoin(server, f"{page}.html"): set(result["ids"]) for page, result in visits.items()}
    dead = []
    for link in visits[name]["links"]:
        url, fragment = urldefrag(link)
        if url.startswith(server) and url.endswith(".html") and "_static" not in url:
            if url not in ids and not (STUDENT / urlparse(url).path.lstrip("/")).exists():
                dead.append(link)
            elif url in ids and fragment and fragment not in ids[url]:
                dead.append(link)
    assert not dead, f"{name}: links that land nowhere: {dead[:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_launch_buttons_open_the_student_notebooks(visits, name):
    branch = yaml.safe_load((SOURCE / "_config.yml").read_text())["repository"]["branch"]
    links = visits[name]["colab"]
    if name in NOTEBOOKS:
        assert links, f"{name}: no launch-in-Colab button"
        assert all(urlparse(link).path.endswith(f"/blob/{branch}/{name}.ipynb") for link in links), f"{name}: {links}"
    else:
        assert not links, f"{name} is not a notebook but has a Colab button: {links}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_solution_and_a_cell_for_each_quiz(visits, name):
    text = visits[name]["text"]
    for shown in ("### BEGIN SOLUTION", "Show a solution", "all checks passed", "correct=True"):
        assert shown not in text, f"{name}: {shown!r} in the student edition"
    source = (SOURCE / f"{name}.ipynb").read_text()
    assert text.count("answers(\"") == source.count("answers(\\\"")
