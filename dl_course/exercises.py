"""Checkers for the exercises at the end of each chapter.

Each checker takes your answer, compares it with what the package computes, and either returns a
short confirmation (a string, so a notebook cell shows it) or raises :class:`ExerciseError` (an
``AssertionError``) that says what is wrong and what was expected::

    from dl_course import exercises
    exercises.check_layer_gradients(MyLeakyReLU(0.1))       # Exercise 1.1
    exercises.check_receptive_field(answer, [(3, 1), (2, 2)] * 2)   # Exercise 3.2

They are small on purpose: read them to see what "correct" means for each exercise.
"""

from __future__ import annotations

import numpy as np

from . import conv, gradcheck

__all__ = ["ExerciseError", "check_layer_gradients", "check_shape", "check_close",
           "check_mistake_bound", "check_loss_decreases", "check_conv_output", "check_receptive_field",
           "check_param_count", "check_same_predictions", "check_in_range", "check_teacher_forcing"]


class ExerciseError(AssertionError):
    """Your answer does not pass the check; the message says why."""


def _ok(message: str) -> str:
    return "correct: " + message


def check_layer_gradients(layer, x: np.ndarray | None = None, tol: float = 1e-7) -> str:
    """Backprop of ``layer`` (the :class:`dl_course.numpy_nets.Layer` protocol) against finite differences.

    ``x`` is a float64 batch (default: a 5 x 4 standard normal one, away from the kink at 0 of
    piecewise-linear activations; pass your own for a layer that expects another width). Checks that ``forward`` keeps the batch size and that every
    relative error (input and parameters) is below ``tol``.
    """
    if x is None:
        x = np.random.default_rng(0).standard_normal((5, 4))
        x[np.abs(x) < 1e-3] = 0.5                      # finite differences straddling a kink are wrong
    out = layer.forward(x)
    if out.shape[0] != x.shape[0]:
        raise ExerciseError(f"forward changed the batch size: input {x.shape}, output {out.shape}; "
                            "a layer maps each row of the batch to one row of the output.")
    errors = gradcheck.check_layer(layer, x)
    bad = {k: v for k, v in errors.items() if not v < tol}
    if bad:
        worst = max(bad, key=bad.get)
        raise ExerciseError(f"the gradient with respect to {worst!r} disagrees with finite differences "
                            f"(relative error {bad[worst]:.2e}, expected < {tol:g}); check backward's "
                            "formula for it, and that forward stores what backward needs.")
    return _ok(f"gradients match finite differences (largest relative error {max(errors.values()):.1e}).")


def check_shape(name: str, array, expected: tuple) -> str:
    """``array.shape`` equals ``expected``, where ``None`` in ``expected`` matches any size."""
    shape = tuple(np.shape(array))
    if len(shape) != len(expected) or any(e is not None and s != e for s, e in zip(shape, expected)):
        raise ExerciseError(f"{name} has shape {shape}; expected {tuple(expected)} (None: any size).")
    return _ok(f"{name} has shape {shape}.")


def check_close(name: str, value, reference, rtol: float = 1e-2, atol: float = 0.0) -> str:
    """``value`` agrees with ``reference`` to a relative tolerance ``rtol`` (elementwise)."""
    value, reference = np.asarray(value, float), np.asarray(reference, float)
    if value.shape != reference.shape:
        raise ExerciseError(f"{name} has shape {value.shape}; the reference has shape {reference.shape}.")
    if not np.all(np.isfinite(value)):
        raise ExerciseError(f"{name} contains NaN or infinite values: {value}.")
    if not np.allclose(value, reference, rtol=rtol, atol=atol):
        raise ExerciseError(f"{name} = {value} differs from the reference {reference} by more than "
                            f"rtol={rtol:g}, atol={atol:g}.")
    return _ok(f"{name} = {np.array2string(value, precision=4)} agrees with {np.array2string(reference, precision=4)}.")


def check_mistake_bound(updates: int, x: np.ndarray, y: np.ndarray) -> str:
    """A perceptron's number of updates on separable ``(x, y)`` respects Novikoff's bound (R/gamma)^2.

    gamma is the margin, in the augmented space (x, 1), of a (nearly) hard-margin linear SVM: a
    large-margin separator, so the bound is close to the best the theorem gives (the SVM maximises
    the margin of (w, b) measured by ||w||, not by ||(w, b)||). The checker cannot know your run's
    count; it checks that the count is possible.
    """
    from sklearn.svm import SVC

    from . import perceptron
    svm = SVC(kernel="linear", C=1e6).fit(x, y)
    bound = perceptron.mistake_bound(x, y, np.append(svm.coef_[0], svm.intercept_[0]))["bound"]
    if not 0 <= updates <= bound:
        raise ExerciseError(f"{updates} update(s), but Novikoff's bound on this data is {bound:.0f}: "
                            "count one update per misclassified example, over all epochs.")
    return _ok(f"{updates} update(s), within Novikoff's bound of {bound:.0f}.")


