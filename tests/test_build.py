"""`make book` (dl_course.build): a failing cell is named, a failed site is removed, finished
chapters are not executed again, and the full profile is refused without a GPU.

The slow tests build a throwaway two-chapter book in tmp_path with the execution settings of the
real _config.yml, through `python -m dl_course.build`, as `make book` does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dl_course import build, profiles

ROOT = Path(__file__).resolve().parents[1]

HEADER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""
GOOD = HEADER + "# Good\n\n```{code-cell} ipython3\nx = 6 * 7\nprint(x)\n```\n"
BAD = HEADER + ("# Bad\n\nSome prose.\n\n```{code-cell} ipython3\ny = 1\n```\n\n"
                "```{code-cell} ipython3\nimport math\nmath.sqrt(-y)\n```\n")
FIXED = BAD.replace("math.sqrt(-y)", "math.sqrt(y)")


def tiny_book(folder: Path, bad: str = BAD) -> Path:
    """A book with the real _config.yml's execution and Sphinx settings and two chapters:
    a_good (read first, so it finishes before b_bad fails) and b_bad."""
    real = yaml.safe_load((ROOT / "_config.yml").read_text())
    config = {"title": "tiny", "only_build_toc_files": True, "execute": real["execute"],
              "parse": real.get("parse", {}),
              "sphinx": {"extra_extensions": real["sphinx"].get("extra_extensions", []),
                         "config": {k: v for k, v in real["sphinx"]["config"].items() if k.startswith("nb_")}}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: a_good\n  - file: b_bad\n")
    (folder / "intro.md").write_text("# Intro\n\nA tiny book.\n")
    (folder / "a_good.md").write_text(GOOD)
    (folder / "b_bad.md").write_text(bad)
    return folder


def run_build(folder: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DL_COURSE_BUILD_DIR=str(folder / "_build"))
    return subprocess.run([sys.executable, "-m", "dl_course.build", "--root", str(folder), "--profile", "quick", *args],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_failing_cell_is_named_and_the_site_removed_then_the_build_resumes(tmp_path):
    book = tiny_book(tmp_path / "book")
    numbers = book / "_build" / "numbers"
    numbers.mkdir(parents=True)
    (numbers / "bad.json").write_text("{}")               # what a half-run chapter would leave
    (book / "b_bad.md").write_text(BAD + '\n<!-- book.Record("bad") -->\n')

    out = run_build(book)
    assert out.returncode != 0
    assert "BOOK BUILD FAILED" in out.stderr
    assert "b_bad.md, code cell 2 (line 18): ValueError: math domain error" in out.stderr
    assert "the cell begins: import math" in out.stderr
    assert not (book / "_build" / "html").exists()        # nothing that looks like a site
    assert not (numbers / "bad.json").exists()            # nor numbers of the failed chapter
    assert (book / "_build" / ".jupyter_cache").is_dir()  # but the finished chapter is cached
    assert "b_bad.md, code cell 2" in (book / "_build" / "build-failed.txt").read_text()
    assert "a_good.md: Executing notebook" in out.stdout
    record = json.loads((book / "_build" / "build-record.json").read_text())
    assert record["returncode"] != 0 and record["executed"] == ["a_good", "b_bad"]

    (book / "b_bad.md").write_text(FIXED)
    out = run_build(book)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (book / "_build" / "html" / "index.html").is_file()
    assert not (book / "_build" / "build-failed.txt").exists()
    assert "b_bad.md: Executing notebook" in out.stdout
    assert "a_good.md: Executing notebook" not in out.stdout    # resumed: not run again
    record = json.loads((book / "_build" / "build-record.json").read_text())
    assert record["returncode"] == 0 and record["executed"] == ["b_bad"] and record["profile"] == "quick"
    assert 20 < record["peak_rss_mib"] < 10_000 and record["seconds"] > 0     # a kernel's memory, in MiB
    assert "42" in (book / "_build" / "html" / "a_good.html").read_text()


@pytest.mark.slow
def test_a_sphinx_warning_fails_the_build(tmp_path):
    book = tiny_book(tmp_path / "book", bad=FIXED + "\nSee {ref}`no-such-label`.\n")
    out = run_build(book)
    assert out.returncode != 0
    assert "Warnings (--warningiserror makes each one fatal):" in out.stderr
    assert "b_bad.md" in out.stderr and "no-such-label" in out.stderr
    assert not (book / "_build" / "html" / "index.html").exists()


def test_full_profile_is_refused_without_a_gpu(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(profiles, "gpu_names", lambda: ())
    ran = []
    monkeypatch.setattr(build, "_run", lambda *a, **k: ran.append(a) or (0, ""))
    (tmp_path / "_config.yml").write_text("title: t\n")
    assert build.main(["--root", str(tmp_path), "--profile", "full"]) == 2
    assert "Refusing to build the full profile: no NVIDIA GPU" in capsys.readouterr().err
    assert "make publish FORCE=1" in build.refuse_full_without_gpu("full", False)
    assert ran == [] and not (tmp_path / "_build").exists()
    # forced, or on a GPU machine, it builds (the build itself is stubbed out here)
    build.main(["--root", str(tmp_path), "--profile", "full", "--force-full"])
    monkeypatch.setattr(profiles, "gpu_names", lambda: ("NVIDIA H100",))
    build.main(["--root", str(tmp_path), "--profile", "full"])
    assert len(ran) == 2 and all(a[1]["DL_COURSE_PROFILE"] == "full" for a in ran)
    assert build.refuse_full_without_gpu("quick", False) is None


def test_success_without_an_entry_page_counts_as_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build, "_run", lambda *a, **k: (0, "built, supposedly"))
    (tmp_path / "_config.yml").write_text("title: t\n")
    assert build.main(["--root", str(tmp_path), "--profile", "quick"]) == 1
    assert "No notebook error or warning was found" in capsys.readouterr().err


def test_no_entry_page_while_a_build_runs(tmp_path, monkeypatch):
    """A build killed half-way (no chance to clean up) must not leave the last site's index.html."""
    html = tmp_path / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("the previous build")
    (tmp_path / "_config.yml").write_text("title: t\n")
    seen = []
    monkeypatch.setattr(build, "_run", lambda *a, **k: seen.append((html / "index.html").exists()) or (137, "Killed"))
    assert build.main(["--root", str(tmp_path), "--profile", "quick"]) == 137
    assert seen == [False] and not html.exists()


