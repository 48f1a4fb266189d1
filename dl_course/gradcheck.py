"""Check hand-written gradients against central finite differences.

For a layer with output y = f(x; params), take the scalar L = sum(R * y) for a fixed random R, so
that dL/dy = R; then backprop gives dL/dx and dL/dparams, and each is compared with
(L(v + eps) - L(v - eps)) / (2 eps), one element at a time. Use float64 layers: in float32 the
differences drown in rounding error.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_array, check_number

__all__ = ["numerical_gradient", "relative_error", "check_layer", "check_loss"]


def numerical_gradient(f, v: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to the array ``v``.

    ``v`` is perturbed in place, one element at a time, and restored; ``f`` must read it.
    """
    grad = np.zeros_like(v, dtype=np.float64)
    flat, gflat = v.reshape(-1), grad.reshape(-1)   # views: writing to flat writes to v
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_layer(layer, x: np.ndarray, rng: np.random.Generator | None = None, eps: float = 1e-6) -> dict:
    """Relative errors between backprop and finite differences for a layer's input and parameters.

    ``layer`` follows the :class:`dl_course.numpy_nets.Layer` protocol (forward, backward, params,
    grads); x is a float64 batch. Returns ``{"x": err, "<param>": err, ...}``; for a Sequential the
    keys are ``"<i>.<param>"`` with i the index of the layer. Errors below ~1e-7 mean the gradient is right.
    """
    x = check_array("x", x, finite=True)
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for a gradient check; got {x.dtype}. In float32 the differences "
                        "drown in rounding error: build the layer with dtype=np.float64 and pass x.astype(np.float64).")
    check_number("eps", eps, low=0, low_open=True)
    for sublayer in getattr(layer, "layers", [layer]):
        for name, p in getattr(sublayer, "params", {}).items():
            if p.dtype != np.float64:
                raise TypeError(f"parameter {name!r} of {sublayer!r} is {p.dtype}; a gradient check needs float64 "
                                "parameters (make_mlp(..., dtype=np.float64)).")
    rng = rng or np.random.default_rng(0)
    R = rng.standard_normal(layer.forward(x).shape)
    loss = lambda: float(np.sum(R * layer.forward(x)))

    layer.forward(x)
    dx = layer.backward(R)
    sub = getattr(layer, "layers", [layer])
    analytic = {"x": dx}
    params = {"x": x}
    for i, lyr in enumerate(sub):
        for name in lyr.params:
            key = name if len(sub) == 1 else f"{i}.{name}"
            analytic[key] = lyr.grads[name].copy()
            params[key] = lyr.params[name]
    return {k: relative_error(analytic[k], numerical_gradient(loss, params[k], eps)) for k in analytic}


def check_loss(loss_fn, logits: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> float:
    """Relative error of the gradient returned by ``loss_fn(logits, y) -> (loss, dlogits)``."""
    logits = check_array("logits", logits, ndim=2, finite=True)
    if logits.dtype != np.float64:
        raise TypeError(f"logits must be float64 for a gradient check; got {logits.dtype}.")
    check_number("eps", eps, low=0, low_open=True)
    _, analytic = loss_fn(logits, y)
    numeric = numerical_gradient(lambda: loss_fn(logits, y)[0], logits, eps)
    return relative_error(analytic, numeric)
