"""The two build profiles, ``quick`` and ``full``, and what machine a build runs on.

``DL_COURSE_PROFILE=quick|full`` chooses; by default ``full`` when an NVIDIA GPU is visible,
else ``quick``. Quick trains on subsets for fewer epochs so the whole book builds on a 2-core
CPU in minutes; full uses the whole datasets. Chapters read their settings with
``profiles.settings(chapter)``; the code and the story are the same in both.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from functools import lru_cache

PROFILES = ("quick", "full")

# Per-chapter settings. Keep each entry small and readable: the chapter shows it.
SETTINGS = {
    "ch01": {
        "quick": {"n_train": 30_000, "epochs": 8, "hidden": (256, 128), "batch_size": 64,
                  "lr": 1e-3, "lr_decay": 0.85},
        "full": {"n_train": 55_000, "epochs": 20, "hidden": (512, 256), "batch_size": 64,
                 "lr": 1e-3, "lr_decay": 0.85},
    },
    "ch02": {
        # two levels: n_train examples; overfitting: n_small examples, a wide net, the same epochs for
        # every cure; selection: a sampled grid, k-fold CV on n_select examples; trap: n_trap configs.
        "quick": {"n_train": 10_000, "epochs": 10, "hidden": (256, 128), "batch_size": 128,
                  "n_small": 1_000, "wide": (512, 512), "overfit_epochs": 30,
                  "sizes": (500, 1_000, 2_000, 4_000, 8_000), "n_select": 5_000, "k": 3,
                  "n_configs": 6, "select_epochs": 5, "n_trap": 12, "trap_epochs": 3, "n_seeds": 3},
        "full": {"n_train": 55_000, "epochs": 30, "hidden": (256, 128), "batch_size": 128,
                 "n_small": 2_000, "wide": (1024, 1024), "overfit_epochs": 100,
                 "sizes": (1_000, 2_000, 4_000, 8_000, 16_000, 55_000), "n_select": 55_000, "k": 5,
                 "n_configs": 10, "select_epochs": 30, "n_trap": 24, "trap_epochs": 10, "n_seeds": 5},
    },
    "ch03": {
        # compare: CNN vs dense on n_train images; sweep: n_sweep training and n_sweep_val validation
        # images, sweep_epochs per trial, one run per seed; joint: top factors, then the winner is
        # retrained on n_train for final_epochs and tested once.
        "quick": {"n_train": 10_000, "epochs": 5, "n_sweep": 3_000, "n_sweep_val": 2_000, "sweep_epochs": 3,
                  "seeds": (0,), "final_epochs": 6,
                  "values": {"filters": [8, 16, 32], "kernel_size": [3, 5], "blocks": [1, 2, 3],
                             "pooling": ["max", "avg", "none"], "dropout": [0.0, 0.25, 0.5],
                             "batch_norm": [False, True], "lr": [3e-4, 1e-3, 3e-3],
                             "batch_size": [32, 128, 512], "optimizer": ["sgd", "momentum", "adam"],
                             "augment": [False, True]}},
        "full": {"n_train": 60_000, "epochs": 15, "n_sweep": 55_000, "n_sweep_val": 5_000, "sweep_epochs": 15,
                 "seeds": (0, 1, 2), "final_epochs": 40,
                 "values": {"filters": [8, 16, 32, 64, 96], "kernel_size": [3, 5, 7], "blocks": [1, 2, 3],
                            "pooling": ["max", "avg", "none"], "dropout": [0.0, 0.25, 0.5],
                            "batch_norm": [False, True], "lr": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
                            "batch_size": [32, 64, 128, 256, 512], "optimizer": ["sgd", "momentum", "adam"],
                            "augment": [False, True]}},
    },
    "ch04": {
        "quick": {"n_train": 5_000, "n_test": 5_000, "vocab": 10_000, "maxlen": 150, "embed": 32,
                  "units": 32, "epochs": 3, "batch_size": 64},
        "full": {"n_train": 25_000, "n_test": 25_000, "vocab": 20_000, "maxlen": 400, "embed": 128,
                 "units": 64, "epochs": 10, "batch_size": 64},
    },
    "ch05": {
        "quick": {"n_train": 20_000, "epochs": 8, "code_sizes": (2, 8, 32), "deep_hidden": (256, 128),
                  "dae_epochs": 5, "noise": {"gaussian": (0.2, 0.4, 0.6), "masking": (0.25, 0.5, 0.75)},
                  "seq_reviews": 6_000, "seq_vocab": 4_000, "seq_maxlen": 30, "seq_units": 128, "seq_epochs": 8},
        "full": {"n_train": 60_000, "epochs": 50, "code_sizes": (2, 8, 32, 64), "deep_hidden": (1000, 500, 250),
                 "dae_epochs": 30, "noise": {"gaussian": (0.2, 0.4, 0.6), "masking": (0.25, 0.5, 0.75)},
                 "seq_reviews": 25_000, "seq_vocab": 10_000, "seq_maxlen": 40, "seq_units": 256, "seq_epochs": 30},
    },
    "ch06": {
        "quick": {"n_train": 30_000, "epochs": 10, "hidden": (512, 256), "big_latent": 16, "batch_size": 128},
        "full": {"n_train": 60_000, "epochs": 60, "hidden": (512, 256), "big_latent": 16, "batch_size": 128},
    },
}


@lru_cache(maxsize=1)
def gpu_names() -> tuple[str, ...]:
    """Names of the visible NVIDIA GPUs (empty when none), without importing a framework."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return ()
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(line.split(":", 1)[1].split("(")[0].strip() for line in out.splitlines() if line.startswith("GPU"))


def current() -> str:
    """The active profile: ``$DL_COURSE_PROFILE`` if set, else ``full`` with a GPU, else ``quick``."""
    value = os.environ.get("DL_COURSE_PROFILE", "").strip().lower()
    if not value:
        return "full" if gpu_names() else "quick"
    if value not in PROFILES:
        raise ValueError(f"DL_COURSE_PROFILE={value!r} is not a profile; expected one of {PROFILES}.")
    return value


def settings(chapter: str, profile: str | None = None) -> dict:
    """The settings of ``chapter`` (e.g. ``"ch01"``) in ``profile`` (default: :func:`current`)."""
    profile = profile or current()
    if chapter not in SETTINGS:
        raise ValueError(f"unknown chapter {chapter!r}; expected one of {sorted(SETTINGS)}.")
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} is not a profile; expected one of {PROFILES}.")
    return dict(SETTINGS[chapter][profile])


def cpu_name() -> str:
    """The CPU model, e.g. 'AMD EPYC 7B13', with the number of cores this process may use."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name} ({n} cores)"
