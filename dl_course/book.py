"""What a chapter quotes: glue its numbers and figures into the prose, and record them.

A chapter creates one ``Record("ch01")`` and passes every number its prose quotes through
``record.glue(name, value)``. That glues the value for myst-nb (``{glue:text}`name:.2%``` in the
prose) and writes ``_build/numbers/ch01.json``: the numbers, the profile, the hardware and the
package versions, so that a build can be checked, and compared with an earlier one, without
reading HTML. Outside a book build (no ``_config.yml`` above the working directory and no
``DL_COURSE_BUILD_DIR``) nothing is written.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from . import profiles

__all__ = ["Record", "build_info", "build_info_markdown", "chapter_builds_markdown", "numbers_dir", "show_source",
           "markdown_table"]

DISTRIBUTIONS = ("dl_course", "numpy", "scikit-learn", "matplotlib", "keras", "tensorflow", "jax",
                 "jupyter-book", "myst-nb")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def build_info() -> dict:
    """Profile, hardware, Keras backend and package versions of this process (imports no framework)."""
    return {
        "profile": profiles.current(),
        "cpu": profiles.cpu_name(),
        "gpus": list(profiles.gpu_names()),
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {d: v for d in DISTRIBUTIONS if (v := _version(d)) is not None},
    }


def build_info_markdown(info: dict | None = None) -> str:
    """The build information as a Markdown table, for display in the book."""
    info = info or build_info()
    rows = [("Profile", f"`{info['profile']}`"), ("CPU", info["cpu"]),
            ("GPU", ", ".join(info["gpus"]) or "none"), ("Keras backend", info["keras_backend"]),
            ("Python", info["python"])]
    rows += [(name, v) for name, v in info["versions"].items()]
    return "| what | this build |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def chapter_builds_markdown(folder: Path | None = None) -> str:
    """One row per chapter record in ``numbers/``: how (profile, backend, hardware) its numbers were made.

    A chapter taken from the execution cache keeps the record of the run that produced it, so this
    table says, for each chapter of the site, where its numbers really came from.
    """
    folder = folder or numbers_dir()
    files = sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []
    if not files:
        return "No chapter records were found (they are written to `_build/numbers/` by a book build)."
    rows = []
    for f in files:
        rec = json.loads(f.read_text())
        b = rec["build"]
        rows.append(f"| {rec['chapter']} | `{b['profile']}` | {b['keras_backend']} | {b['cpu']} | "
                    f"{', '.join(b['gpus']) or 'none'} | {b['versions'].get('keras', '-')} | "
                    f"{b['versions'].get('tensorflow', '-')} | {b['versions'].get('jax', '-')} | {len(rec['numbers'])} |")
    head = ("| chapter | profile | Keras backend | CPU | GPU | Keras | TensorFlow | JAX | numbers quoted |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    return head + "\n".join(rows)


def build_dir() -> Path | None:
    """``$DL_COURSE_BUILD_DIR``, else ``_build`` beside the nearest ``_config.yml`` above the cwd, else None."""
    if os.environ.get("DL_COURSE_BUILD_DIR"):
        return Path(os.environ["DL_COURSE_BUILD_DIR"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "_config.yml").is_file():
            return folder / "_build"
    return None


def numbers_dir() -> Path | None:
    """Where chapters record their numbers: ``<build_dir>/numbers`` (None outside a book build)."""
    d = build_dir()
    return None if d is None else d / "numbers"


def _plain(value):
    """numpy scalars and arrays -> JSON-ready Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class Record:
    """The numbers (and figures) one chapter quotes."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.info = build_info()
        self.numbers: dict = {}

    def glue(self, name: str, value, display: bool = False) -> None:
        """Glue ``value`` under ``name`` for the prose and record it.

        Numbers, strings and small lists are recorded in the JSON file; matplotlib figures are glued
        only, and closed so that they appear once, where the prose places them (outside a book
        build, e.g. a downloaded notebook, the figure is displayed by the cell instead). Returns None, so
        that a cell ending in a glue shows nothing more.
        """
        is_figure = type(value).__name__ == "Figure"
        try:
            from myst_nb import glue
        except ImportError:     # outside the book: recording still works
            glue = None
        if glue is not None:
            glue(name, _plain(value) if not is_figure else value, display=display)
        if is_figure:
            import matplotlib.pyplot as plt
            if build_dir() is None and not display:      # a notebook outside the book: show it here
                try:
                    from IPython.display import display as show
                    show(value)
                except ImportError:
                    pass
            plt.close(value)
        else:
            self.numbers[name] = _plain(value)
            self.save()

    def save(self) -> Path | None:
        """Write ``numbers/<chapter>.json`` atomically (temporary file, then rename)."""
        folder = numbers_dir()
        if folder is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.chapter}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"chapter": self.chapter, "build": self.info, "numbers": self.numbers},
                                  indent=2, sort_keys=True))
        os.replace(tmp, path)
        return path


def show_source(obj):
    """Display the source code of a dl_course function or class in the notebook (the code the chapter runs)."""
    import inspect
    from IPython.display import Markdown
    return Markdown(f"```python\n{inspect.getsource(obj).rstrip()}\n```")


def markdown_table(rows, columns: dict):
    """Display ``rows`` (a list of dicts) as a Markdown table.

    ``columns`` maps a header to ``(key, format)``, e.g. ``{"val. accuracy": ("val_acc", "{:.2%}")}``;
    ``key`` may also be a function of the row.
    """
    from IPython.display import Markdown
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = []
    for r in rows:
        cells = []
        for key, fmt in columns.values():
            v = key(r) if callable(key) else r[key]
            cells.append(fmt.format(v))
        body.append("| " + " | ".join(cells) + " |")
    return Markdown(head + "\n".join(body))
