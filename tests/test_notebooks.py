"""The site's downloadable notebooks: a setup cell first, Colab links, and a chapter that runs outside the book."""

import os
import sys

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from dl_course import notebooks

REPO = "https://github.com/dl-course/dl_course"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_setup_cell_comes_first_once():
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []}], "metadata": {}}
    once = notebooks.make_downloadable(nb, REPO)
    twice = notebooks.make_downloadable(once, REPO)
    assert [c["source"] for c in twice["cells"]] == [c["source"] for c in once["cells"]]
    assert len(once["cells"]) == 2 and "pip" in once["cells"][0]["source"] and REPO in once["cells"][0]["source"]
    assert once["cells"][1]["source"] == "x = 1"


def test_colab_url():
    assert notebooks.colab_url(REPO + ".git", "gh-pages", "book/ch01") == (
        "https://colab.research.google.com/github/dl-course/dl_course/blob/gh-pages/_sources/book/ch01.ipynb")
    assert notebooks.colab_url("https://gitlab.com/a/b", "main", "book/ch01") is None


@pytest.mark.slow
def test_chapter_1_runs_top_to_bottom_as_a_downloaded_notebook(tmp_path, real_data, monkeypatch):
    """What a reader downloads: the chapter with the setup cell, run in an empty folder outside the book."""
    nb = jupytext.read(os.path.join(ROOT, "book", "ch01_perceptron_to_mlp.md"))
    nb = nbformat.from_dict(notebooks.make_downloadable(nb, REPO))
    monkeypatch.delenv("DL_COURSE_BUILD_DIR", raising=False)
    monkeypatch.setenv("DL_COURSE_PROFILE", "quick")
    monkeypatch.setenv("DL_COURSE_DATA", str(real_data))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()               # raises CellExecutionError, naming the cell, if any cell fails
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "test accuracy 0.9" in outputs
    assert not (tmp_path / "_build").exists()      # outside a book build nothing is written
