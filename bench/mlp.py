"""Benchmarks 1 and 2: the NumPy network of Chapter 1 against scikit-learn, and against the hardware.

1. ``dl_course.numpy_nets`` and ``sklearn.neural_network.MLPClassifier`` train the same network
   (Chapter 1's quick-profile architecture, ReLU, softmax output), from the same initial weights,
   with the same optimiser (Adam, beta1 0.9, beta2 0.999, eps 1e-8), learning rate, batch size,
   number of epochs and training images, without weight decay (sklearn ``alpha=0``) and without
   early stopping, shuffling every epoch. Both run in float32: sklearn computes in the input's
   dtype, and the inputs are float32. The chapter decays the learning rate by a factor per epoch;
   MLPClassifier's Adam has no schedule option, so its optimizer's rate is decayed by hand between
   ``partial_fit`` epochs. Test accuracy is the mean over three seeds (initial weights and order).
2. The FLOPs of a training epoch are counted from the layer shapes: per example, 2 n_in n_out for
   each layer's forward matrix product, 2 n_in n_out for dL/dW, and 2 n_in n_out for dL/dx of every
   layer but the first (the input needs no gradient). The achieved rate (FLOPs over the measured
   seconds of training) is divided by the rate of ``np.matmul`` alone on the same shapes and dtype.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from dl_course import data, numpy_nets as nn, profiles

from .common import alternate, goal, median, timed

__all__ = ["settings", "run"]


def settings(fast: bool = False) -> dict:
    """Chapter 1's quick-profile settings; ``fast`` shrinks the data and epochs for a smoke test."""
    cfg = profiles.settings("ch01", "quick")
    cfg = {k: cfg[k] for k in ("n_train", "epochs", "hidden", "batch_size", "lr", "lr_decay")}
    cfg["sizes"] = (784, *cfg.pop("hidden"), 10)
    cfg["n_test"] = 10_000
    cfg["seeds"] = (0, 1, 2)        # accuracy differences between seeds are ~0.2 points: average over three
    if fast:
        cfg.update(n_train=1_000, n_test=500, epochs=2, seeds=(0,))
    return cfg


def load(cfg: dict):
    """Chapter 1's training images (after its 5,000-image validation hold-out) and the test images, (N, 784) float32."""
    (x_all, y_all), (x_test, y_test) = data.load_mnist()
    x_tr, _, y_tr, _ = data.train_val_split(data.scale_images(x_all, flatten=True), y_all, n_val=5000, seed=0)
    n, m = cfg["n_train"], cfg["n_test"]
    return (x_tr[:n], y_tr[:n].astype(np.int64)), (data.scale_images(x_test, flatten=True)[:m], y_test[:m].astype(np.int64))


