"""Downloadable chapter notebooks, and Colab links that open them (a Sphinx extension).

The site offers each chapter as the ``.ipynb`` that the build executed (outputs included): the
book theme copies it from ``_build/jupyter_execute`` to ``_build/html/_sources``. This extension
makes that notebook self-sufficient, so that it runs top to bottom outside the repository, in
Colab or in any Jupyter, by putting one setup cell first: it installs ``dl_course`` from the
repository when the package is missing, and does nothing where it is installed.

The site's chapters are MyST Markdown whose prose holds roles that only the book renders (glued
numbers, citations, figure and equation references), and whose figures are glued, not shown by
their cells. So the downloadable notebook is also *rendered*: each ``{glue:text}`` role becomes
the number the build computed, each glued figure becomes an image (a cell attachment) with its
number and caption, and citations and references become plain text ("Kingma and Welling, 2014",
"Fig. 6.2", "(6.1)"). Run again in Jupyter, a cell that glues a figure displays it
(:meth:`dl_course.book.Record.glue` outside a book build).

The theme's Colab button opens a path of the repository, which holds the chapters as MyST
Markdown that Colab cannot read; the extension points it at the notebook on the published site's
branch instead (``dl_course_site_branch``, default ``gh-pages``: the branch to which
``_build/html`` is published, e.g. with ``ghp-import``).
"""

from __future__ import annotations

import base64
import json
import os
import re
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


_ROLE = re.compile(r"\{(glue:text|glue|cite:p|cite:t|cite|numref|eq|doc|ref)\}`([^`]*)`")
_GLUE_FIGURE = re.compile(r"```\{glue:figure\} (\S+)\n(.*?)```", re.S)


def _format(value, spec: str) -> str:
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def render_markdown(text: str, glued: dict, labels: dict, figures: dict) -> tuple[str, dict]:
    """Replace the book-only MyST roles and glued figures of one Markdown cell by plain Markdown.

    ``glued``: name -> value (the chapter's record); ``labels``: role target -> text (citations,
    "Fig. 1.2", "(1.1)", page titles); ``figures``: glue name -> (png bytes, number, caption).
    Returns the new text and the cell's attachments.
    """
    attachments = {}

    def figure(m):
        name, body = m.group(1), m.group(2)
        caption = "\n".join(l for l in body.splitlines() if not l.startswith(":")).strip()
        alt = next((l[5:].strip() for l in body.splitlines() if l.startswith(":alt:")), name)
        png, number = figures.get(name, (None, None))[:2]
        title = f"**{number}.** " if number else ""
        if png is None:
            return f"*{title}{caption}* (the figure is on the book's page)\n"
        attachments[f"{name}.png"] = {"image/png": base64.b64encode(png).decode("ascii")}
        return f"![{alt}](attachment:{name}.png)\n\n{title}{caption}\n"

    def role(m):
        kind, target = m.group(1), m.group(2)
        if kind in ("glue:text", "glue"):
            name, _, spec = target.partition(":")
            return _format(glued[name], spec) if name in glued else f"`{name}`"
        if kind.startswith("cite"):
            texts = [labels.get(k.strip(), k.strip()) for k in target.split(",")]
            return "; ".join(texts) if kind == "cite:t" else "(" + "; ".join(texts) + ")"
        return labels.get(target, target)

    return _ROLE.sub(role, _GLUE_FIGURE.sub(figure, text)), attachments


def make_downloadable(nb: dict, repository_url: str, glued: dict | None = None, labels: dict | None = None,
                      figures: dict | None = None) -> dict:
    """``nb`` (nbformat 4 JSON) with the setup cell first and its Markdown rendered (see render_markdown).

    Applying it twice adds one setup cell only.
    """
    cells = []
    for cell in nb["cells"]:
        if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            text, attachments = render_markdown(source, glued or {}, labels or {}, figures or {})
            cell = {**cell, "source": text}
            if attachments:
                cell["attachments"] = {**cell.get("attachments", {}), **attachments}
        cells.append(cell)
    return {**nb, "cells": [setup_cell(repository_url), *cells]}


