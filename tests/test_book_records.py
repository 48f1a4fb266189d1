import json

import numpy as np
import pytest

from dl_course import book, profiles


def test_record_writes_the_numbers_with_the_build(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_BUILD_DIR", str(tmp_path))
    monkeypatch.setenv("DL_COURSE_PROFILE", "quick")
    r = book.Record("chX")
    assert r.glue("acc", np.float32(0.5)) is None        # nothing for a notebook cell to echo
    r.glue("counts", np.array([1, 2]))
    saved = json.loads((tmp_path / "numbers" / "chX.json").read_text())
    assert saved["numbers"] == {"acc": 0.5, "counts": [1, 2]}
    assert saved["build"]["profile"] == "quick"
    assert "numpy" in saved["build"]["versions"]
    assert "| Profile | `quick` |" in book.build_info_markdown(saved["build"])


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    assert profiles.current() == "full"
    assert profiles.settings("ch01")["n_train"] > profiles.settings("ch01", "quick")["n_train"]
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"DL_COURSE_PROFILE='fast' is not a profile"):
        profiles.current()


def test_default_profile_follows_the_gpu(monkeypatch):
    monkeypatch.delenv("DL_COURSE_PROFILE", raising=False)
    assert profiles.current() == ("full" if profiles.gpu_names() else "quick")
