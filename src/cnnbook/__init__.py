"""cnnbook: the helper package of the executable textbook on deep convolutional networks.

Chapters start with ``cnnbook.setup()``; it fixes the seeds, keeps TensorFlow's log noise
out of the book, seeds an offline ``KERAS_HOME`` when local weights exist, and reports the
runtime (TensorFlow and Keras versions, GPU or not).
"""

__version__ = "0.1.0"

from cnnbook.runtime import in_colab, pick, setup, smoke_mode  # noqa: E402

__all__ = ["__version__", "in_colab", "pick", "setup", "smoke_mode"]