def citation_labels(bibfiles) -> dict:
    """bib key -> "Surname, 2014", "Surname and Other, 2014" or "Surname et al., 2014" (pybtex)."""
    from pybtex.database import parse_file
    labels = {}
    for path in bibfiles:
        for key, entry in parse_file(str(path)).entries.items():
            people = entry.persons.get("author", [])
            names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
            who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
                   else f"{names[0]} et al." if names else entry.fields.get("title", key))
            labels[key] = f"{who}, {entry.fields.get('year', 'n.d.')}"
    return labels


def page_labels(env, docname: str) -> tuple[dict, dict]:
    """Figure and equation numbers, and page titles, as the built page shows them.

    Returns (labels: "fig-x" -> "Fig. 1.2", "eq-x" -> "(1.1)", "intro" -> title;
    figure_ids: label -> node id, for finding the figure's image).
    """
    labels, ids = {}, {}
    numbers = env.toc_fignumbers.get(docname, {})
    for label, (doc, node_id, _) in env.domaindata["std"]["labels"].items():
        number = env.toc_fignumbers.get(doc, {}).get("figure", {}).get(node_id)
        if number:
            labels[label] = "Fig. " + ".".join(map(str, number))
            ids[label] = node_id
    for label, (doc, _) in env.domaindata["math"]["objects"].items():
        number = env.toc_fignumbers.get(doc, {}).get("displaymath", {}).get(f"equation-{label}")
        if number:
            labels[label] = "(" + ".".join(map(str, number)) + ")"
    for doc, title in env.titles.items():
        labels[doc.rsplit("/", 1)[-1]] = title.astext()
        labels[doc] = title.astext()
    del numbers
    return labels, ids


def glued_figures(app, doctree, source: str, labels: dict, ids: dict) -> dict:
    """glue name -> (png bytes, "Fig. n.m") for each ``glue:figure`` of the page, from the doctree's images."""
    from docutils import nodes
    by_id = {}
    for fig in doctree.findall(nodes.figure):
        for image in fig.findall(nodes.image):
            for node_id in fig["ids"]:
                by_id[node_id] = image.get("uri", "")
            break
    # When the page is written, an image's uri already points at _images/, which Sphinx fills only
    # at the end of the build: find the source file through the builder's table of images.
    sources = {target: src for src, target in getattr(app.builder, "images", {}).items()}
    figures = {}
    for m in _GLUE_FIGURE.finditer(source):
        name = m.group(1)
        label = next((l.split(":name:")[1].strip() for l in m.group(2).splitlines() if l.startswith(":name:")), None)
        uri = by_id.get(ids.get(label, ""), "")
        found = sources.get(Path(uri).name)
        candidates = [Path(app.srcdir) / found] if found else []
        candidates += [Path(uri), Path(app.srcdir) / uri, Path(app.outdir) / "_images" / Path(uri).name]
        for candidate in candidates:
            if uri and candidate.is_file():
                figures[name] = (candidate.read_bytes(), labels.get(label))
                break
    return figures


def colab_url(repository_url: str, branch: str, pagename: str) -> str | None:
    """Colab's address for the site's copy of ``pagename``'s notebook (GitHub repositories only)."""
    parts = repository_url.rstrip("/").removesuffix(".git").split("/")
    if len(parts) < 5 or parts[2] != "github.com":
        return None
    org, repo = parts[3], parts[4]
    return f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/_sources/{pagename}.ipynb"


def _chapter_record(pagename: str) -> dict:
    """The numbers the page glued (its Record's JSON in the build's numbers folder), if any."""
    from . import book
    folder = book.numbers_dir()
    path = folder / f"{Path(pagename).name[:4]}.json" if folder is not None else None
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text()).get("numbers", {})


def _rewrite(path: Path, repository_url: str, glued=None, labels=None, figures=None) -> None:
    nb = make_downloadable(json.loads(path.read_text(encoding="utf-8")), repository_url, glued, labels, figures)
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
        labels, ids = page_labels(app.env, pagename)
        labels.update(citation_labels(Path(app.srcdir) / f for f in getattr(app.config, "bibtex_bibfiles", [])))
        source = Path(app.env.doc2path(pagename)).read_text(encoding="utf-8")
        figures = glued_figures(app, doctree, source, labels, ids) if doctree is not None else {}
        _rewrite(path, repository_url, _chapter_record(pagename), labels, figures)
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
