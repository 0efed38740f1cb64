"""The built book as a reader meets it: every page of ``_build/html`` opened in headless Chromium.

The pages are served from localhost and every request to any other host is refused, as in a
classroom without internet access. On each page: no Python traceback or Sphinx error left in the
text, every image and animation frame loaded, the math typeset by the MathJax copy in the build
(no raw ``\\(`` left), each chapter's Colab link pointing at that chapter's notebook, and every
in-book link (bibliography entries, glossary terms) landing on an element that exists. The search
page must find "coin". A full-page screenshot of each page and a table of page weights are
written to ``test-artifacts/browser/`` (``$GOALMISGEN_ARTIFACTS`` overrides the folder).

At a phone's width (390 px) every page is opened again: the table-of-contents and "on this page"
drawers must open when their buttons are tapped, no page may be wider than the screen, and every
figure keeps a readable size (its own width, up to 640 px, scrolling sideways inside its box).
Phone screenshots go to ``test-artifacts/browser/phone/``.

Needs a build (``make book``; ``make test`` builds first) and Debian's ``chromium``; drives it with
Playwright's ``executable_path``, so nothing is downloaded.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import socketserver
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ARTIFACTS = Path(os.environ.get("GOALMISGEN_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGE_LIMIT_BYTES = 2_000_000
# Known errors of third-party scripts, each with the page text that must be present for it to be
# excused: Jupyter Book 1 puts sphinx-thebe's settings script on each page twice (harmless: thebe is
# not used); jupyterquiz reads MathJax.version before the deferred MathJax has loaded (online too).
KNOWN_SCRIPT_ERRORS = {
    "Identifier 'THEBE_JS_URL' has already been declared": "THEBE_JS_URL",
    "Cannot read properties of undefined (reading '0')": "MathJax version",
}
BUILD_LIMIT_BYTES = 30_000_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# a figure on a phone is shown at least at its own width up to this many CSS pixels (book/_static/phone.css)
PHONE_FIGURE_PX = 640
# the drawers of the narrow layout: the button that opens each, and the sidebar it must show
DRAWERS = {
    "table of contents": (".primary-toggle", "#pst-primary-sidebar, .bd-sidebar-primary"),
    "on this page": (".secondary-toggle", "#pst-secondary-sidebar, .bd-sidebar-secondary"),
}


def _toc_files(node):
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                yield node[key]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


TOC = list(dict.fromkeys(_toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))))
CHAPTERS = [f for f in TOC if (ROOT / f"{f}.ipynb").exists()]
PAGES = TOC + ["genindex"]

pytestmark = [
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason="no book build; run `make book` first"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (`make chromium` installs it)"),
    pytest.mark.timeout(1200),
]

# Runs in the page once MathJax has finished: everything the checks below need.
INSPECT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? null
    : new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  const visible = document.querySelector('main') || document.body;
  const text = visible.innerText;
  const images = [...document.querySelectorAll('img')].map(img => ({
    src: img.currentSrc.startsWith('data:') ? 'data:' + img.currentSrc.slice(5, 30) : img.currentSrc,
    alt: img.getAttribute('alt'), complete: img.complete, width: img.naturalWidth,
    in_main: !!img.closest('main')}));
  const links = [...document.querySelectorAll('main a[href]')].map(a => a.href);
  const resources = performance.getEntriesByType('resource').map(r => ({name: r.name, bytes: r.decodedBodySize}));
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    text, images, links, resources, html_bytes: nav ? nav.decodedBodySize : 0,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    bib_ids: [...document.querySelectorAll('.citation[id], [role="doc-biblioentry"][id]')].map(e => e.id),
    math_sources: document.querySelectorAll('main .math, main span.math, main div.math').length,
    math_rendered: document.querySelectorAll('mjx-container').length,
    mathjax_src: [...document.querySelectorAll('script[src*="mathjax"], script[src*="tex-mml"]')].map(s => s.src),
    errors: [...document.querySelectorAll('.output.traceback, .system-message, .problematic, .output.error')].map(e => e.innerText.slice(0, 300)),
    colab: [...document.querySelectorAll('a[href*="colab.research.google.com"]')].map(a => a.href),
  };
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def visits(server, browser):
    """Open every page offline; return {page: what INSPECT found, plus refused outside requests}."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    refused: list[str] = []
    context.route("**/*", _offline(refused))
    found = {}
    for name in PAGES:
        page = context.new_page()
        refused.clear()
        missing, script_errors = [], []
        page.on("response", lambda r, missing=missing: r.status >= 400 and missing.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda err, script_errors=script_errors: script_errors.append(str(err)[:300]))
        page.goto(urljoin(server, f"{name}.html"), wait_until="load", timeout=120_000)
        result = page.evaluate(INSPECT)
        result["refused"] = [u for u in refused if not u.startswith("https://colab.research.google.com")]
        result["missing"], result["script_errors"] = missing, script_errors
        page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name.replace('/', '_')}.png"), full_page=True)
        found[name] = result
        page.close()
    context.close()
    _write_weights(found)
    return found