def initial_weights(sizes, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) of each layer of ``make_mlp(sizes)``: He-normal W, zero b, float32."""
    model = nn.make_mlp(sizes, rng=np.random.default_rng(seed))
    return [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in model.layers if "W" in layer.params]


def ours(cfg: dict, weights, x, y, seed: int = 0):
    """A ``numpy_nets`` MLP starting from ``weights``, and a function that trains it one epoch on (x, y).

    The optimizer and the shuffling generator persist between calls, so successive calls are the
    epochs of one training run.
    """
    model = nn.make_mlp(cfg["sizes"], rng=np.random.default_rng(0))
    dense = [layer for layer in model.layers if "W" in layer.params]
    for layer, (W, b) in zip(dense, weights):
        layer.params["W"], layer.params["b"] = W.copy(), b.copy()
    opt, rng = nn.Adam(lr=cfg["lr"]), np.random.default_rng(1000 + seed)

    def epoch():
        nn.fit(model, x, y, epochs=1, batch_size=cfg["batch_size"], optimizer=opt, rng=rng, lr_decay=cfg["lr_decay"])
    return model, epoch


def sklearn_mlp(cfg: dict, weights, x, y, seed: int = 0):
    """``MLPClassifier`` with the same settings, starting from ``weights``, and a function that trains it one epoch.

    ``partial_fit`` trains one epoch (a fresh shuffle each call, as the RandomState instance
    advances) and keeps its Adam state between calls. The network is built by a ``partial_fit``
    on one batch; its weights are then replaced by ``weights`` and that call's optimizer is
    dropped, so training starts from ``weights`` with a fresh Adam state, like ours. After each
    epoch the learning rate of sklearn's Adam (``_optimizer.learning_rate_init``, which it
    bias-corrects at every step as ours does) is multiplied by ``lr_decay``, Chapter 1's schedule.
    """
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=cfg["sizes"][1:-1], activation="relu", solver="adam",
                        alpha=0.0, batch_size=cfg["batch_size"], learning_rate_init=cfg["lr"],
                        beta_1=0.9, beta_2=0.999, epsilon=1e-8, max_iter=cfg["epochs"], shuffle=True,
                        early_stopping=False, tol=0.0, n_iter_no_change=cfg["epochs"] + 1,
                        random_state=np.random.RandomState(1000 + seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(x[: cfg["batch_size"]], y[: cfg["batch_size"]], classes=np.arange(10))
    clf.coefs_ = [W.copy() for W, _ in weights]
    clf.intercepts_ = [b.copy() for _, b in weights]
    vars(clf).pop("_optimizer", None)             # the next partial_fit starts a fresh AdamOptimizer

    def epoch():
        clf.partial_fit(x, y)
        clf._optimizer.learning_rate_init *= cfg["lr_decay"]
    return clf, epoch


def train_side_by_side(cfg: dict, x, y, seed: int):
    """Train both networks from the same initial weights (``seed``) epoch by epoch, alternating which
    goes first; returns both models and the seconds of every epoch of each."""
    weights = initial_weights(cfg["sizes"], seed)
    model, epoch_ours = ours(cfg, weights, x, y, seed)
    clf, epoch_sk = sklearn_mlp(cfg, weights, x, y, seed)
    t_ours, t_sk = alternate(lambda: epoch_ours, lambda: epoch_sk, cfg["epochs"])
    return model, clf, t_ours, t_sk


def flops_per_example(sizes) -> int:
    """Matrix-product FLOPs of one training example: forward, dL/dW, and dL/dx for all layers but the first."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return sum(6 * a * b for a, b in pairs) - 2 * pairs[0][0] * pairs[0][1]


def matmul_seconds_per_step(sizes, batch_size: int, steps: int = 200, rounds: int = 5) -> float:
    """Median seconds of the matrix products of one training step alone, float32, same shapes and layouts."""
    rng = np.random.default_rng(0)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    xs = [rng.standard_normal((batch_size, a), dtype=np.float32) for a, _ in pairs]
    Ws = [rng.standard_normal((a, b), dtype=np.float32) for a, b in pairs]
    ds = [rng.standard_normal((batch_size, b), dtype=np.float32) for _, b in pairs]

    def step():
        for i, (x, W, d) in enumerate(zip(xs, Ws, ds)):
            x @ W                    # forward
            x.T @ d                  # dL/dW
            if i:
                d @ W.T              # dL/dx
    step()
    times = []
    for _ in range(rounds):
        t, _ = timed(lambda: [step() for _ in range(steps)])
        times.append(t / steps)
    return median(times)


def adam_seconds_per_step(sizes, steps: int = 200) -> float:
    """Seconds of one ``Adam.step`` on a network of ``sizes`` (gradients present), median of 5 rounds."""
    model = nn.make_mlp(sizes, rng=np.random.default_rng(0))
    for layer, name in model.parameters():
        layer.grads[name] = np.full_like(layer.params[name], 1e-3)
    opt = nn.Adam()
    opt.step(model)
    return median([timed(lambda: [opt.step(model) for _ in range(steps)])[0] / steps for _ in range(5)])


