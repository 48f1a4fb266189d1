"""Rosenblatt's perceptron, its learning rule and Novikoff's mistake bound (Chapter 1).

Labels are -1/+1. The bias is folded into the weights by appending a constant 1 to every input
("augmented" inputs), so the model is ``sign(w . [x, 1])`` with w of shape (D + 1,).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import check_array, check_int, check_number, check_rng, check_same_length

__all__ = ["Perceptron", "augment", "mistake_bound", "make_separable_blobs", "make_xor"]


def augment(x: np.ndarray) -> np.ndarray:
    """(N, D) -> (N, D + 1): append a column of ones so the bias becomes the last weight."""
    return np.hstack([x, np.ones((len(x), 1), x.dtype)])


@dataclass
class Perceptron:
    """The perceptron learning rule: for each misclassified example (y w.x <= 0), w <- w + lr y x.

    After ``fit``: ``w`` (D + 1,) is the augmented weight vector, ``history`` the weights after each
    epoch, ``mistakes`` the number of updates in each epoch, ``converged`` whether an epoch ran
    without a mistake.
    """

    lr: float = 1.0
    max_epochs: int = 100
    w: np.ndarray | None = None
    history: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    converged: bool = False

    def fit(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator | None = None):
        """x: (N, D) floats; y: (N,) in {-1, +1}. Visits examples in a random order per epoch if rng is given."""
        x = check_array("x", x, ndim=2, dtype_kind="fiub", finite=True).astype(np.float64)
        y = check_array("y", y, ndim=1, hint="The perceptron's labels are -1 and +1, one per row of x.")
        check_same_length("x", x, "y", y)
        check_number("lr", self.lr, low=0, low_open=True)
        check_int("max_epochs", self.max_epochs)
        if rng is not None:
            check_rng("rng", rng)
        if not np.isin(y, (-1, 1)).all():
            raise ValueError(f"y must contain only -1 and +1; got values {np.unique(y)[:10]}.")
        xa = augment(x)
        self.w = np.zeros(xa.shape[1])
        self.history, self.mistakes, self.converged = [], [], False
        for _ in range(self.max_epochs):
            order = rng.permutation(len(xa)) if rng is not None else range(len(xa))
            n_mistakes = 0
            # The rule is sequential by nature: each update changes the next prediction.
            for i in order:
                if y[i] * (xa[i] @ self.w) <= 0:
                    self.w += self.lr * y[i] * xa[i]
                    n_mistakes += 1
            self.history.append(self.w.copy())
            self.mistakes.append(n_mistakes)
            if n_mistakes == 0:
                self.converged = True
                break
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return augment(np.asarray(x, np.float64)) @ self.w

    def predict(self, x: np.ndarray) -> np.ndarray:
        """+1 or -1 for each row of x (N, D); points on the boundary count as -1."""
        return np.where(self.decision_function(x) > 0, 1, -1)


def mistake_bound(x: np.ndarray, y: np.ndarray, u: np.ndarray) -> dict:
    """Novikoff's bound (R / gamma)^2 on the perceptron's total number of updates.

    u (D + 1,) is any augmented separator of (x, y); R = max ||[x, 1]||, gamma = min y u.[x, 1] / ||u||.
    Returns R, gamma and the bound; raises ValueError if u does not separate the data.
    """
    xa = augment(np.asarray(x, np.float64))
    margins = y * (xa @ u) / np.linalg.norm(u)
    gamma = float(margins.min())
    if gamma <= 0:
        raise ValueError(f"u does not separate the data (smallest margin {gamma:.3g}); the bound needs gamma > 0.")
    R = float(np.linalg.norm(xa, axis=1).max())
    return {"R": R, "gamma": gamma, "bound": (R / gamma) ** 2}


def make_separable_blobs(n: int, rng: np.random.Generator, gap: float = 0.5):
    """n points in 2-D, two Gaussian blobs labelled -1/+1 that a line separates with margin >= gap/2.

    Points closer than gap/2 to the true boundary x1 + x2 = 1 are redrawn. Returns (x (n, 2), y (n,)).
    """
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        label = rng.choice([-1, 1], size=n)
        pts = rng.normal(size=(n, 2)) * 0.7 + np.outer(label, [1.0, 1.0]) + 0.5
        dist = (pts.sum(axis=1) - 1) / np.sqrt(2)      # signed distance to x1 + x2 = 1
        keep = dist * label >= gap / 2
        xs.append(pts[keep])
        ys.append(label[keep])
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def make_xor(n_per_corner: int, rng: np.random.Generator, noise: float = 0.15):
    """XOR: points around the four corners of the unit square, +1 where exactly one coordinate is 1."""
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    labels = np.array([-1, 1, 1, -1])
    x = np.repeat(corners, n_per_corner, axis=0) + rng.normal(scale=noise, size=(4 * n_per_corner, 2))
    return x, np.repeat(labels, n_per_corner)
