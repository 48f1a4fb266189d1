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

.PHONY: book test clean clean-cache help

help:
	@echo "make book   build the book into _build/html/ (creates $(VENV) on first use)"
	@echo "make test   run the tests (creates $(VENV) on first use)"
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

book: $(VENV)/.book-installed
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@test -f _build/html/index.html
	@echo
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@echo "Numbers quoted by each chapter: $(CURDIR)/_build/numbers/"

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

clean:
	rm -rf _build