def flop_fraction(cfg: dict, epoch_seconds: float) -> dict:
    """Achieved FLOP/s of a training epoch that took ``epoch_seconds``, against np.matmul on the same shapes."""
    per_example = flops_per_example(cfg["sizes"])
    achieved = per_example * cfg["n_train"] / epoch_seconds
    steps = -(-cfg["n_train"] // cfg["batch_size"])
    matmul_step = matmul_seconds_per_step(cfg["sizes"], cfg["batch_size"])
    reference = per_example * cfg["batch_size"] / matmul_step
    breakdown = {"matmul": matmul_step * steps, "adam": adam_seconds_per_step(cfg["sizes"]) * steps}
    breakdown["other"] = epoch_seconds - sum(breakdown.values())
    return {"flops_per_example": per_example, "achieved_gflops": achieved / 1e9, "matmul_gflops": reference / 1e9,
            "fraction": achieved / reference, "epoch_seconds": epoch_seconds, "epoch_breakdown_seconds": breakdown}


def single_thread_flops(cfg: dict, weights, x, y) -> dict:
    """The FLOP fraction again with BLAS limited to one thread (two epochs; less sensitive to other jobs)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        _, epoch = ours(cfg, weights, x, y)
        epoch()                                       # warm-up
        seconds = median([timed(epoch)[0] for _ in range(2)])
        return flop_fraction(cfg, seconds)


def run(fast: bool = False, budget_seconds: float | None = None) -> dict:
    """Benchmarks 1 and 2. With ``budget_seconds``, seeds after the first are skipped when they would not fit."""
    cfg = settings(fast)
    (x, y), (x_test, y_test) = load(cfg)
    t_ours, t_sk, accs_ours, accs_sk = [], [], [], []
    start = time.perf_counter()
    for i, seed in enumerate(cfg["seeds"]):
        spent = time.perf_counter() - start
        if budget_seconds is not None and i and spent / i * (i + 1) > budget_seconds - 30:
            print(f"[bench] mlp: stopping after {i} seeds ({spent:.0f} s), to stay within the time limit",
                  file=sys.stderr, flush=True)
            cfg["seeds"] = cfg["seeds"][:i]
            break
        model, clf, t_o, t_s = train_side_by_side(cfg, x, y, seed)
        print(f"[bench] mlp: seed {seed}: median epoch {median(t_o):.2f} s (ours), {median(t_s):.2f} s (sklearn)",
              file=sys.stderr, flush=True)
        t_ours += t_o
        t_sk += t_s
        accs_ours.append(nn.accuracy(nn.predict_logits(model, x_test), y_test))
        accs_sk.append(float(clf.score(x_test, y_test)))
    acc_ours, acc_sk = float(np.mean(accs_ours)), float(np.mean(accs_sk))
    spe_ours, spe_sk = median(t_ours), median(t_sk)
    ratio = spe_ours / spe_sk
    gap_points = 100 * (acc_sk - acc_ours)
    mlp = {
        "what": "seconds per epoch, numpy_nets vs sklearn MLPClassifier, same network, init, Adam, lr, batch, epochs",
        "settings": {**cfg, "sizes": list(cfg["sizes"]), "seeds": list(cfg["seeds"]), "weight_decay": 0.0,
                     "init": "He normal (the same arrays for both)", "sklearn_alpha": 0.0, "early_stopping": False},
        "dtype": {"ours": str(model.layers[0].params["W"].dtype), "sklearn": str(clf.coefs_[0].dtype),
                  "inputs": str(x.dtype)},
        "ours": {"seconds_per_epoch": spe_ours, "epoch_seconds": t_ours, "test_accuracy": acc_ours,
                 "test_accuracy_per_seed": accs_ours},
        "sklearn": {"seconds_per_epoch": spe_sk, "epoch_seconds": t_sk, "test_accuracy": acc_sk,
                    "test_accuracy_per_seed": accs_sk,
                    "epochs_trained": len(clf.loss_curve_) - 1},     # minus the one-batch build call
        "ratio": ratio,
        "accuracy_gap_points": gap_points,
        "goal": {"ratio": goal(ratio, 1.0, "max"), "accuracy_gap_points": goal(gap_points, 0.3, "max")},
    }
    mlp["met"] = mlp["goal"]["ratio"]["met"] and mlp["goal"]["accuracy_gap_points"]["met"]
    flops = {"what": "achieved FLOP/s of numpy_nets training over np.matmul's FLOP/s on the same shapes",
             **flop_fraction(cfg, spe_ours)}
    flops["goal"] = goal(flops["fraction"], 0.5, "min")
    flops["met"] = flops["goal"]["met"]
    flops["single_thread"] = single_thread_flops(cfg, initial_weights(cfg["sizes"]), x, y)
    return {"mlp_vs_sklearn": mlp, "flops": flops}
