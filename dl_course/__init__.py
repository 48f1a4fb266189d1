"""dl_course: the package behind the book *Deep learning, from the perceptron to the VAE*.

One module per idea; import what you need, e.g. ``from dl_course import data, numpy_nets``.
Importing this package itself is cheap: it loads no deep-learning framework.
"""

__version__ = "0.1.0"
