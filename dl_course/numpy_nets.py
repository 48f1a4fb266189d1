"""A feed-forward network in plain NumPy, with hand-written backprop (Chapter 1).

Shapes: a batch of inputs is ``x`` of shape (B, D) (B examples, D features); a layer maps
(B, n_in) -> (B, n_out). Every layer has ``forward(x)`` and ``backward(dout)``: ``backward`` takes
dL/d(output), of the output's shape, stores the gradients of its parameters in ``self.grads``
(same keys as ``self.params``) and returns dL/d(input). Everything is vectorised over the batch;
the default dtype is float32, and float64 is used for gradient checks.
"""

from __future__ import annotations

import time

import numpy as np

from ._checks import check_array, check_int, check_labels, check_number, check_rng, check_same_length

__all__ = [
    "Layer", "Dense", "ReLU", "Sigmoid", "Tanh", "Sequential", "softmax",
    "softmax_cross_entropy", "SGD", "Adam", "make_mlp", "fit", "predict_logits",
    "accuracy", "iterate_minibatches", "activation_stds",
]


class Layer:
    """Base class: a layer without parameters."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Affine layer ``y = x @ W + b``; W has shape (n_in, n_out), b has shape (n_out,).

    ``init="he"`` draws W ~ N(0, 2/n_in) (for ReLU nets), ``"glorot"`` draws W ~ N(0, 2/(n_in+n_out))
    (for tanh/sigmoid nets); b starts at zero.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator, init: str = "he",
                 dtype=np.float32):
        super().__init__()
        if init not in ("he", "glorot"):
            raise ValueError(f"init={init!r} is not known; expected 'he' or 'glorot'.")
        if n_in < 1 or n_out < 1:
            raise ValueError(f"Dense needs n_in >= 1 and n_out >= 1; got n_in={n_in}, n_out={n_out}.")
        std = np.sqrt(2.0 / n_in) if init == "he" else np.sqrt(2.0 / (n_in + n_out))
        self.params = {
            "W": (rng.standard_normal((n_in, n_out)) * std).astype(dtype),
            "b": np.zeros(n_out, dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        self.x = x                                   # (B, n_in), kept for backward
        out = x @ self.params["W"]
        out += self.params["b"]                      # in place: no second (B, n_out) temporary
        return out

    def backward(self, dout):                        # dout: (B, n_out)
        self.param_gradients(dout)                   # dL/dW and dL/db
        return dout @ self.params["W"].T             # dL/dx: (B, n_in)

    def param_gradients(self, dout) -> None:
        """dL/dW and dL/db into ``self.grads``, without dL/dx: all a first layer needs (its input is data)."""
        self.grads["W"] = self.x.T @ dout            # (n_in, n_out)
        self.grads["b"] = dout.sum(axis=0)           # (n_out,)

    def __repr__(self):
        n_in, n_out = self.params["W"].shape
        return f"Dense({n_in}, {n_out})"


class ReLU(Layer):
    """max(0, x), elementwise. Its derivative at 0 is taken as 0."""

    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask


class Sigmoid(Layer):
    """1 / (1 + exp(-x)), elementwise; derivative y (1 - y)."""

    def forward(self, x):
        # exp of a negative number only, so no overflow for large |x|
        e = np.exp(-np.abs(x))
        self.y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return self.y

    def backward(self, dout):
        return dout * self.y * (1 - self.y)


class Tanh(Layer):
    """tanh(x), elementwise; derivative 1 - y^2."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        return dout * (1 - self.y ** 2)


class Sequential(Layer):
    """Layers applied in order; ``backward`` runs them in reverse (the chain rule)."""

    def __init__(self, *layers: Layer):
        super().__init__()
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def backward_parameters(self, dout) -> None:
        """``backward`` without dL/d(input) when the first layer is Dense: training needs only the parameter gradients."""
        first, rest = self.layers[0], self.layers[1:]
        if not isinstance(first, Dense):
            self.backward(dout)
            return
        for layer in reversed(rest):
            dout = layer.backward(dout)
        first.param_gradients(dout)

    def parameters(self):
        """(layer, name) pairs of every parameter, in order; ``layer.params[name]`` is the array."""
        return [(layer, name) for layer in self.layers for name in layer.params]

    def n_parameters(self) -> int:
        return sum(layer.params[name].size for layer, name in self.parameters())

    def __repr__(self):
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"


