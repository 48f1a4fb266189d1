"""A quick-profile chapter executed twice on the same machine glues the same numbers.

Each chapter is executed as the book build executes it (its MyST source, book/ as working
directory) into two separate build folders, and the two ``numbers/<chapter>.json`` records are
compared exactly, wall-clock timings aside. Chapter 1 is NumPy; Chapter 6 is Keras (its VAE's
sampling layer draws from a seeded generator, and ``keras_models.seed_everything`` switches on
TensorFlow's op determinism).
"""

import json
import os
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

BOOK = Path(__file__).resolve().parents[1] / "book"
TIMINGS = {"ch01": {"seconds_per_epoch"}, "ch06": set()}     # wall-clock numbers, not results


def execute_chapter(source: str, build_dir: Path, monkeypatch) -> dict:
    monkeypatch.setenv("DL_COURSE_BUILD_DIR", str(build_dir))
    monkeypatch.setenv("DL_COURSE_PROFILE", "quick")
    nb = jupytext.read(BOOK / source)
    NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}).execute()
    return json.loads((build_dir / "numbers" / f"{source[:4]}.json").read_text())["numbers"]


@pytest.mark.slow
@pytest.mark.parametrize("source", ["ch01_perceptron_to_mlp.md", "ch06_vae.md"])
def test_chapter_glues_the_same_numbers_twice(source, tmp_path, real_data, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(real_data))
    first = execute_chapter(source, tmp_path / "a", monkeypatch)
    second = execute_chapter(source, tmp_path / "b", monkeypatch)
    timings = TIMINGS[source[:4]]
    assert len(first) > 15                                   # the chapter really quoted its numbers
    assert first.keys() == second.keys()
    differ = {k: (first[k], second[k]) for k in first if k not in timings and first[k] != second[k]}
    assert not differ, f"{source}: numbers that changed between two runs: {differ}"