def _offline(refused: list[str]):
    """A route handler that lets the local server through and refuses every other host."""

    def offline(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    return offline


# Runs in a page at the phone's width: the page's own width and every figure's shown and natural width.
PHONE_INSPECT = """() => ({
  page_width: document.documentElement.scrollWidth,
  figures: [...document.querySelectorAll('main article img')].filter(img => img.naturalWidth >= 200).map(img => ({
    src: img.currentSrc.startsWith('data:') ? 'data:' + img.currentSrc.slice(5, 30) : img.currentSrc,
    natural: img.naturalWidth, shown: img.getBoundingClientRect().width})),
})"""

# True once an element matching the selector is on screen and is what a tap at its middle would hit.
DRAWER_OPEN = """(selector) => [...document.querySelectorAll(selector)].some(el => {
  const r = el.getBoundingClientRect();
  if (r.width < 100 || r.height < 50 || r.right <= 0 || r.left >= innerWidth || r.bottom <= 0 || r.top >= innerHeight) return false;
  const x = Math.min(Math.max((Math.max(r.left, 0) + Math.min(r.right, innerWidth)) / 2, 1), innerWidth - 1);
  const y = Math.min(Math.max(r.top + 40, 1), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  return !!hit && el.contains(hit);
})"""


@pytest.fixture(scope="module")
def phone(server, browser):
    """A browser context at a phone's width (390 px), offline like the desktop one."""
    (ARTIFACTS / "phone").mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  service_workers="block")
    context.route("**/*", _offline([]))
    yield context
    context.close()


@pytest.fixture(scope="module")
def phone_visits(server, phone):
    """Every page at 390 px: {page: PHONE_INSPECT's result}; a screenshot of each's first screen."""
    found = {}
    for name in PAGES:
        page = phone.new_page()
        page.goto(urljoin(server, f"{name}.html"), wait_until="load", timeout=120_000)
        page.evaluate("Promise.all([...document.images].map(i => i.complete ? null : new Promise(d => { i.onload = d; i.onerror = d; })))")
        found[name] = page.evaluate(PHONE_INSPECT)
        page.screenshot(path=str(ARTIFACTS / "phone" / f"{name.replace('/', '_')}.png"))
        page.close()
    return found


def _own_bytes(result) -> int:
    """The page's HTML and the files only it loads (its images); the shared theme and MathJax files excluded."""
    own = [r["bytes"] for r in result["resources"] if "/_static/" not in r["name"] and "/mathjax/" not in r["name"]]
    return int(result["html_bytes"] + sum(own))


def _write_weights(found) -> None:
    rows = []
    for name, result in found.items():
        total = result["html_bytes"] + sum(r["bytes"] for r in result["resources"])
        rows.append({"page": name, "html_bytes": result["html_bytes"], "page_bytes": _own_bytes(result),
                     "with_shared_assets_bytes": int(total)})
    build = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    (ARTIFACTS / "page_weight.json").write_text(json.dumps({"pages": rows, "build_bytes": build}, indent=1))


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_error_output(visits, name):
    result = visits[name]
    assert "Traceback (most recent call last)" not in result["text"], f"{name}: a Python traceback is shown"
    assert not result["errors"], f"{name}: error output or unresolved markup: {result['errors']}"


