"""Downloadable chapter notebooks, and Colab links that open them (a Sphinx extension).

The site offers each chapter as the ``.ipynb`` that the build executed (outputs included): the
book theme copies it from ``_build/jupyter_execute`` to ``_build/html/_sources``. This extension
makes that notebook self-sufficient, so that it runs top to bottom outside the repository, in
Colab or in any Jupyter, by putting one setup cell first: it installs ``dl_course`` from the
repository when the package is missing, and does nothing where it is installed.

The theme's Colab button opens a path of the repository, which holds the chapters as MyST
Markdown that Colab cannot read; the extension points it at the notebook on the published site's
branch instead (``dl_course_site_branch``, default ``gh-pages``: the branch to which
``_build/html`` is published, e.g. with ``ghp-import``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SETUP_TAG = "dl-course-setup"


def setup_cell(repository_url: str) -> dict:
    """The first cell of a downloaded chapter: install the package if it is missing."""
    source = (
        "# Setup (Colab, or any environment without dl_course): install the package the chapter imports.\n"
        "# Where dl_course is already installed (e.g. `pip install -e .` in a clone), this does nothing.\n"
        "import importlib.util, subprocess, sys\n"
        "if importlib.util.find_spec(\"dl_course\") is None:\n"
        f"    subprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", \"dl_course @ git+{repository_url}\"])\n"
    )
    return {"cell_type": "code", "execution_count": None, "id": SETUP_TAG,
            "metadata": {"tags": [SETUP_TAG]}, "outputs": [], "source": source}


def make_downloadable(nb: dict, repository_url: str) -> dict:
    """``nb`` (nbformat 4 JSON) with the setup cell first; applying it twice adds one cell only."""
    cells = [c for c in nb["cells"] if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
    return {**nb, "cells": [setup_cell(repository_url), *cells]}


def colab_url(repository_url: str, branch: str, pagename: str) -> str | None:
    """Colab's address for the site's copy of ``pagename``'s notebook (GitHub repositories only)."""
    parts = repository_url.rstrip("/").removesuffix(".git").split("/")
    if len(parts) < 5 or parts[2] != "github.com":
        return None
    org, repo = parts[3], parts[4]
    return f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/_sources/{pagename}.ipynb"


def _rewrite(path: Path, repository_url: str) -> None:
    nb = make_downloadable(json.loads(path.read_text(encoding="utf-8")), repository_url)
    tmp = path.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _on_page_context(app, pagename, templatename, context, doctree):
    ipynb = context.get("ipynb_source")
    repository_url = app.config.html_theme_options.get("repository_url", "")
    if not ipynb or not repository_url:
        return
    path = Path(app.outdir) / "_sources" / ipynb
    if path.is_file():
        _rewrite(path, repository_url)
    url = colab_url(repository_url, app.config.dl_course_site_branch, pagename)
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            for button in group.get("buttons", []):
                if button.get("text") == "Colab" and url:
                    button["url"] = url


def setup(app):
    app.add_config_value("dl_course_site_branch", "gh-pages", "html")
    # after sphinx-book-theme's add_launch_buttons (priority 501), which copies the notebook
    app.connect("html-page-context", _on_page_context, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
