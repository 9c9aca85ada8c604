"""Training under a TensorFlow distribution strategy, on two logical CPUs."""

import json

import pytest

from ._helpers import run_python

pytestmark = pytest.mark.slow  # a fresh process that starts TensorFlow

# The logical devices must exist before TensorFlow starts: a fresh process.
ON_TWO_DEVICES = """
import json, sys, tempfile, os
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from sklearn.datasets import load_digits
from skautoencoder import AutoencoderTransformer, load

X = (load_digits().data / 16)[:600]
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
report = {"replicas": strategy.num_replicas_in_sync, "runs": {}}
for name, extra in json.loads(sys.argv[1]).items():
    # The validation share these rounding bounds were measured with (the "auto" share is 20% of 600 rows).
    params = dict(
        n_components=4, hidden_layer_sizes=(32,), epochs=5, batch_size=32, validation_fraction=0.1, random_state=0,
        **extra,
    )
    single = AutoencoderTransformer(**params).fit(X)
    mirrored = AutoencoderTransformer(**params, distribution_strategy=strategy).fit(X)
    path = os.path.join(tempfile.mkdtemp(), "model.skae")
    mirrored.save(path)
    report["runs"][name] = {
        "single_curve": single.loss_curve_,
        "mirrored_curve": mirrored.loss_curve_,
        "largest_code_difference": float(np.abs(single.transform(X) - mirrored.transform(X)).max()),
        "plain_variables": all(type(v).__name__ == "Variable" for v in mirrored.encoder_.weights),
        "reloaded_equal": bool(np.array_equal(load(path).transform(X), mirrored.transform(X))),
    }
print(json.dumps(report))
"""

RUNS = {
    "plain": {},
    "tied and contractive": {"tied_weights": True, "contractive_weight": 0.01},
    "early stopping": {"early_stopping": True, "n_iter_no_change": 2},
}


def test_mirrored_training_on_two_devices_equals_single_device_training():
    result = run_python(ON_TWO_DEVICES, json.dumps(RUNS), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    for name, run in report["runs"].items():
        assert len(run["mirrored_curve"]) == len(run["single_curve"]), name
        for mirrored, single in zip(run["mirrored_curve"], run["single_curve"]):
            assert abs(mirrored - single) <= 1e-5 * single, name
        assert run["largest_code_difference"] < 1e-5, name
        assert run["plain_variables"] and run["reloaded_equal"], name


def test_mirrored_by_name_uses_the_local_devices_and_clones():
    import numpy as np
    from sklearn.base import clone
    from sklearn.datasets import load_digits

    from skautoencoder import AutoencoderTransformer

    X = (load_digits().data / 16)[:300]
    params = dict(n_components=2, hidden_layer_sizes=(16,), epochs=3, batch_size=32, random_state=0)
    single = AutoencoderTransformer(**params).fit(X)
    mirrored = clone(AutoencoderTransformer(**params, distribution_strategy="mirrored")).fit(X)
    np.testing.assert_allclose(mirrored.loss_curve_, single.loss_curve_, rtol=1e-5)
    assert mirrored.get_params()["distribution_strategy"] == "mirrored"
