# The two commands of the README: `make book` and `make test`. Both set everything up on a fresh
# machine (Python 3 and make are all they need): a virtual environment in .venv with the package
# installed in editable mode.
#
#   make book                         build the website into _build/html (quick or full profile)
#   make test                         run the test suite
#   DL_COURSE_DATA=../shared/data make book    use local copies of the datasets (offline)
#   DL_COURSE_PROFILE=full make book  the publishing run (meant for a GPU)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# Chapters run with book/ as working directory: make a relative data path absolute.
ifneq ($(strip $(DL_COURSE_DATA)),)
export DL_COURSE_DATA := $(abspath $(DL_COURSE_DATA))
endif
export DL_COURSE_BUILD_DIR := $(CURDIR)/_build
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYTHONHASHSEED ?= 0

.PHONY: book test clean help

help:
	@echo "make book   build the book into _build/html/ (creates $(VENV) on first use)"
	@echo "make test   run the tests (creates $(VENV) on first use)"
	@echo "make publish  build the full profile (needs an NVIDIA GPU; FORCE=1 to build without)"
	@echo "make check-site  test the built site in headless Chromium (after make book)"
	@echo "make bench  performance benchmarks into bench/results.json (< 15 min; BOOK=cold adds a cold book build)"
	@echo "make clean  remove _build/ (the execution cache with it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.book-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[book]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $@ $(VENV)/.book-installed

# dl_course.build runs `jupyter-book build . --warningiserror --keep-going`; on failure it names the
# chapter and cell, removes _build/html and keeps the execution cache (see dl_course/build.py).
book: $(VENV)/.book-installed
	$(BIN)/python -m dl_course.build $(if $(FORCE),--force-full)
	@echo
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@echo "Numbers quoted by each chapter: $(CURDIR)/_build/numbers/"

# The publishing run: the full profile, refused without an NVIDIA GPU unless FORCE=1.
.PHONY: publish
publish: $(VENV)/.book-installed
	$(BIN)/python -m dl_course.build --profile full $(if $(FORCE),--force-full)
	@echo
	@echo "The full-profile book is at file://$(CURDIR)/_build/html/index.html"

# The whole suite under the default backend (TensorFlow), then the model tests (marker `keras`) again
# under JAX: the backend is fixed when Keras is first imported, so it takes a second process.
test: $(VENV)/.test-installed
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest
	KERAS_BACKEND=jax $(BIN)/python -m pytest -m keras

clean:
	rm -rf _build

# The benchmarks of the Performance appendix (bench/run.py): ratios measured side by side, written with
# the machine's description to bench/results.json. BOOK=rebuild (default) times a prose-only rebuild in
# a temporary copy, cold times from the last build's execution records; BOOK=cold runs a cold build too
# (about 13 more minutes); BOOK=skip leaves the book out. BOOK_REPO=<clone> uses the last build made there.
.PHONY: bench
BOOK ?= rebuild
bench: $(VENV)/.book-installed
	$(BIN)/python -m bench.run --book $(BOOK) $(if $(BOOK_REPO),--book-repo $(abspath $(BOOK_REPO)))

# The browser test of the built site (site_tests/): headless Chromium (Debian's `chromium`) driven by
# playwright, against $(SITE) (default _build/html; run `make book` first). Screenshots: _build/screenshots/.
.PHONY: check-site
SITE ?= $(CURDIR)/_build/html

$(VENV)/.site-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[site]"
	touch $@

check-site: $(VENV)/.site-installed
	@test -f "$(SITE)/index.html" || { echo "check-site: no built site in $(SITE): run 'make book' first"; exit 1; }
	@if [ -z "$$DL_COURSE_CHROMIUM" ] && [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "check-site: installing Debian's chromium"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "check-site needs Chromium: 'sudo apt-get install -y chromium' (Debian), or set DL_COURSE_CHROMIUM=/path/to/chromium"; \
	    exit 1; \
	  fi; \
	fi
	DL_COURSE_SITE="$(SITE)" $(BIN)/python -m pytest site_tests -p no:cacheprovider
