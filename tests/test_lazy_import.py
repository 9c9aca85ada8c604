"""Importing, building and cloning the estimator never imports TensorFlow."""

import pytest

from ._helpers import run_python

CODE = """
import sys
import skautoencoder
from sklearn.base import clone
from skautoencoder import AutoencoderTransformer, reconstruction_scorer
estimator = AutoencoderTransformer(n_components=3, hidden_layer_sizes=(8,))
estimator.set_params(n_components=4)
params = estimator.get_params()
clone(estimator)
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print("heavy:", heavy)
"""


def test_import_build_get_set_params_and_clone_import_no_tensorflow():
    result = run_python(CODE)
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout


@pytest.mark.slow  # a fresh process that fits
@pytest.mark.parametrize("rows, epochs", [(50, 2), (400, 10), (400, 60)], ids=["eager steps", "a graph", "XLA"])
def test_fit_prints_nothing_at_verbose_0_and_leaves_the_log_level_alone(rows, epochs):
    # At batch 8, 10 epochs of 400 rows run as a graph and 60 with XLA,
    # whose first trace and compilation log lines from TensorFlow's runtime.
    code = (
        "import numpy as np; from skautoencoder import AutoencoderTransformer; "
        f"X = np.random.RandomState(0).rand({rows}, 4); "
        f"m = AutoencoderTransformer(hidden_layer_sizes=(8,), batch_size=8, epochs={epochs}, "
        f"n_iter_no_change={epochs}, "
        "random_state=0); import warnings; warnings.simplefilter('ignore'); m.fit(X); m.transform(X); m.score(X); "
        "assert 'TF_CPP_MIN_LOG_LEVEL' not in os.environ, 'the log level must stay as the user set it'"
    )
    # Stricter than the test environment: no log level set beforehand.
    result = run_python("import os; os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None); " + code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "", (result.stdout, result.stderr)


@pytest.mark.slow  # a fresh process that imports TensorFlow and fits
@pytest.mark.parametrize("first", ["keras", "tensorflow"])
def test_fit_prints_no_framework_line_when_the_user_imported_the_framework_first(first):
    # What the user's own import prints is theirs; what the fit prints after it is the library's.
    code = (
        "import os; os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"  # stricter than the test environment
        f"import sys, {first}; print('imported', file=sys.stderr, flush=True)\n"
        "import warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np; from skautoencoder import AutoencoderTransformer\n"
        "X = np.random.RandomState(0).rand(400, 4)\n"
        "AutoencoderTransformer(hidden_layer_sizes=(8,), batch_size=8, epochs=60, n_iter_no_change=60, "
        "random_state=0).fit(X).transform(X)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    after_import = result.stderr.split("imported\n", 1)[1]
    assert after_import == "", after_import


def test_startup_errors_stay_visible_and_chatter_does_not(monkeypatch):
    from skautoencoder._engine import backend
    from skautoencoder._engine.backend import errors_worth_showing

    monkeypatch.setattr(backend, "_has_cuda_driver", lambda: True)
    chatter = "I0000 00:00:1.0 1 port.cc:153] oneDNN custom operations are on.\nWARNING: All log messages before ..."
    cuda_failure = "E0000 00:00:2.0 1 cuda_platform.cc:52] failed call to cuInit: CUDA_ERROR_OUT_OF_MEMORY"
    assert errors_worth_showing(chatter) == []
    # A machine with a driver whose GPU fails to start: the user must see it.
    assert errors_worth_showing(chatter + "\n" + cuda_failure) == [cuda_failure]
    # No driver at all: the failed initialisation only says there is no GPU.
    no_driver = (
        "I0000 00:00:1.5 1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used."
    )
    assert errors_worth_showing("\n".join([chatter, no_driver, cuda_failure])) == []
    fatal = "F0000 00:00:3.0 1 some.cc:1] Check failed"
    assert errors_worth_showing(no_driver + "\n" + fatal) == [fatal]
    # TensorFlow said it had no driver at its own import, before this package's (the user imported it first).
    monkeypatch.setattr(backend, "_has_cuda_driver", lambda: False)
    assert errors_worth_showing(cuda_failure) == []


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_another_keras_backend_is_refused_at_fit_in_one_sentence(backend):
    code = (
        "import os, numpy as np; os.environ['KERAS_BACKEND'] = " + repr(backend) + "\n"
        "from skautoencoder import AutoencoderTransformer\n"
        "estimator = AutoencoderTransformer(epochs=1)\n"
        "try:\n"
        "    estimator.fit(np.random.RandomState(0).rand(20, 3))\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "assert not hasattr(estimator, 'encoder_')\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    message = result.stdout.strip()
    assert f"the backend is {backend!r}" in message and "set it to 'tensorflow'" in message
    assert len(message.splitlines()) == 1


def test_keras_on_another_backend_imported_beside_tensorflow_is_refused_too(monkeypatch):
    # Keras and TensorFlow are both imported already (here by the test
    # session), but Keras runs on another backend, as when a user imported
    # it on JAX and TensorFlow for something else.
    import keras
    import numpy as np

    from skautoencoder import AutoencoderTransformer

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    estimator = AutoencoderTransformer(epochs=1)
    with pytest.raises(ImportError, match="the backend is 'jax'.*set it to 'tensorflow'"):
        estimator.fit(np.random.RandomState(0).rand(20, 3))
    assert not hasattr(estimator, "encoder_")


def test_threads_holding_back_log_lines_take_turns_and_leave_standard_error_as_it_was():
    # File descriptor 2 is the process's: two threads that swapped it at once
    # left it on the first one's closed temporary file, and every error
    # printed after went nowhere.
    import os
    import threading
    import time

    from skautoencoder._engine.backend import native_logs_filtered

    before = os.fstat(2)
    inside = threading.Event()
    order = []

    def first():
        with native_logs_filtered():
            order.append("first in")
            inside.set()
            time.sleep(0.3)
            order.append("first out")

    def second():
        inside.wait()
        with native_logs_filtered():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first in", "first out", "second in"]
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


@pytest.mark.slow  # a fresh process that imports TensorFlow
def test_a_thread_that_asks_for_the_framework_while_another_imports_it_waits_for_it():
    # The second thread asks once the first is well into the import (Keras
    # and TensorFlow in sys.modules, not yet initialised): it used to get
    # "partially initialized module 'keras' has no attribute 'backend'", as
    # in a grid search on joblib's threading backend in a fresh process.
    code = (
        "import sys, threading, time\n"
        "from skautoencoder._engine.backend import import_keras\n"
        "results = []\n"
        "def ask(delay):\n"
        "    time.sleep(delay)\n"
        "    try:\n"
        "        results.append(import_keras().backend.backend())\n"
        "    except Exception as error:\n"
        "        results.append(repr(error))\n"
        "threads = [threading.Thread(target=ask, args=(delay,)) for delay in (0.0, 0.5)]\n"
        "[thread.start() for thread in threads]\n"
        "[thread.join() for thread in threads]\n"
        "print(results)\n"
        "print('still here', file=sys.stderr)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['tensorflow', 'tensorflow']", result.stdout
    assert result.stderr.strip().endswith("still here")
