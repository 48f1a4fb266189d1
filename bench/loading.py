"""Benchmark 4: data loading and tokenisation.

MNIST and Fashion-MNIST: the package's loaders (``dl_course.data.load_mnist`` and
``load_fashion_mnist``: read the gzip files, decompress, check size and SHA-256, parse the IDX
headers) against ``np.load`` of an uncompressed ``.npz`` holding the same four arrays
(``allow_pickle=False``, every array read). Both are warmed up once (files in the page cache),
then timed alternately; ratio = median(loader) / median(np.load).

IMDB: the time of ``load_imdb`` (reading the 50,000 reviews from the .tar.gz and checking the
layout), and the throughput, in reviews per second, of the text functions Chapters 4 and 5 use on
Chapter 4's quick-profile training reviews: ``text.tokenize`` (standardise and split),
``text.make_vectorizer`` (learn the vocabulary) and the vectorizer itself (texts to padded ids).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from dl_course import data, profiles, text

from .common import alternate, median, timed

__all__ = ["run"]


def _npz_loader(path: Path):
    def load():
        with np.load(path, allow_pickle=False) as f:
            return [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    return load


def idx_vs_npz(loader, repeats: int, folder: Path) -> dict:
    """Seconds of ``loader()`` against ``np.load`` of the same arrays saved as an .npz in ``folder``."""
    (x_train, y_train), (x_test, y_test) = loader()              # warm-up, and the arrays to save
    path = folder / f"{loader.__name__}.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    npz = _npz_loader(path)
    same = all(np.array_equal(a, b) for a, b in zip(npz(), (x_train, y_train, x_test, y_test)))
    t_loader, t_npz = alternate(lambda: loader, lambda: npz, repeats)
    return {"loader_seconds": t_loader, "npz_seconds": t_npz, "ratio": median(t_loader) / median(t_npz),
            "same_arrays": same, "npz_megabytes": path.stat().st_size / 1e6}


def loader_stages(folder: Path) -> dict:
    """Seconds of each stage of verified loading, summed over the gzip files in ``folder``: read, gunzip, SHA-256, parse."""
    stages = dict.fromkeys(("read", "gunzip", "sha256", "parse"), 0.0)
    for path in sorted(folder.glob("*.gz")):
        t, raw = timed(path.read_bytes)
        stages["read"] += t
        t, payload = timed(gzip.decompress, raw)
        stages["gunzip"] += t
        stages["sha256"] += timed(lambda: hashlib.sha256(payload).hexdigest())[0]
        stages["parse"] += timed(data.parse_idx, payload, str(path))[0]
    return stages


def throughput(fn, items, repeats: int = 3) -> float:
    """Items per second of ``fn(items)``, the median of ``repeats`` calls."""
    return len(items) / median([timed(fn, items)[0] for _ in range(repeats)])


def imdb(n_reviews: int, fast: bool) -> dict:
    cfg = profiles.settings("ch04", "quick")
    t_load, ((train_texts, _), _) = timed(data.load_imdb)
    rng = np.random.default_rng(0)
    texts = [train_texts[i] for i in rng.choice(len(train_texts), n_reviews, replace=False)]
    vectorize = text.make_vectorizer(texts, cfg["vocab"], maxlen=cfg["maxlen"])
    repeats = 1 if fast else 3
    return {
        "load_seconds": t_load,
        "n_reviews": n_reviews,
        "vocab": cfg["vocab"], "maxlen": cfg["maxlen"],
        "reviews_per_second": {
            "tokenize": throughput(lambda ts: [text.tokenize(t) for t in ts], texts, repeats),
            "make_vectorizer": throughput(lambda ts: text.make_vectorizer(ts, cfg["vocab"], maxlen=cfg["maxlen"]),
                                          texts, repeats),
            "vectorize": throughput(vectorize, texts, repeats),
        },
    }


def run(fast: bool = False) -> dict:
    repeats = 2 if fast else 5
    with tempfile.TemporaryDirectory(prefix="dl_course_bench_") as tmp:
        result = {name: idx_vs_npz(loader, repeats, Path(tmp))
                  for name, loader in (("mnist", data.load_mnist), ("fashion_mnist", data.load_fashion_mnist))}
    mnist_dir = Path(os.environ.get("DL_COURSE_DATA", data.cache_dir())) / "mnist"
    if any(mnist_dir.glob("*.gz")):
        result["mnist"]["stages_seconds"] = loader_stages(mnist_dir)
    n_reviews = 200 if fast else profiles.settings("ch04", "quick")["n_train"]
    result["imdb"] = imdb(n_reviews, fast)
    result["what"] = ("seconds of the verified IDX loaders over np.load of an .npz of the same arrays; "
                      "IMDB load time and tokenisation throughput in reviews/s")
    return {"loading": result}
