"""The execution cache re-runs a chapter when the dl_course code it imports changes, and only then."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dl_course import execution_cache

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).with_name("jupyter-book")

CHAPTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# A chapter

```{code-cell} ipython3
import numpy as np
from myst_nb import glue
from dl_course import numpy_nets as nn
glue("acc", nn.accuracy(np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]), np.array([1, 1, 1])), display=False)
```

Accuracy: {glue:text}`acc:.3f`. PROSE
"""


def test_chapter_key_follows_imports(tmp_path):
    pkg = tmp_path / "dl_course"
    shutil.copytree(ROOT / "dl_course", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    ch = tmp_path / "ch.md"
    ch.write_text(CHAPTER)
    key = execution_cache.chapter_key(ch, pkg)
    (pkg / "perceptron.py").write_text((pkg / "perceptron.py").read_text() + "\n# not imported by ch\n")
    assert execution_cache.chapter_key(ch, pkg) == key
    (pkg / "numpy_nets.py").write_text((pkg / "numpy_nets.py").read_text() + "\n# imported\n")
    assert execution_cache.chapter_key(ch, pkg) != key


def build(folder: Path) -> tuple[str, str]:
    env = dict(os.environ, PYTHONPATH=str(folder), DL_COURSE_BUILD_DIR=str(folder / "_build"))
    out = subprocess.run([str(JB), "build", str(folder), "--warningiserror"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = (folder / "_build" / "html" / "ch.html").read_text()
    value = re.search(r"Accuracy: <span[^>]*>(?:<span[^>]*>)?([0-9.]+)", html)
    assert value, html[-2000:]
    return value.group(1), out.stdout


@pytest.mark.slow
def test_editing_package_code_reexecutes_the_chapter(tmp_path):
    shutil.copytree(ROOT / "dl_course", tmp_path / "dl_course", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "_config.yml").write_text(
        "title: t\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: cache\n"
        "  raise_on_error: true\nsphinx:\n  extra_extensions: [dl_course.execution_cache]\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: ch\n")
    (tmp_path / "ch.md").write_text(CHAPTER)

    value, log = build(tmp_path)
    assert value == "0.667" and "Executing notebook" in log

    # prose-only edit: re-read but served from the cache
    (tmp_path / "ch.md").write_text(CHAPTER.replace("PROSE", "More prose."))
    value, log = build(tmp_path)
    assert value == "0.667" and "Executing notebook" not in log and "Using cached notebook" in log

    # a change of behaviour in the package: the chapter runs again and the glued number changes
    nets = tmp_path / "dl_course" / "numpy_nets.py"
    nets.write_text(nets.read_text().replace(
        'return float((logits.argmax(axis=1) == y).mean())',
        'return float((logits.argmax(axis=1) != y).mean())'))
    value, log = build(tmp_path)
    assert value == "0.333" and "Executing notebook" in log

    # a change to a module the chapter does not import: nothing runs again
    perc = tmp_path / "dl_course" / "perceptron.py"
    perc.write_text(perc.read_text() + "\n# an edit elsewhere\n")
    value, log = build(tmp_path)
    assert value == "0.333" and "Executing notebook" not in log
