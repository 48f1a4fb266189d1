"""``make bench``: run the benchmarks, each in a fresh Python process, and write ``bench/results.json``.

    python -m bench.run                    all benchmarks, book rebuild measured in a temporary copy
    python -m bench.run --book cold        also a real cold book build (about 13 more minutes)
    python -m bench.run --book skip        no book benchmark
    python -m bench.run --fast --out X     tiny inputs, for the tests (seconds, numbers meaningless)
    python -m bench.run --only mlp,loading
    python -m bench.run --book-repo ../clone   time the rebuild on the last book build made in ../clone

Each benchmark runs in its own process (no framework imported by one slows another) with a time
limit; the whole run keeps within ``--budget`` seconds (default 14 minutes). The results file
holds the machine's description, every measurement, and whether each goal is met.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
BENCHMARKS = {            # name -> (sections of the results it writes, seconds it may take at most)
    "mlp": (("mlp_vs_sklearn", "flops"), 420),
    "keras": (("keras_overhead",), 180),
    "loading": (("loading",), 180),
    "book": (("book",), 600),
}


def _finite(value):
    """NaN and infinities -> None, recursively, so that the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def run_one(name: str, fast: bool, book: str, timeout: float, book_repo: Path = ROOT) -> dict:
    """Run benchmark ``name`` in a child process (its own process group) and return its results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench.run", "--child", name, "--json", str(out), "--book", book,
               "--budget", str(int(timeout)), "--book-repo", str(book_repo)] + (["--fast"] if fast else [])
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)       # the child and anything it started (book builds)
            proc.wait()
            return dict.fromkeys(BENCHMARKS[name][0], {"error": f"stopped after the time limit of {timeout:.0f} s"})
        seconds = time.perf_counter() - t0
        if proc.returncode or not out.is_file():
            return dict.fromkeys(BENCHMARKS[name][0],
                                 {"error": f"the benchmark process failed with exit code {proc.returncode}"})
        result = json.loads(out.read_text())
        for value in result.values():
            value["benchmark_seconds"] = seconds
        return result


def child(name: str, fast: bool, book: str, budget: float, out: Path, book_repo: Path = ROOT) -> None:
    """Inside the child process: import and run one benchmark, write its JSON to ``out``."""
    if name == "mlp":
        from bench import mlp
        result = mlp.run(fast, budget_seconds=budget)
    elif name == "keras":
        from bench import keras_overhead
        result = keras_overhead.run(fast)
    elif name == "loading":
        from bench import loading
        result = loading.run(fast)
    elif name == "book":
        from bench import book_build
        result = book_build.run("skip" if fast else book, budget_seconds=max(budget - 200, 0), source=book_repo)
    else:
        raise ValueError(f"unknown benchmark {name!r}; expected one of {sorted(BENCHMARKS)}.")
    out.write_text(json.dumps(_finite(result)))


def summary(results: dict) -> list[str]:
    """One line per goal: name, value, limit, met."""
    b = results["benchmarks"]
    rows = []

    def add(label, section, key, limit_path):
        sec = b.get(section, {})
        value = sec.get(key)
        g = sec
        for k in limit_path:
            g = (g or {}).get(k)
        if value is None or not g:
            rows.append(f"{label:48s} not measured ({sec.get('error') or sec.get('note') or 'see results'})")
        else:
            op = "<=" if g["kind"] == "max" else ">="
            rows.append(f"{label:48s} {value:8.3f}  goal {op} {g['limit']:<5}  {'met' if g['met'] else 'NOT met'}")
    add("1. seconds/epoch ours / sklearn", "mlp_vs_sklearn", "ratio", ["goal", "ratio"])
    add("1. accuracy gap (sklearn - ours, points)", "mlp_vs_sklearn", "accuracy_gap_points", ["goal", "accuracy_gap_points"])
    add("2. FLOP rate / matmul FLOP rate", "flops", "fraction", ["goal"])
    add("3. keras_models.train / model.fit", "keras_overhead", "ratio", ["goal"])
    add("5. rebuild after prose edit / cold build", "book", "ratio", ["goal"])
    for name in ("mnist", "fashion_mnist"):
        value = b.get("loading", {}).get(name, {}).get("ratio")
        rows.append(f"4. {name} loader / np.load(.npz)".ljust(48) + (f" {value:8.2f}" if value else " not measured"))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fast", action="store_true", help="tiny inputs: checks that the code runs; numbers are meaningless")
    p.add_argument("--book", default=os.environ.get("BOOK") or "rebuild", choices=("rebuild", "cold", "skip"))
    p.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ",".join(BENCHMARKS))
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--book-repo", type=Path, default=Path(os.environ.get("BOOK_REPO") or ROOT),
                   help="the repository whose _build (last book build) the book benchmark copies (default: this one)")
    p.add_argument("--budget", type=float, default=14 * 60, help="seconds for the whole run")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.fast, args.book, args.budget, args.json, args.book_repo)
        return 0

    from bench.common import machine
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        p.error(f"unknown benchmarks {sorted(unknown)}; expected some of {sorted(BENCHMARKS)}")
    budget = args.budget + (15 * 60 if args.book == "cold" else 0)
    t0 = time.perf_counter()
    results = {"machine": machine(), "fast": args.fast, "book_mode": args.book, "benchmarks": {}}
    for name in names:
        left = budget - (time.perf_counter() - t0)
        print(f"[bench] {name} (limit {min(BENCHMARKS[name][1], left):.0f} s)", flush=True)
        if left < 30:
            results["benchmarks"].update(dict.fromkeys(BENCHMARKS[name][0], {"error": "not run: the time budget was spent"}))
            continue
        limit = BENCHMARKS[name][1] if name != "book" else left
        results["benchmarks"].update(run_one(name, args.fast, args.book, min(limit, left), args.book_repo))
    results["total_seconds"] = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_finite(results), indent=1, sort_keys=True) + "\n")
    print("\n".join(summary(results)))
    print(f"[bench] {results['total_seconds']:.0f} s in all; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
