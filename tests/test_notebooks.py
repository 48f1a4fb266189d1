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


def test_markdown_is_rendered_for_jupyter():
    text = ("After {glue:text}`epochs` epochs the accuracy is {glue:text}`acc:.2%` ({numref}`fig-curves`, "
            "{eq}`eq-ce`), as {cite:t}`kingma2014` show {cite:p}`kingma2014,rezende2014`. See {doc}`intro`.\n\n"
            "```{glue:figure} fig_curves\n:alt: Two curves.\n:name: fig-curves\n\nLoss and accuracy.\n```\n"
            "```{glue:figure} fig_missing\n:name: fig-missing\n\nNot built.\n```\n")
    labels = {"fig-curves": "Fig. 1.3", "eq-ce": "(1.2)", "kingma2014": "Kingma and Welling, 2014",
              "rezende2014": "Rezende et al., 2014", "intro": "Deep learning"}
    out, attachments = notebooks.render_markdown(text, {"epochs": 8, "acc": 0.97591}, labels,
                                                 {"fig_curves": (b"\x89PNG", "Fig. 1.3")})
    assert "After 8 epochs the accuracy is 97.59% (Fig. 1.3, (1.2))" in out
    assert "as Kingma and Welling, 2014 show (Kingma and Welling, 2014; Rezende et al., 2014). See Deep learning." in out
    assert "![Two curves.](attachment:fig_curves.png)\n\n**Fig. 1.3.** Loss and accuracy." in out
    assert "*Not built.* (the figure is on the book's page)" in out
    assert list(attachments) == ["fig_curves.png"] and "{" not in out.replace("{glue", "")


def test_citation_labels_from_the_bibliography():
    labels = notebooks.citation_labels([os.path.join(ROOT, "book", "references.bib")])
    assert labels["kingma2014"] == "Kingma and Welling, 2014"
    assert labels["rosenblatt1958"] == "Rosenblatt, 1958"
    assert labels["hochreiter1997"] == "Hochreiter and Schmidhuber, 1997"
    assert labels["srivastava2014"] == "Srivastava et al., 2014"


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


@pytest.mark.slow
def test_built_site_carries_a_rendered_notebook(tmp_path):
    """A throwaway book with the real configuration: its downloadable .ipynb has the setup cell,
    the glued number filled in, the glued figure attached with its number, and a Colab link."""
    import json
    import subprocess
    import yaml
    real = yaml.safe_load(open(os.path.join(ROOT, "_config.yml")))
    config = {k: real[k] for k in ("title", "execute", "parse", "html", "repository", "launch_buttons", "sphinx")}
    config["only_build_toc_files"] = True
    sphinx_config = {k: v for k, v in real["sphinx"]["config"].items() if not k.startswith("bibtex")}
    config["sphinx"] = {"extra_extensions": ["dl_course.notebooks"], "config": sphinx_config}
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: ch01_tiny\n")
    (book / "intro.md").write_text("# Intro\n\nA tiny book.\n")
    (book / "ch01_tiny.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  display_name: Python 3\n"
        "  language: python\n  name: python3\n---\n\n# Tiny\n\n"
        "```{code-cell} ipython3\nimport matplotlib.pyplot as plt\n"
        "from dl_course import book\nrecord = book.Record('ch01')\nrecord.glue('answer', 0.4242)\n"
        "fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0])\nrecord.glue('fig_line', fig)\n```\n\n"
        "The answer is {glue:text}`answer:.1%`, drawn in {numref}`fig-line`.\n\n"
        "```{glue:figure} fig_line\n:alt: A falling line.\n:name: fig-line\n\nA line.\n```\n")
    env = dict(os.environ, DL_COURSE_BUILD_DIR=str(book / "_build"))
    out = subprocess.run([sys.executable, "-m", "dl_course.build", "--root", str(book), "--profile", "quick"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    nb = json.loads((book / "_build" / "html" / "_sources" / "ch01_tiny.ipynb").read_text())
    assert notebooks.SETUP_TAG in nb["cells"][0]["metadata"]["tags"]
    text = "".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "The answer is 42.4%, drawn in Fig. 1." in text
    assert "![A falling line.](attachment:fig_line.png)" in text and "**Fig. 1.** A line." in text
    attached = [a for c in nb["cells"] for a in c.get("attachments", {})]
    assert attached == ["fig_line.png"]
    html = (book / "_build" / "html" / "ch01_tiny.html").read_text()
    assert "colab.research.google.com/github/dl-course/dl_course/blob/gh-pages/_sources/ch01_tiny.ipynb" in html