def check_loss_decreases(losses, min_drop: float = 0.05) -> str:
    """Per-epoch training losses are finite and the last is at least ``min_drop`` (relative) below the first."""
    losses = np.asarray(losses, float)
    if losses.ndim != 1 or len(losses) < 2:
        raise ExerciseError(f"expected one loss per epoch, at least two; got shape {losses.shape}.")
    if not np.all(np.isfinite(losses)):
        raise ExerciseError(f"the loss became NaN or infinite: {losses}; lower the learning rate.")
    if not losses[-1] <= (1 - min_drop) * losses[0]:
        raise ExerciseError(f"the loss went from {losses[0]:.4f} to {losses[-1]:.4f}, less than a "
                            f"{min_drop:.0%} drop: check the sign of the update (subtract lr * gradient).")
    return _ok(f"the loss fell from {losses[0]:.4f} to {losses[-1]:.4f}.")


def check_conv_output(x: np.ndarray, w: np.ndarray, out: np.ndarray, stride: int = 1,
                      padding: str = "valid") -> str:
    """``out`` is the convolution of ``x`` (N, H, W, C_in) by ``w`` (kh, kw, C_in, C_out): shape and values."""
    n, h, wd, _ = np.shape(x)
    kh, kw, _, c_out = np.shape(w)
    expected = (n, conv.conv_output_size(h, kh, stride, padding), conv.conv_output_size(wd, kw, stride, padding), c_out)
    check_shape("the output", out, expected)
    reference = conv.conv2d(np.asarray(x), np.asarray(w), stride=stride, padding=padding)
    if not np.allclose(out, reference, rtol=1e-4, atol=1e-4):
        raise ExerciseError(f"the output has the right shape {expected} but wrong values (largest "
                            f"difference {np.abs(out - reference).max():.3g}).")
    return _ok(f"output shape {expected} and values match dl_course.conv.conv2d.")


def check_receptive_field(answer: int, layers) -> str:
    """``answer`` is the receptive field of the (kernel, stride) stack ``layers``, pooling included."""
    expected = conv.receptive_field(layers)
    if answer != expected:
        raise ExerciseError(f"receptive field {answer}, expected {expected}: each layer adds "
                            "(kernel - 1) times the product of the strides below it.")
    return _ok(f"a unit sees {expected} x {expected} input pixels.")


def check_param_count(answer: int, kind: str, input_dim: int, units: int, bidirectional: bool = False) -> str:
    """``answer`` is the parameter count of a Keras recurrent layer ``kind`` ('simple', 'lstm', 'gru')."""
    from . import rnn
    expected = rnn.recurrent_params(kind, input_dim, units, bidirectional)
    if answer != expected:
        hint = {"simple": "H(E + H + 1)", "lstm": "4H(E + H + 1)",
                "gru": "3H(E + H + 2): Keras's GRU has two bias vectors (reset_after=True)"}.get(kind, "")
        raise ExerciseError(f"{answer} parameters, expected {expected} for a {kind} layer with E = {input_dim}, "
                            f"H = {units}{' (bidirectional: twice)' if bidirectional else ''}; formula {hint}.")
    return _ok(f"{expected:,} parameters.")


def check_same_predictions(a, b, atol: float = 1e-5, hint: str = "") -> str:
    """Two models' (or one model's, on two inputs) predictions agree to ``atol``; ``hint`` is added to a failure."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        raise ExerciseError(f"the predictions have shapes {a.shape} and {b.shape}.")
    diff = float(np.abs(a - b).max())
    if diff > atol:
        raise ExerciseError(f"the predictions differ by up to {diff:.3g} (tolerance {atol:g}).{' ' + hint if hint else ''}")
    return _ok(f"the predictions agree (largest difference {diff:.1e}).")


def check_in_range(name: str, values, low: float, high: float) -> str:
    """Every element of ``values`` is finite and within [low, high]."""
    values = np.asarray(values, float)
    if values.size == 0:
        raise ExerciseError(f"{name} is empty.")
    if not np.all(np.isfinite(values)):
        raise ExerciseError(f"{name} contains NaN or infinite values.")
    lo, hi = float(values.min()), float(values.max())
    if lo < low or hi > high:
        raise ExerciseError(f"{name} spans [{lo:.4g}, {hi:.4g}], outside [{low:g}, {high:g}]: clip the values.")
    return _ok(f"{name} lies in [{lo:.4g}, {hi:.4g}], within [{low:g}, {high:g}].")


def check_teacher_forcing(decoder_inputs: np.ndarray, targets: np.ndarray, start_id: int) -> str:
    """``decoder_inputs`` is ``targets`` (N, T) shifted right by one step, with ``start_id`` first."""
    check_shape("the decoder inputs", decoder_inputs, np.shape(targets))
    if not (np.all(decoder_inputs[:, 0] == start_id) and np.array_equal(decoder_inputs[:, 1:], targets[:, :-1])):
        raise ExerciseError("the decoder input at step t must be the target at step t - 1, "
                            f"and the start token {start_id} at step 0.")
    return _ok("the decoder inputs are the targets shifted right, after the start token.")
