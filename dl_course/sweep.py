"""One-factor-at-a-time hyper-parameter sweeps, with finished trials cached on disk (Chapter 3).

A trial is (configuration, seed). Its result is stored as JSON under a key that hashes the
configuration, the seed, a description of the data, the source of the code that trains it (the
training function's module and every dl_course module that it imports) and the environment
(profile, backend, versions). Rebuilding the book re-runs only trials whose key is new.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from pathlib import Path

import numpy as np

from . import book, execution_cache

__all__ = ["one_factor_trials", "run_trials", "sweep", "factor_effects", "trial_cache_dir"]


def trial_cache_dir() -> Path | None:
    """``<build dir>/trials`` (see :func:`dl_course.book.build_dir`); None means no caching."""
    d = book.build_dir()
    return None if d is None else d / "trials"


def one_factor_trials(baseline: dict, values: dict) -> list[tuple[str, object, dict]]:
    """(factor, value, config) triples: the baseline first, then each factor set to each of its
    values other than the baseline's, all other settings at the baseline."""
    unknown = set(values) - set(baseline)
    if unknown:
        raise ValueError(f"factors {sorted(unknown)} are not in the baseline configuration {sorted(baseline)}.")
    trials = [("baseline", None, dict(baseline))]
    for factor, vals in values.items():
        for v in vals:
            if v != baseline[factor]:
                trials.append((factor, v, {**baseline, factor: v}))
    return trials


def _code_fingerprint(fn) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = inspect.getmodule(fn)
    h = hashlib.sha256(json.dumps(execution_cache.environment_fingerprint(), sort_keys=True).encode())
    if module is not None and module.__name__.split(".")[0] == execution_cache.PACKAGE:
        for name, path in sorted(execution_cache.module_closure({module.__name__}, execution_cache.package_dir()).items()):
            h.update(name.encode() + path.read_bytes())
    elif module is not None and getattr(module, "__file__", None):
        h.update(Path(module.__file__).read_bytes())
    else:                             # defined in a notebook: its source is all we have
        h.update(inspect.getsource(fn).encode())
    return h.hexdigest()


def _key(config: dict, seed: int, data_id: str, fingerprint: str) -> str:
    blob = json.dumps({"config": config, "seed": seed, "data": data_id, "code": fingerprint},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def run_trials(trials, train_fn, *, data_id: str, seeds=(0,), cache_dir: Path | None | str = "auto") -> list[dict]:
    """Run ``train_fn(config, seed) -> dict of metrics`` for every trial and seed, reusing cached results.

    Returns one row per (trial, seed): ``factor``, ``value``, ``seed``, the metrics, and ``cached``
    (whether the result came from disk). ``data_id`` must name the data the trials see (dataset,
    subset sizes, split seed): it is part of the cache key.
    """
    cache = trial_cache_dir() if cache_dir == "auto" else (Path(cache_dir) if cache_dir else None)
    fingerprint = _code_fingerprint(train_fn)
    rows = []
    for factor, value, config in trials:
        for seed in seeds:
            path = cache / f"{_key(config, seed, data_id, fingerprint)}.json" if cache else None
            if path is not None and path.is_file():
                metrics, cached = json.loads(path.read_text())["metrics"], True
            else:
                metrics, cached = train_fn(dict(config), seed), False
                metrics = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in metrics.items()}
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(json.dumps({"config": config, "seed": seed, "data": data_id,
                                               "metrics": metrics}, default=str, indent=1))
                    os.replace(tmp, path)
            rows.append({"factor": factor, "value": value, "seed": seed, **metrics, "cached": cached})
    return rows


def sweep(baseline: dict, values: dict, train_fn, *, data_id: str, seeds=(0,), cache_dir="auto") -> list[dict]:
    """Vary one factor at a time from ``baseline`` over ``values``; see :func:`run_trials`."""
    return run_trials(one_factor_trials(baseline, values), train_fn, data_id=data_id, seeds=seeds,
                      cache_dir=cache_dir)


def factor_effects(rows: list[dict], baseline: dict, metric: str = "val_accuracy") -> list[dict]:
    """Per factor: the metric (mean over seeds) at each value, baseline included, and the range
    max - min across values; sorted by range, largest first."""
    base = np.mean([r[metric] for r in rows if r["factor"] == "baseline"])
    out = []
    for factor in dict.fromkeys(r["factor"] for r in rows if r["factor"] != "baseline"):
        by_value = {baseline[factor]: base}
        for v in dict.fromkeys(r["value"] for r in rows if r["factor"] == factor):
            by_value[v] = float(np.mean([r[metric] for r in rows if r["factor"] == factor and r["value"] == v]))
        best = max(by_value, key=by_value.get)
        out.append({"factor": factor, "by_value": by_value, "range": max(by_value.values()) - min(by_value.values()),
                    "best_value": best, "best": by_value[best], "baseline_value": baseline[factor]})
    return sorted(out, key=lambda e: -e["range"])
