"""The benchmark code (bench/) on tiny inputs, and the Performance page on results files.

No timing is asserted here: timings belong to ``make bench``. These tests check that the
benchmarks run, compare what they claim to compare, and write a file the page can show.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))          # bench/ is a folder of the repository, not part of the package

from bench import book_build, common, mlp  # noqa: E402
PAGE = ROOT / "book" / "appendix_performance.md"


def test_flops_count_from_layer_shapes():
    # forward, dL/dW and dL/dx for 784-256-128-10, without dL/dx of the first layer
    products = 784 * 256 + 256 * 128 + 128 * 10
    assert mlp.flops_per_example((784, 256, 128, 10)) == 2 * products * 3 - 2 * 784 * 256


def test_goal_kinds():
    assert common.goal(0.9, 1.0, "max")["met"] and not common.goal(1.1, 1.0, "max")["met"]
    assert common.goal(0.6, 0.5, "min")["met"] and not common.goal(0.4, 0.5, "min")["met"]
    assert common.goal(None, 1.0, "max")["met"] is None
    with pytest.raises(ValueError, match="kind"):
        common.goal(1.0, 1.0, "less")


def test_alternate_swaps_the_order_every_round():
    calls = []
    ta, tb = common.alternate(lambda: lambda: calls.append("a"), lambda: lambda: calls.append("b"), 4)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert len(ta) == len(tb) == 4 and min(ta + tb) >= 0


def test_sklearn_starts_from_our_weights_with_our_settings(real_data, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(real_data))
    cfg = mlp.settings(fast=True)
    (x, y), _ = mlp.load(cfg)
    weights = mlp.initial_weights(cfg["sizes"], seed=3)
    clf, epoch = mlp.sklearn_mlp(cfg, weights, x, y, seed=3)
    assert all(np.array_equal(c, w) for c, (w, _) in zip(clf.coefs_, weights))
    assert not hasattr(clf, "_optimizer")                       # a fresh Adam state at the first epoch
    assert (clf.alpha, clf.solver, clf.batch_size, clf.learning_rate_init) == (0.0, "adam", cfg["batch_size"], cfg["lr"])
    epoch()
    assert clf.coefs_[0].dtype == np.float32 == x.dtype
    assert clf._optimizer.learning_rate_init == pytest.approx(cfg["lr"] * cfg["lr_decay"])
    model, _ = mlp.ours(cfg, weights, x, y, seed=3)
    assert np.array_equal(model.layers[0].params["W"], weights[0][0])


def test_mlp_benchmark_runs_on_tiny_inputs(real_data, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(real_data))
    out = mlp.run(fast=True)
    m, f = out["mlp_vs_sklearn"], out["flops"]
    assert m["dtype"] == {"ours": "float32", "sklearn": "float32", "inputs": "float32"}
    assert len(m["ours"]["epoch_seconds"]) == len(m["sklearn"]["epoch_seconds"]) == m["settings"]["epochs"]
    assert m["ratio"] > 0 and 0.5 < m["ours"]["test_accuracy"] <= 1 and 0.5 < m["sklearn"]["test_accuracy"] <= 1
    assert m["accuracy_gap_points"] == pytest.approx(100 * (m["sklearn"]["test_accuracy"] - m["ours"]["test_accuracy"]))
    assert f["fraction"] == pytest.approx(f["achieved_gflops"] / f["matmul_gflops"])
    assert f["matmul_gflops"] > 0 and f["single_thread"]["fraction"] > 0


def test_prose_edit_changes_no_code(tmp_path):
    from dl_course import execution_cache
    chapter = tmp_path / book_build.EDITED
    chapter.parent.mkdir(parents=True)
    original = (ROOT / book_build.EDITED).read_text()
    chapter.write_text(original)
    book_build.prose_edit(tmp_path)
    edited = chapter.read_text()
    assert edited != original and book_build.SENTENCE in edited
    assert execution_cache.chapter_code(chapter) == execution_cache.chapter_code(ROOT / book_build.EDITED)


def test_no_cold_records_without_a_cache(tmp_path):
    assert book_build.cold_records(tmp_path) == []


def test_results_file_is_strict_json(tmp_path, real_data):
    out = tmp_path / "results.json"
    subprocess.run([sys.executable, "-m", "bench.run", "--fast", "--only", "mlp", "--book", "skip", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True, env={**os.environ, "DL_COURSE_DATA": str(real_data)})
    results = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in the results file"))
    assert {"cpu", "date", "blas", "versions"} <= set(results["machine"])
    assert {"mlp_vs_sklearn", "flops"} <= set(results["benchmarks"])


def _glued_and_quoted(text: str) -> tuple[set, set]:
    glued = set(re.findall(r"""record\.glue\(\s*["'](\w+)["']""", text))
    for names in re.findall(r"for name in \(([^)]*)\)", text):
        glued |= set(re.findall(r"""["'](\w+)["']""", names))
    quoted = set(re.findall(r"\{glue:(?:text|figure)\}`?\s*(\w+)", text)) | set(re.findall(r"```\{glue:figure\} (\w+)", text))
    return glued, quoted


def test_page_glues_every_name_its_prose_quotes():
    glued, quoted = _glued_and_quoted(PAGE.read_text())
    assert quoted and quoted <= glued, sorted(quoted - glued)


def _execute_page(tmp_path: Path, results: dict):
    import jupytext
    from nbclient import NotebookClient
    (tmp_path / "bench").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "bench" / "results.json").write_text(json.dumps(results))
    nb = jupytext.read(PAGE)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path / "book")}}).execute()
    return nb


@pytest.mark.parametrize("complete", [True, False])
def test_page_runs_on_a_results_file(tmp_path, real_data, complete):
    """With every benchmark measured (a --fast run) and with every benchmark failed, the page executes."""
    results_path = tmp_path / "fast.json"
    if complete:
        subprocess.run([sys.executable, "-m", "bench.run", "--fast", "--only", "mlp,loading", "--book", "skip",
                        "--out", str(results_path)], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "DL_COURSE_DATA": str(real_data)})
        results = json.loads(results_path.read_text())
    else:
        results = {"machine": common.machine(), "total_seconds": 1.0, "fast": True, "book_mode": "skip",
                   "benchmarks": {s: {"error": "failed on purpose"} for s in
                                  ("mlp_vs_sklearn", "flops", "keras_overhead", "loading", "book")}}
    nb = _execute_page(tmp_path, results)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
