"""Importing, building and cloning the estimator never imports TensorFlow."""

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


def test_fit_prints_nothing_at_verbose_0():
    code = (
        "import numpy as np; from skautoencoder import AutoencoderTransformer; "
        "X = np.random.RandomState(0).rand(50, 4); "
        "m = AutoencoderTransformer(epochs=2, early_stopping=False, random_state=0).fit(X); m.transform(X); m.score(X)"
    )
    # Stricter than the test environment: no log level set beforehand.
    result = run_python("import os; os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None); " + code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "", (result.stdout, result.stderr)