LOG = """\x1b[01mreading sources... \x1b[39;49;00m[ 33%] \x1b[35mch\x1b[39;49;00m
{path}: Executing notebook using local CWD [mystnb]
\x1b[91m{path}: WARNING: Executing notebook failed: CellExecutionError
Traceback (most recent call last):
  File "x.py", line 1, in <module>
nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:
------------------
import math
math.sqrt(-y)
------------------


\x1b[31m---------------------------------------------------------------------------\x1b[39m
\x1b[31mValueError\x1b[39m                                Traceback (most recent call last)
\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[2]\x1b[39m\x1b[32m, line 2\x1b[39m
\x1b[31mValueError\x1b[39m: math domain error

 [mystnb.exec]\x1b[39;49;00m
{path}:5: WARNING: undefined label: 'x'
"""


def test_parse_failures_reads_the_log(tmp_path):
    ch = tmp_path / "ch.md"
    ch.write_text(BAD)
    log = LOG.format(path=ch)
    (f,) = build.parse_failures(log)
    assert (f.path, f.cell, f.line, f.error) == (str(ch), 2, 18, "ValueError: math domain error")
    assert build.parse_warnings(log) == [f"{ch}:5: WARNING: undefined label: 'x'"]
    assert f.describe(tmp_path).startswith("ch.md, code cell 2 (line 18): ValueError: math domain error")
