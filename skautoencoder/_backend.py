"""Quiet, lazy access to Keras and TensorFlow.

Importing TensorFlow takes seconds and prints C++ log lines before Python can
silence them. Everything in this package that needs Keras asks for it through
:func:`import_keras`, so that ``import skautoencoder`` stays light and the
framework's start-up chatter never reaches the user.
"""

import contextlib
import logging
import os
import sys


@contextlib.contextmanager
def _stderr_silenced():
    """Send the process-level standard error to /dev/null for a moment.

    TensorFlow's C++ runtime writes to file descriptor 2 directly while it
    loads, before ``TF_CPP_MIN_LOG_LEVEL`` takes effect, so redirecting
    ``sys.stderr`` alone is not enough.
    """
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):  # no real descriptor, e.g. some notebooks
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


def import_keras():
    """Return the ``keras`` module, importing TensorFlow quietly on first use.

    Returns
    -------
    keras : module
        Keras 3 on the TensorFlow backend.
    """
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with _stderr_silenced():
        import tensorflow  # noqa: F401
        import keras
    tensorflow_logger = logging.getLogger("tensorflow")
    if tensorflow_logger.level == logging.NOTSET:
        # Retracing notices name internals users cannot act on.
        tensorflow_logger.setLevel(logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            "skautoencoder trains with the TensorFlow backend of Keras; "
            f"KERAS_BACKEND is {keras.backend.backend()!r}. Unset it or set it "
            "to 'tensorflow'."
        )
    return keras


def import_tensorflow():
    """Return the ``tensorflow`` module, imported quietly."""
    import_keras()
    return sys.modules["tensorflow"]
