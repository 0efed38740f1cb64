# Two commands do all the set-up from a fresh clone (Python 3.11 and pip):
#   make book   -> builds the HTML book into _build/html (executes every notebook)
#   make test   -> runs the unit tests and executes every notebook in _toc.yml
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test install clean data bench student

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# procgen (the real CoinRun): its packages ask for NumPy < 2 but work with 2, hence --no-deps
	$(BIN)/python -m pip install --quiet --no-deps procgen-mirror==0.10.7 gym3==0.3.3 gym==0.26.2
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

book: $(STAMP)
	$(BIN)/jupyter-book build .
	@echo "Book built: _build/html/index.html"

data: $(STAMP)
	$(BIN)/python -m goalmisgen regenerate all

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Student edition: notebooks with stubs in student/, and their web build in student/_build/html
student: $(STAMP)
	$(BIN)/python -m goalmisgen.exercises student --out student
	$(BIN)/jupyter-book build student

clean:
	rm -rf _build .jupyter_cache student
