"""What every benchmark shares: the machine's description, timers and the shape of a result.

All timings are wall-clock seconds from ``time.perf_counter``. On a shared machine absolute times
are noise, so every benchmark reports ratios of two things measured side by side in one run,
alternating their order and taking medians over repeats.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from datetime import datetime, timezone

__all__ = ["machine", "timed", "alternate", "median", "goal"]


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _blas_threads() -> list[dict]:
    """The BLAS/OpenMP thread pools loaded in this process (threadpoolctl, a scikit-learn dependency)."""
    import numpy  # noqa: F401  (loads NumPy's BLAS, so threadpoolctl can see it)
    from threadpoolctl import threadpool_info
    return [{k: p.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for p in threadpool_info()]


def machine() -> dict:
    """CPU, memory, load, thread pools, Python and package versions of this run."""
    from dl_course import book
    info = book.build_info()
    info.update({
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "memory_gib": _memory_gib(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "blas": _blas_threads(),
        "machine": platform.machine(),
    })
    return info


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call ``fn(*args, **kwargs)``."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def alternate(a, b, repeats: int) -> tuple[list[float], list[float]]:
    """Time two jobs ``repeats`` times each, alternating which goes first; returns the two lists of seconds.

    ``a`` and ``b`` are factories: ``a()`` does the untimed set-up and returns the no-argument
    callable that is timed. Round i runs a then b for even i, b then a for odd i, so a slow drift
    of the machine (another job starting, thermal limits) hurts both alike.
    """
    ta, tb = [], []
    for i in range(repeats):
        order = [(a, ta), (b, tb)] if i % 2 == 0 else [(b, tb), (a, ta)]
        for factory, out in order:
            out.append(timed(factory())[0])
    return ta, tb


def median(values) -> float:
    return float(statistics.median(values))


def goal(value: float | None, limit: float, kind: str) -> dict:
    """A goal and whether ``value`` meets it: ``kind`` is "max" (value <= limit) or "min" (value >= limit)."""
    if kind not in ("max", "min"):
        raise ValueError(f"kind must be 'max' or 'min', got {kind!r}.")
    met = None if value is None else (value <= limit if kind == "max" else value >= limit)
    return {"limit": limit, "kind": kind, "met": met}
