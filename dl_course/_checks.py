"""Argument checks for the public functions of dl_course: clear messages for likely mistakes.

Each helper raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError`` (wrong shape,
value or option) with a message that names the argument, says what it got and what is expected,
and, where there is one, how to fix it. They return the argument (as an array for the array
checks) so that a function can check and convert in one line. They are cheap: one pass over the
data at most, and only at the entry of a function, never inside a training loop.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_array", "check_labels", "check_same_length", "check_choice", "check_int",
           "check_number", "check_rng"]

_KIND_NAMES = {"f": "floating-point", "i": "signed integer", "u": "unsigned integer", "b": "boolean",
               "c": "complex", "U": "string", "O": "object"}


def _kinds(dtype_kind: str) -> str:
    return " or ".join(_KIND_NAMES.get(k, k) for k in dtype_kind)


def check_array(name: str, x, *, ndim=None, dtype_kind: str | None = None, finite: bool = False,
                nonempty: bool = True, hint: str = "") -> np.ndarray:
    """``np.asarray(x)`` after checking it: number of dimensions, dtype kind, finiteness, emptiness.

    ``ndim`` is an int or a tuple of allowed ints; ``dtype_kind`` a string of NumPy kind codes
    ("f" float, "i" signed int, "u" unsigned int, "b" bool, e.g. ``"fiu"`` for any real number);
    ``finite`` rejects NaN and infinities; ``nonempty`` rejects zero rows. ``hint`` is appended
    to the message: how to fix the mistake.
    """
    hint = f" {hint}" if hint else ""
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array; got {type(x).__name__}.{hint}")
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as err:      # ragged nested lists
        raise TypeError(f"{name} must be a rectangular array; np.asarray failed ({err}).{hint}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be a {want} array; got a {a.ndim}-D array of shape {a.shape}.{hint}")
    if dtype_kind is not None and a.dtype.kind not in dtype_kind:
        raise TypeError(f"{name} must have a {_kinds(dtype_kind)} dtype; got dtype {a.dtype}.{hint}")
    if nonempty and (a.size == 0 or (a.ndim and len(a) == 0)):
        raise ValueError(f"{name} is empty (shape {a.shape}); it needs at least one example.{hint}")
    if finite and a.dtype.kind in "fc":
        bad = ~np.isfinite(a)
        if bad.any():
            where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:3]]
            raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite values (first at index "
                             f"{', '.join(map(str, where))}); clean or impute them first.{hint}")
    return a


def check_labels(name: str, y, n_classes: int) -> np.ndarray:
    """Integer class labels: a 1-D array of ints in [0, n_classes). Returns it as an array."""
    a = np.asarray(y) if y is not None else y
    if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == n_classes and n_classes > 1:
        raise ValueError(f"{name} looks one-hot encoded (shape {a.shape}); expected integer labels of "
                         f"shape (N,). Convert with {name}.argmax(axis=1).")
    a = check_array(name, y, ndim=1, hint="Labels are one integer class index per example, shape (N,).")
    if a.dtype.kind not in "iu":
        if a.dtype.kind == "f" and np.isfinite(a).all() and (a == np.round(a)).all():
            hint = f"Convert with {name}.astype(int)."
        else:
            hint = "Labels are class indices 0, 1, ..., not scores or probabilities."
        raise TypeError(f"{name} must hold integer class labels; got dtype {a.dtype}. {hint}")
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"{name} has labels from {lo} to {hi}; expected integers in [0, {n_classes}) "
                         f"for {n_classes} classes. Map the labels to 0..{n_classes - 1} or change the number "
                         "of classes (outputs) of the model.")
    return a


def check_same_length(name_a: str, a, name_b: str, b) -> None:
    """``len(a) == len(b)``: one label (or target) per example."""
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} examples but {name_b} has {len(b)}; they must match, one "
                         f"row of {name_a} per entry of {name_b}.")


def check_choice(name: str, value, options):
    """``value`` must be one of ``options``; returns it."""
    options = tuple(options)
    try:
        ok = value in options
    except TypeError:            # unhashable value against a dict's keys
        ok = False
    if not ok:
        raise ValueError(f"{name}={value!r} is not known; expected one of {sorted(map(str, options))}.")
    return value


def check_int(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """An integer (bools refused) in [minimum, maximum]; returns it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__}).")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        rng = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {rng}; got {value}.")
    return value


def check_number(name: str, value, *, low=None, high=None, low_open: bool = False,
                 high_open: bool = False) -> float:
    """A finite real number within the given bounds (open or closed); returns it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__}).")
    v = float(value)
    too_low = low is not None and (v <= low if low_open else v < low)
    too_high = high is not None and (v >= high if high_open else v > high)
    if not np.isfinite(v) or too_low or too_high:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}; got {value!r}.")
    return v


def check_rng(name: str, rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` (not a seed, not the legacy ``np.random`` module)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator; got {type(rng).__name__}. "
                        f"Pass {name}=np.random.default_rng(seed).")
    return rng
