# Two commands do all the set-up from a fresh clone (Python 3.11 and pip):
#   make book   -> builds the HTML book into _build/html (executes every notebook)
#   make test   -> builds the book, runs the unit tests, executes every notebook in _toc.yml and
#                  opens every page of the build in headless Chromium (tests/test_browser.py)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test install clean data bench student chromium
# MathJax, served from the build so that math renders offline (npm's `mathjax` package)
MATHJAX_VERSION := 3.2.2
# (in _extra/, copied to the build's root: Jupyter Book would add every .js file in _static/ to every page)
MATHJAX := _extra/mathjax/tex-mml-chtml.js

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# procgen (the real CoinRun): its packages ask for NumPy < 2 but work with 2, hence --no-deps
	$(BIN)/python -m pip install --quiet --no-deps procgen-mirror==0.10.7 gym3==0.3.3 gym==0.26.2
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# --durations: the slowest tests, to see where the time goes
PYTEST_ARGS ?= --durations=15
test: $(STAMP) book chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build .
	@echo "Book built: _build/html/index.html"

# only the files MathJax loads for TeX input and HTML output (about 2.5 MB of the package's 24 MB)
$(MATHJAX):
	rm -rf .mathjax-pkg _extra/mathjax && mkdir -p .mathjax-pkg _extra/mathjax
	cd .mathjax-pkg && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && tar xzf mathjax-$(MATHJAX_VERSION).tgz
	cd .mathjax-pkg/package/es5 && cp -r --parents tex-mml-chtml.js ui a11y input/tex/extensions output/chtml/fonts/woff-v2 ../../../_extra/mathjax/
	rm -rf .mathjax-pkg

# the browser test drives Debian's chromium (installed here where missing; needs root and apt)
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

data: $(STAMP)
	$(BIN)/python -m goalmisgen regenerate all

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Student edition: notebooks with stubs in student/, and their web build in student/_build/html
# (with the book's MathJax copy and phone style sheet, which its _config.yml names by path)
student: $(STAMP) $(MATHJAX)
	$(BIN)/python -m goalmisgen.teaching student --out student
	mkdir -p student/book && cp -r _extra student/ && cp -r book/_static student/book/
	$(BIN)/jupyter-book build student

clean:
	rm -rf _build .jupyter_cache student _extra test-artifacts