def make_mlp(sizes, *, rng: np.random.Generator, activation=ReLU, dtype=np.float32) -> Sequential:
    """A multi-layer perceptron with layer widths ``sizes`` = (D, h1, ..., K).

    Dense layers alternate with ``activation`` (a Layer class); the last layer outputs K logits.
    ReLU nets get He initialisation, other activations Glorot.
    """
    if isinstance(sizes, (int, np.integer)) or not all(isinstance(s, (int, np.integer)) for s in sizes):
        raise TypeError(f"sizes must be a sequence of integer widths (D, h1, ..., K); got {sizes!r}.")
    sizes = tuple(check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes))
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output widths, got {sizes}.")
    check_rng("rng", rng)
    if not (isinstance(activation, type) and issubclass(activation, Layer)):
        raise TypeError(f"activation must be a Layer class such as ReLU or Tanh (the class, not an instance "
                        f"or a string); got {activation!r}.")
    init = "he" if activation is ReLU else "glorot"
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, rng=rng, init=init, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(activation())
    return Sequential(*layers)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits z (B, K); subtracting the row max keeps exp from overflowing."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    logits: (B, K); y: (B,) ints in [0, K). Returns ``(loss, dlogits)`` with loss a float (nats per
    example) and dlogits = (softmax(logits) - onehot(y)) / B, of shape (B, K).
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (B, K); got shape {logits.shape}.")
    if y.shape != (logits.shape[0],):
        raise ValueError(f"y must have shape ({logits.shape[0]},) to match logits; got {y.shape}.")
    B, K = logits.shape
    if B and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"labels y must lie in [0, {K}); got values from {y.min()} to {y.max()}.")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(B)
    loss = -log_probs[rows, y].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, y] -= 1
    return float(loss), dlogits / B


class SGD:
    """Mini-batch SGD with optional (heavy-ball) momentum and L2 weight decay on matrices.

    v <- momentum * v + (g + weight_decay * W);  W <- W - lr * v.  Biases are not decayed.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0):
        if lr <= 0:
            raise ValueError(f"lr must be > 0, got {lr}.")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}.")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.state: dict = {}

    def step(self, model: Sequential):
        for layer, name in model.parameters():
            p, g = layer.params[name], layer.grads[name]
            if self.weight_decay and p.ndim > 1:
                g = g + self.weight_decay * p
            if self.momentum:
                key = (id(layer), name)
                if key not in self.state:
                    self.state[key] = np.zeros_like(p)
                v = self.state[key]
                v *= self.momentum
                v += g
                g = v
            p -= self.lr * g


class Adam:
    """Adam (Kingma and Ba 2015) with bias correction and optional L2 weight decay on matrices."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        if lr <= 0:
            raise ValueError(f"lr must be > 0, got {lr}.")
        self.lr, self.beta1, self.beta2, self.eps, self.weight_decay = lr, beta1, beta2, eps, weight_decay
        self.t = 0
        self.state: dict = {}

    def step(self, model: Sequential):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # bias correction folded into lr; a Python float, so float32 parameters stay float32 (NEP 50)
        lr_t = float(self.lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        # The state holds M = m / (1 - b1) and V = v / (1 - b2), which update in fewer passes over
        # memory (M <- b1 M + g, V <- b2 V + g^2); then lr_t m / (sqrt(v) + eps) =
        # lr_s M / (sqrt(V) + eps_s) with the two constants below. Same steps, 10 array passes instead of 12.
        lr_s = lr_t * (1 - b1) / float(np.sqrt(1 - b2))
        eps_s = self.eps / float(np.sqrt(1 - b2))
        for layer, name in model.parameters():
            p, g = layer.params[name], layer.grads[name]
            if self.weight_decay and p.ndim > 1:
                g = g + self.weight_decay * p
            key = (id(layer), name)
            if key not in self.state:      # M, V and a scratch buffer, allocated once
                self.state[key] = (np.zeros_like(p), np.zeros_like(p), np.empty_like(p))
            m, v, tmp = self.state[key]
            m *= b1
            m += g
            np.multiply(g, g, out=tmp)
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)            # p <- p - lr_s M / (sqrt(V) + eps_s), in place
            tmp += eps_s
            np.divide(m, tmp, out=tmp)
            tmp *= lr_s
            p -= tmp


def activation_stds(model: Sequential, x: np.ndarray) -> list[float]:
    """Standard deviation of the output of every activation layer for inputs x: a check on initialisation."""
    stds = []
    for layer in model.layers:
        x = layer.forward(x)
        if not layer.params:
            stds.append(float(x.std()))
    return stds


