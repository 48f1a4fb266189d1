"""Keep TensorFlow's log chatter out of the book and the terminal.

TensorFlow's C++ side prints backend probes (CUDA, dataset attributes) and its Python logger
warns about ``tf.function`` retracing whenever a new model is evaluated; neither helps a reader.
Imported first by every module that imports Keras. A user who wants the logs sets
``TF_CPP_MIN_LOG_LEVEL`` themselves (it is only given a default here).
"""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")    # must be set before TensorFlow is imported

import keras  # noqa: E402

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf
    # get_logger() sets the level to INFO in interactive sessions (a Jupyter kernel is one), so set it after
    tf.get_logger().setLevel(logging.ERROR)
