"""Many fits in one process, as in a search: no growth, no retracing."""

import json

import pytest

from ._helpers import run_python

pytestmark = pytest.mark.slow  # a fresh process that starts TensorFlow

MANY_FITS = """
import json, sys
import numpy as np
from sklearn.datasets import load_digits
from skautoencoder import AutoencoderTransformer
from skautoencoder._engine.trainer_pool import TRAINER_POOL

def resident_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

X = load_digits().data / 16
n_fits = int(sys.argv[1])
resident, tracings = [], []
for i in range(n_fits):
    rows = np.random.RandomState(i).permutation(len(X))[:1200]  # another fold each time
    settings = dict(hidden_layer_sizes=(32,), epochs=20, batch_size=32, early_stopping=False, random_state=i)
    AutoencoderTransformer(2, **settings).fit(X[rows])
    resident.append(resident_mb())
    (trainer,) = TRAINER_POOL._local.trainers.values()
    tracings.append(trainer._epoch_fns["graph"].experimental_get_tracing_count())
print(json.dumps({"resident_mb": resident, "tracings": tracings}))
"""


def test_sequential_fits_neither_grow_memory_nor_compile_again():
    n_fits = 15
    result = run_python(MANY_FITS, n_fits, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["tracings"] == [1] * n_fits  # one compiled training function serves every fit
    growth = report["resident_mb"][-1] - report["resident_mb"][1]
    # The 50-fit target is 200 MB (see benchmarks/bench_scale.py); this is its share for 13 fits.
    assert growth < 200 * 13 / 50, report["resident_mb"]
