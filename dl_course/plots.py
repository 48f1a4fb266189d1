"""Figures used across chapters (matplotlib). Each function returns the Figure it draws."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["decision_boundaries", "learning_curves", "confusion_matrix", "image_grid", "weight_images",
           "compare_curves", "learning_curve"]


def decision_boundaries(x, y, weights, labels=None, ax=None):
    """2-D points coloured by their -1/+1 label, with the line w0 x1 + w1 x2 + w2 = 0 for each
    augmented weight vector in ``weights`` (e.g. the perceptron's weights after some epochs)."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5, 4.5))
    ax.scatter(*x[y < 0].T, s=12, marker="o", c="tab:blue", label="y = -1")
    ax.scatter(*x[y > 0].T, s=12, marker="s", c="tab:orange", label="y = +1")
    xs = np.linspace(x[:, 0].min() - 0.5, x[:, 0].max() + 0.5, 2)
    colours = plt.cm.Greys(np.linspace(0.35, 1.0, len(weights)))
    for i, w in enumerate(weights):
        lab = labels[i] if labels is not None else None
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + w[2]) / w[1], color=colours[i], lw=1.5, label=lab)
        elif abs(w[0]) > 1e-12:
            ax.axvline(-w[2] / w[0], color=colours[i], lw=1.5, label=lab)
    ax.set_xlim(xs[0], xs[1])
    ax.set_ylim(x[:, 1].min() - 0.5, x[:, 1].max() + 0.5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(fontsize=8, loc="best")
    return fig


def learning_curves(history: dict, metrics=("loss", "accuracy"), title: str | None = None):
    """One panel per metric, training (``m``) and validation (``val_m``) against epoch."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, m in zip(axes[0], metrics):
        epochs = np.arange(1, len(history[m]) + 1)
        ax.plot(epochs, history[m], "o-", label="training")
        if history.get(f"val_{m}"):
            ax.plot(epochs, history[f"val_{m}"], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, display_labels=None, normalize=None):
    """The confusion matrix (rows: true class, columns: predicted class) as a heat map with counts."""
    from sklearn.metrics import ConfusionMatrixDisplay
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, display_labels=display_labels,
                                            normalize=normalize, ax=ax, colorbar=False,
                                            cmap="Blues", values_format=None if normalize else "d")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def image_grid(images, titles=None, ncols: int = 8, cmap="gray", size: float = 1.3, symmetric=False):
    """A grid of images: an array (N, H, W) or a list of 2-D arrays (sizes may differ).

    ``symmetric=True`` centres the colour map on 0 (for weights).
    """
    images = [np.asarray(im) for im in images]
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.25 if titles else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        kw = {}
        if symmetric:
            m = np.abs(images[i]).max() or 1.0
            kw = {"vmin": -m, "vmax": m}
        ax.imshow(images[i], cmap=cmap, **kw)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def weight_images(W, n: int = 32, shape=(28, 28), ncols: int = 8):
    """The first ``n`` columns of a first-layer weight matrix W (D, H), each shown as an image."""
    W = np.asarray(W)
    return image_grid(W[:, :n].T.reshape(-1, *shape), ncols=ncols, cmap="RdBu_r", symmetric=True)


def compare_curves(histories: dict, metric: str = "loss", validation: bool = True, ax=None):
    """Overlay ``metric`` (solid: training, dashed: validation) of several histories, one colour each."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 4))
    for i, (name, h) in enumerate(histories.items()):
        c = f"C{i}"
        epochs = np.arange(1, len(h[metric]) + 1)
        ax.plot(epochs, h[metric], "-", color=c, label=f"{name} (training)")
        if validation and h.get(f"val_{metric}"):
            ax.plot(epochs, h[f"val_{metric}"], "--", color=c, label=f"{name} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def learning_curve(sizes, train_scores, val_scores, ylabel: str = "accuracy", ax=None):
    """Training and validation score against training-set size (log-scaled x axis)."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 3.8))
    ax.plot(sizes, train_scores, "o-", label="training")
    ax.plot(sizes, val_scores, "s-", label="validation")
    ax.set_xscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
