"""Quiet, lazy access to Keras and TensorFlow.

Importing TensorFlow takes seconds and prints C++ log lines before Python can
silence them. Everything in this package that needs Keras asks for it through
:func:`import_keras`, so that ``import skautoencoder`` stays light and the
framework's start-up chatter never reaches the user, while its start-up
errors (a GPU's CUDA failing, say) still do. ``TF_CPP_MIN_LOG_LEVEL`` is left
as the user set it.
"""

import contextlib
import ctypes
import functools
import logging
import os
import re
import sys
import tempfile
import threading


@contextlib.contextmanager
def _stderr_captured(captured):
    """Send the process-level standard error to a temporary file for a moment.

    TensorFlow's C++ runtime writes to file descriptor 2 directly while it
    loads, so redirecting ``sys.stderr`` alone is not enough. What was
    written is appended to the list ``captured`` as one string.
    """
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):  # no real descriptor, e.g. some notebooks
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        try:
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sink.seek(0)
            captured.append(sink.read().decode("utf-8", errors="replace"))


# Abseil's error and fatal lines: "E0000 00:00:…" and "F0000 …".
_ERROR_LINE = re.compile(r"^[EF]\d{4} ")


@functools.cache
def _has_cuda_driver():
    """Whether the machine has a CUDA driver library TensorFlow could load (Linux's ``libcuda.so.1``)."""
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


def errors_worth_showing(startup_output):
    """The error lines of TensorFlow's start-up output a user needs to see.

    Start-up information and warnings are dropped. Errors are kept, CUDA's
    included, except the failed CUDA initialisation TensorFlow reports on a
    machine without a CUDA driver (TensorFlow says so at its import, which
    may have happened before this package's): that one only says there is
    no GPU.
    """
    no_driver = "Could not find cuda drivers" in startup_output or not _has_cuda_driver()
    return [
        line for line in startup_output.splitlines() if _ERROR_LINE.match(line) and not (no_driver and "cuInit" in line)
    ]


# One thread at a time imports the framework or holds back its log lines:
# file descriptor 2 is the whole process's (two threads swapping it at once
# left it pointing at a closed temporary file), and a module that another
# thread is still importing is not usable yet.
_FRAMEWORK_LOCK = threading.RLock()


@contextlib.contextmanager
def native_logs_filtered():
    """Hold back TensorFlow's C++ log lines written meanwhile; show their errors after.

    The runtime logs information lines at the first graph trace and the
    first XLA compilation of a process, besides its start-up; only error
    lines (see :func:`errors_worth_showing`) reach the user. One thread at a
    time holds them back; another waits meanwhile.
    """
    captured = []
    with _FRAMEWORK_LOCK:
        try:
            with _stderr_captured(captured):
                yield
        finally:
            for line in errors_worth_showing("".join(captured)):
                print(line, file=sys.stderr)


_FIRST_CALLS_DONE = set()


def call_quietly_the_first_time(kind, function, *args):
    """``function(*args)``, with native log lines filtered on the process's first call of this ``kind``.

    ``kind`` names what the runtime logs about once per process (e.g.
    ``"graph"`` or ``"xla"``); later calls run as they are.
    """
    if kind in _FIRST_CALLS_DONE:
        return function(*args)
    with native_logs_filtered():
        result = function(*args)
    _FIRST_CALLS_DONE.add(kind)
    return result


_KERAS = None


def import_keras():
    """Return the ``keras`` module, importing TensorFlow quietly on first use.

    Threads that ask while another imports wait for it to finish.

    Returns
    -------
    keras : module
        Keras 3 on the TensorFlow backend.
    """
    global _KERAS
    if _KERAS is None:
        with _FRAMEWORK_LOCK:
            if _KERAS is None:
                _KERAS = _keras_imported_quietly()
    if _KERAS.backend.backend() != "tensorflow":
        # Switched since, e.g. by a user's code that set another backend.
        raise ImportError(_wrong_backend_message(_KERAS.backend.backend()))
    return _KERAS


def _keras_imported_quietly():
    """Import Keras and TensorFlow with their start-up lines filtered, or take the user's import."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        keras = sys.modules["keras"]
        # Imported already, perhaps by the user on another backend.
        if keras.backend.backend() != "tensorflow":
            raise ImportError(_wrong_backend_message(keras.backend.backend()))
        # Imported by the user before this package: the devices may not be
        # initialised yet, and their start-up lines would come with the first fit.
        call_quietly_the_first_time("devices", sys.modules["tensorflow"].config.list_physical_devices)
        return keras
    backend = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        # Refused before Keras imports the other backend's library, which may not even be installed.
        raise ImportError(_wrong_backend_message(backend))
    with native_logs_filtered():
        import keras
        import tensorflow

        # Finding the devices here lets their start-up errors be sorted too.
        tensorflow.config.list_physical_devices()
    _FIRST_CALLS_DONE.add("devices")
    tensorflow_logger = logging.getLogger("tensorflow")
    if tensorflow_logger.level == logging.NOTSET:
        # Retracing notices name internals users cannot act on.
        tensorflow_logger.setLevel(logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise ImportError(_wrong_backend_message(keras.backend.backend()))
    return keras


def _wrong_backend_message(backend):
    return (
        f"skautoencoder trains with the TensorFlow backend of Keras, but the backend is {backend!r} "
        "(KERAS_BACKEND or ~/.keras/keras.json): unset KERAS_BACKEND or set it to 'tensorflow'."
    )


def import_tensorflow():
    """Return the ``tensorflow`` module, imported quietly."""
    import_keras()
    return sys.modules["tensorflow"]