@pytest.mark.parametrize("name", PAGES)
def test_page_works_offline(visits, name):
    assert not visits[name]["refused"], f"{name} asks for files from other hosts: {visits[name]['refused'][:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_every_file_loads_without_script_errors(visits, name):
    assert not visits[name]["missing"], f"{name}: files that failed to load: {visits[name]['missing'][:5]}"
    source = (HTML / f"{name}.html").read_text()
    errors = [e for e in visits[name]["script_errors"] if not (e in KNOWN_SCRIPT_ERRORS and KNOWN_SCRIPT_ERRORS[e] in source)]
    assert not errors, f"{name}: JavaScript errors: {errors[:3]}"


@pytest.mark.parametrize("name", PAGES)
def test_images_and_animations_load(visits, name):
    broken = [img["src"] for img in visits[name]["images"] if not img["complete"] or img["width"] == 0]
    assert not broken, f"{name}: images that did not load: {broken[:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_math_is_rendered(visits, server, name):
    result = visits[name]
    if result["math_sources"]:
        assert result["mathjax_src"], f"{name}: math but no MathJax script"
    assert all(src.startswith(server) for src in result["mathjax_src"]), f"{name}: MathJax not from the build: {result['mathjax_src']}"
    for raw in ("\\(", "\\)", "\\[", "\\begin{"):
        assert raw not in result["text"], f"{name}: raw LaTeX {raw!r} left in the visible text (MathJax did not run)"
    if result["math_sources"]:
        assert result["math_rendered"] > 0, f"{name}: {result['math_sources']} math elements, none typeset"


@pytest.mark.parametrize("name", CHAPTERS)
def test_colab_link_opens_this_chapter(visits, name):
    links = visits[name]["colab"]
    assert links, f"{name}: no launch-in-Colab link"
    assert all(urlparse(link).path.endswith(f"/blob/main/{name}.ipynb") for link in links), f"{name}: Colab link {links}"


@pytest.mark.parametrize("name", PAGES)
def test_in_book_links_resolve(visits, server, name):
    """Every link to an anchor in the book (citations, bibliography, glossary terms, sections) lands."""
    ids = {urljoin(server, f"{page}.html"): set(result["ids"]) for page, result in visits.items()}
    missing = []
    for link in visits[name]["links"]:
        url, fragment = urldefrag(link)
        if url in ids and fragment and fragment not in ids[url]:
            missing.append(link["href"])
    assert not missing, f"{name}: links to anchors that do not exist: {missing[:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_citations_resolve(visits, server, name):
    """A page that cites links to bibliography entries, and no citation key is left as plain text."""
    sources = [ROOT / f"{name}{ext}" for ext in (".ipynb", ".md")]
    cites = any(p.exists() and "{cite" in p.read_text() for p in sources)
    bib = {(urljoin(server, f"{page}.html"), i) for page, result in visits.items() for i in result["bib_ids"]}
    links = [urldefrag(link) for link in visits[name]["links"]]
    if cites:
        assert any((url, fragment) in bib for url, fragment in links), f"{name} cites but links to no bibliography entry"
    keys = re.findall(r"@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text())
    left = [k for k in keys if k in visits[name]["text"]]
    assert not left, f"{name}: citation keys left as text (not in book/references.bib or no bibliography): {left}"


DRAWER_PAGES = list(dict.fromkeys([TOC[0], *CHAPTERS[1:2]]))


@pytest.mark.parametrize("drawer", DRAWERS)
@pytest.mark.parametrize("name", DRAWER_PAGES)
def test_phone_drawer_opens(server, phone, name, drawer):
    """At 390 px the sidebars are drawers: tapping their button must show them."""
    button, sidebar = DRAWERS[drawer]
    page = phone.new_page()
    try:
        page.goto(urljoin(server, f"{name}.html"), wait_until="load", timeout=120_000)
        toggles = page.locator(f"{button}:visible")
        assert toggles.count(), f"{name} at 390 px: no visible button for the {drawer} drawer ({button})"
        assert not page.evaluate(DRAWER_OPEN, sidebar), f"{name} at 390 px: the {drawer} drawer is open before the tap"
        toggles.first.click()
        try:
            page.wait_for_function(DRAWER_OPEN, arg=sidebar, timeout=5_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "phone" / f"{name.replace('/', '_')}_{drawer.replace(' ', '_')}_failed.png"))
            pytest.fail(f"{name} at 390 px: tapping {button} did not open the {drawer} drawer")
        page.screenshot(path=str(ARTIFACTS / "phone" / f"{name.replace('/', '_')}_{drawer.replace(' ', '_')}_open.png"))
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_phone_page_fits_the_screen(phone_visits, name):
    width = phone_visits[name]["page_width"]
    assert width <= PHONE["width"] + 1, f"{name} at 390 px is {width} px wide: something overflows the screen"


