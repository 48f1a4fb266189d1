"""The exercise checkers accept right answers and reject wrong ones with a message that helps."""

import numpy as np
import pytest

from dl_course import conv, exercises, numpy_nets as nn, perceptron, text
from dl_course.exercises import ExerciseError


class LeakyReLU(nn.Layer):
    def __init__(self, alpha=0.1, wrong=False):
        super().__init__()
        self.alpha, self.wrong = alpha, wrong

    def forward(self, x):
        self.slope = np.where(x > 0, 1.0, self.alpha)
        return x * self.slope

    def backward(self, dout):
        return dout if self.wrong else dout * self.slope      # wrong: forgets the slope


def test_layer_gradients_accepts_correct_layers():
    assert exercises.check_layer_gradients(LeakyReLU()).startswith("correct")
    dense = nn.Dense(4, 3, rng=np.random.default_rng(0), dtype=np.float64)
    assert exercises.check_layer_gradients(dense).startswith("correct")


def test_layer_gradients_rejects_a_wrong_backward():
    with pytest.raises(ExerciseError, match="'x' disagrees with finite differences"):
        exercises.check_layer_gradients(LeakyReLU(wrong=True))


def test_shape_checker_wildcards_and_mismatch():
    assert exercises.check_shape("h", np.zeros((7, 3)), (None, 3)).startswith("correct")
    with pytest.raises(ExerciseError, match=r"h has shape \(7, 3\); expected \(7, 4\)"):
        exercises.check_shape("h", np.zeros((7, 3)), (7, 4))
    with pytest.raises(ExerciseError, match="expected"):
        exercises.check_shape("h", np.zeros((7, 3)), (7, 3, 1))


def test_close_checker():
    assert exercises.check_close("kl", 1.01, 1.0, rtol=0.02).startswith("correct")
    with pytest.raises(ExerciseError, match="differs from the reference"):
        exercises.check_close("kl", 1.1, 1.0, rtol=0.02)
    with pytest.raises(ExerciseError, match="NaN"):
        exercises.check_close("kl", np.nan, 1.0)


def test_mistake_bound_checker():
    rng = np.random.default_rng(0)
    x, y = perceptron.make_separable_blobs(100, rng, gap=0.5)
    p = perceptron.Perceptron(max_epochs=1000).fit(x, y, rng=rng)
    assert exercises.check_mistake_bound(int(sum(p.mistakes)), x, y).startswith("correct")
    with pytest.raises(ExerciseError, match="Novikoff's bound"):
        exercises.check_mistake_bound(10**9, x, y)


def test_loss_decreases_checker():
    assert exercises.check_loss_decreases([1.0, 0.6, 0.4]).startswith("correct")
    with pytest.raises(ExerciseError, match="sign of the update"):
        exercises.check_loss_decreases([1.0, 1.2, 1.5])
    with pytest.raises(ExerciseError, match="NaN"):
        exercises.check_loss_decreases([1.0, np.nan])


def test_conv_output_checker():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 28, 28, 1)).astype(np.float32)
    w = rng.standard_normal((5, 5, 1, 8)).astype(np.float32)
    out = conv.conv2d(x, w, stride=2, padding="valid")
    assert exercises.check_conv_output(x, w, out, stride=2).startswith("correct")
    with pytest.raises(ExerciseError, match="shape"):
        exercises.check_conv_output(x, w, out[:, :-1], stride=2)
    with pytest.raises(ExerciseError, match="wrong values"):
        exercises.check_conv_output(x, w, out + 1.0, stride=2)


def test_receptive_field_checker():
    assert exercises.check_receptive_field(10, [(3, 1), (2, 2)] * 2).startswith("correct")
    with pytest.raises(ExerciseError, match="expected 10"):
        exercises.check_receptive_field(9, [(3, 1), (2, 2)] * 2)


def test_param_count_checker():
    assert exercises.check_param_count(3 * 64 * (32 + 64 + 2), "gru", 32, 64).startswith("correct")
    with pytest.raises(ExerciseError, match="two bias vectors"):
        exercises.check_param_count(3 * 64 * (32 + 64 + 1), "gru", 32, 64)


def test_same_predictions_checker():
    assert exercises.check_same_predictions([0.5, 0.2], [0.5, 0.2]).startswith("correct")
    with pytest.raises(ExerciseError, match="differ by up to .*mask_zero"):
        exercises.check_same_predictions([0.5], [0.6], hint="Is mask_zero=True on the embedding?")


def test_in_range_checker():
    assert exercises.check_in_range("pixels", [0.2, 0.7], 0.0, 1.0).startswith("correct")
    with pytest.raises(ExerciseError, match=r"outside \[0, 1\]: clip"):
        exercises.check_in_range("pixels", [-0.1, 0.7], 0.0, 1.0)


def test_teacher_forcing_checker():
    targets = np.array([[5, 6, 7, 0], [8, 9, 0, 0]])
    good = text.teacher_forcing_inputs(targets, 2)
    assert exercises.check_teacher_forcing(good, targets, 2).startswith("correct")
    with pytest.raises(ExerciseError, match="shifted|start token|target at step"):
        exercises.check_teacher_forcing(targets, targets, 2)
