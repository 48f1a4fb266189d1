import numpy as np
import pytest
from sklearn.svm import SVC

from dl_course import perceptron


@pytest.mark.parametrize("seed", range(5))
def test_converges_on_separable_data_within_novikoffs_bound(seed):
    rng = np.random.default_rng(seed)
    x, y = perceptron.make_separable_blobs(200, rng, gap=0.2)
    p = perceptron.Perceptron(max_epochs=1000).fit(x, y, rng=rng)
    assert p.converged
    assert (p.predict(x) == y).all()
    svm = SVC(kernel="linear", C=1e6).fit(x, y)
    bound = perceptron.mistake_bound(x, y, np.append(svm.coef_[0], svm.intercept_[0]))
    assert sum(p.mistakes) <= bound["bound"]


def test_does_not_converge_on_xor():
    rng = np.random.default_rng(0)
    x, y = perceptron.make_xor(25, rng)
    p = perceptron.Perceptron(max_epochs=200).fit(x, y, rng=rng)
    assert not p.converged
    assert min(p.mistakes) > 0
    assert (p.predict(x) == y).mean() <= 0.75 + 1e-9     # no line gets more than 3 of 4 corners


def test_mistake_bound_rejects_a_non_separator():
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="does not separate"):
        perceptron.mistake_bound(x, np.array([-1, 1]), np.array([-1.0, -1.0, 0.0]))


def test_labels_must_be_plus_minus_one():
    with pytest.raises(ValueError, match="only -1 and \\+1"):
        perceptron.Perceptron().fit(np.zeros((2, 2)), np.array([0, 1]))