@pytest.mark.parametrize("name", PAGES)
def test_phone_figures_keep_a_readable_size(phone_visits, name):
    """A figure is shown at its own width up to 640 px (wider ones scroll in their box), not shrunk to the screen."""
    small = [f"{f['src']} ({f['shown']:.0f} of {f['natural']} px)" for f in phone_visits[name]["figures"]
             if f["shown"] < 0.95 * min(f["natural"], PHONE_FIGURE_PX)]
    assert not small, f"{name} at 390 px: figures shrunk below a readable size: {small[:3]}"


def test_search_finds_coin(server, browser):
    page = browser.new_page()
    page.goto(urljoin(server, "search.html?q=coin"), wait_until="load", timeout=120_000)
    page.wait_for_selector("#search-results ul.search li", timeout=120_000)
    hits = page.locator("#search-results ul.search li").count()
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "search_coin.png"), full_page=True)
    page.close()
    assert hits > 0


@pytest.mark.parametrize("name", PAGES)
def test_page_weight(visits, name):
    size = _own_bytes(visits[name])
    assert size < PAGE_LIMIT_BYTES, f"{name} weighs {size / 1e6:.2f} MB (HTML and its images); keep pages under 2 MB"


def test_build_weight(visits):
    size = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    assert size < BUILD_LIMIT_BYTES, f"_build/html is {size / 1e6:.1f} MB; keep it under 30 MB"


def test_figures_have_alt_text(visits):
    """Every image in a page's text has alt text of its own (not empty, not just its file name)."""
    lacking = {}
    for name, result in visits.items():
        bad = [img["src"] for img in result["images"] if img["in_main"]
               and (not (img["alt"] or "").strip() or Path(img["alt"]).name == Path(urlparse(img["src"]).path).name)]
        if bad:
            lacking[name] = len(bad)
    (ARTIFACTS / "alt_text_missing.json").write_text(json.dumps(lacking, indent=1))
    assert not lacking, (f"images without alt text, per page: {lacking}. A chapter's figure cell takes its alt text "
                         "from the cell metadata `mystnb: image: alt:`; an animation from animate(..., alt=...)")


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_spoiler_frozen_bar_or_widget_repr_is_shown(visits, name):
    """What a learner sees before opening anything: no coded solution or checker verdict under a task,
    no quiz answer in the page's code, no progress bar frozen short of 100%, no widget's repr."""
    text = visits[name]["text"]
    assert "### BEGIN SOLUTION" not in text, f"{name}: a coded solution is shown unfolded"
    assert "all checks passed" not in text, f"{name}: a checker's verdict on the hidden solution is shown"
    assert "correct=True" not in text, f"{name}: a quiz's answer is shown in the page's code"
    frozen = [m.group(0) for m in re.finditer(r"\b(\d{1,2})%\|", text)]
    assert not frozen, f"{name}: progress bars frozen short of 100%: {frozen[:3]}"
    for raw in ("interactive(children=", "FloatSlider(", "HBox(children=", "VBox(children="):
        assert raw not in text, f"{name}: a widget shown as its repr {raw!r}"
