"""Convolution and pooling in plain NumPy, and the formulas for shapes, parameters and receptive fields (Chapter 3).

Layout is channels-last, as in Keras: images x of shape (N, H, W, C_in), kernels w of shape
(kh, kw, C_in, C_out). Like every deep-learning library, "convolution" here is
cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import check_array, check_choice, check_int

__all__ = ["conv2d", "max_pool2d", "conv_output_size", "same_padding", "conv_params",
           "receptive_field"]


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: floor((n - k) / s) + 1 for 'valid', ceil(n / s) for 'same'."""
    if padding == "valid":
        return (n - kernel) // stride + 1
    if padding == "same":
        return math.ceil(n / stride)
    raise ValueError(f"padding={padding!r} is not known; expected 'valid' or 'same'.")


def same_padding(n: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) zero padding that gives ceil(n / stride) outputs; the extra one goes after (as in Keras)."""
    total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: int = 1,
           padding: str = "valid") -> np.ndarray:
    """2-D convolution: x (N, H, W, C_in), w (kh, kw, C_in, C_out), b (C_out,) -> (N, H', W', C_out).

    y[n, i, j, d] = sum_{u, v, c} x[n, i*s + u, j*s + v, c] * w[u, v, c, d] + b[d], on the padded x.
    """
    x = check_array("x", x, dtype_kind="fiub", finite=True)
    w = check_array("w", w, dtype_kind="fiub", finite=True)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C) and w (kh, kw, C_in, C_out); got {x.shape} and {w.shape}. "
                         "For one grey image add the batch and channel axes: image[None, :, :, None].")
    kh, kw, c_in, c_out = w.shape
    if x.shape[3] != c_in:
        raise ValueError(f"x has {x.shape[3]} channels but w expects {c_in}.")
    check_int("stride", stride)
    check_choice("padding", padding, ("valid", "same"))
    if padding == "valid" and (kh > x.shape[1] or kw > x.shape[2]):
        raise ValueError(f"w's {kh} x {kw} kernel is larger than the {x.shape[1]} x {x.shape[2]} image; "
                         "use padding='same' or a smaller kernel.")
    if b is not None:
        b = check_array("b", b, ndim=1, finite=True)
        if b.shape != (c_out,):
            raise ValueError(f"b must have shape ({c_out},), one bias per output channel; got {b.shape}.")
    if padding == "same":
        (t, bo), (l, r) = same_padding(x.shape[1], kh, stride), same_padding(x.shape[2], kw, stride)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    elif padding != "valid":
        raise ValueError(f"padding={padding!r} is not known; expected 'valid' or 'same'.")
    # windows: (N, H', W', C_in, kh, kw), a view, no copy
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    y = np.einsum("nhwcuv,uvcd->nhwd", windows, w, optimize=True)
    return y if b is None else y + b


def max_pool2d(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Max pooling over size x size windows ('valid'): (N, H, W, C) -> (N, H', W', C)."""
    x = check_array("x", x, ndim=4, dtype_kind="fiub",
                    hint="Pooling takes a batch of feature maps (N, H, W, C).")
    check_int("size", size)
    stride = check_int("stride", stride) if stride is not None else size
    if size > min(x.shape[1], x.shape[2]):
        raise ValueError(f"size={size} is larger than the {x.shape[1]} x {x.shape[2]} feature maps.")
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    return windows.max(axis=(-2, -1))


def conv_params(kh: int, kw: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Parameters of a conv layer: (kh * kw * c_in + 1) * c_out with a bias, kh * kw * c_in * c_out without."""
    return (kh * kw * c_in + int(bias)) * c_out


def receptive_field(layers) -> int:
    """Receptive field (pixels per side) of a stack of (kernel, stride) layers, pooling included.

    r_0 = 1; each layer adds (k - 1) * j, where j, the product of the previous strides, is the
    distance in input pixels between neighbouring units of the layer below.
    """
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r