def iterate_minibatches(n: int, batch_size: int, rng: np.random.Generator | None):
    """Index arrays of consecutive mini-batches over a permutation of range(n) (no shuffle if rng is None)."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def predict_logits(model: Layer, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Logits (N, K) for inputs x (N, D), computed in batches to bound memory."""
    x = _check_x(x, "x", model)
    check_int("batch_size", batch_size)
    return np.concatenate([model.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose arg-max logit equals the label."""
    logits = check_array("logits", logits, ndim=2, dtype_kind="fiu")
    y = check_labels("y", y, n_classes=logits.shape[1])
    check_same_length("logits", logits, "y", y)
    return float((logits.argmax(axis=1) == y).mean())


def _widths(model) -> tuple[int | None, int | None]:
    """(input width D, output width K) of a model's first and last Dense layers; None if unknown."""
    dense = [l for l in getattr(model, "layers", [model]) if "W" in getattr(l, "params", {})]
    return (dense[0].params["W"].shape[0], dense[-1].params["W"].shape[1]) if dense else (None, None)


def _check_x(x, name: str, model, finite: bool = True) -> np.ndarray:
    """x must be (N, D) real numbers, D the model's input width."""
    x = check_array(name, x, dtype_kind="fiu", nonempty=True)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D); got shape {x.shape}. Flatten images first "
                         "(dl_course.data.scale_images(x, flatten=True)).")
    if finite:
        check_array(name, x, finite=True)
    d, _ = _widths(model)
    if d is not None and x.shape[1] != d:
        raise ValueError(f"{name} has {x.shape[1]} features per row but the model's first layer expects {d}; "
                         f"build the model with make_mlp(({x.shape[1]}, ...)).")
    return x


def _check_xy(x, y, model, name="x", finite: bool = True):
    """Entry checks of :func:`fit`: x (N, D) as the model expects, y (N,) integer labels below K."""
    x = _check_x(x, name, model, finite)
    _, k = _widths(model)
    label_name = "y" if name == "x" else f"{name.split()[0]} labels"
    y = check_labels(label_name, y, n_classes=k if k is not None else int(np.max(y)) + 1)
    check_same_length(name, x, label_name, y)
    return x, y


def fit(model: Sequential, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int,
        optimizer, rng: np.random.Generator, validation_data=None, lr_decay: float = 1.0,
        verbose: bool = False) -> dict:
    """Train ``model`` with softmax cross-entropy by mini-batch gradient descent.

    x: (N, D) float, y: (N,) int labels. Each epoch visits the examples in a fresh random order
    drawn from ``rng``. Returns the history: per epoch ``loss`` and ``accuracy`` (running means
    over the epoch's batches), ``val_loss`` and ``val_accuracy`` (if ``validation_data=(xv, yv)``)
    and ``seconds`` (training time of the epoch, evaluation excluded). After each epoch the
    optimizer's learning rate is multiplied by ``lr_decay`` (1.0: constant).
    Raises FloatingPointError if the loss becomes NaN or infinite.
    """
    # NaN/inf in x are caught by the loss guard below, which names the rows
    x, y = _check_xy(x, y, model, finite=False)
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a pair (x_val, y_val).")
        validation_data = _check_xy(*validation_data, model, name="validation x")
    check_int("epochs", epochs, minimum=0)
    check_int("batch_size", batch_size)
    check_rng("rng", rng)
    check_number("lr_decay", lr_decay, low=0, low_open=True)
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "lr")):
        raise TypeError(f"optimizer must be an optimizer object such as SGD(0.1) or Adam(1e-3); got {optimizer!r}.")
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "seconds": []}
    for epoch in range(epochs):
        t0 = time.perf_counter()
        total_loss, correct = 0.0, 0
        for idx in iterate_minibatches(len(x), batch_size, rng):
            xb, yb = x[idx], y[idx]
            logits = model.forward(xb)
            loss, dlogits = softmax_cross_entropy(logits, yb)
            if not np.isfinite(loss):
                bad = np.flatnonzero(~np.isfinite(xb).all(axis=1))
                cause = (f"x has NaN or infinite values (rows {idx[bad][:5].tolist()}): clean them"
                         if len(bad) else f"lower the learning rate (now {optimizer.lr})")
                raise FloatingPointError(f"loss became {loss} in epoch {epoch + 1}; {cause}.")
            dlogits = dlogits.astype(logits.dtype, copy=False)
            if isinstance(model, Sequential):
                model.backward_parameters(dlogits)     # no gradient for the input batch
            else:
                model.backward(dlogits)
            optimizer.step(model)
            total_loss += loss * len(idx)
            correct += int((logits.argmax(axis=1) == yb).sum())
        history["seconds"].append(time.perf_counter() - t0)
        optimizer.lr *= lr_decay
        history["loss"].append(total_loss / len(x))
        history["accuracy"].append(correct / len(x))
        if validation_data is not None:
            xv, yv = validation_data
            logits = predict_logits(model, xv)
            history["val_loss"].append(softmax_cross_entropy(logits, yv)[0])
            history["val_accuracy"].append(accuracy(logits, yv))
        if verbose:
            line = f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}"
            if validation_data is not None:
                line += f", val_accuracy {history['val_accuracy'][-1]:.4f}"
            print(line)
    if validation_data is None:
        del history["val_loss"], history["val_accuracy"]
    return history
