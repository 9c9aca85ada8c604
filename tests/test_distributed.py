"""Hyperparameter search on a real Dask cluster through joblib's Dask backend."""

import logging

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skautoencoder import AutoencoderTransformer

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

GRID = {"hidden_layer_sizes": [(16,), (32, 16)], "n_components": [2, 4]}


def test_grid_search_on_a_two_worker_dask_cluster_matches_n_jobs_1():
    X = load_digits().data[:600] / 16
    search = GridSearchCV(AutoencoderTransformer(epochs=3, batch_size=64, random_state=0), GRID, cv=2)
    serial = search.fit(X).cv_results_

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: two clusters may run at once (the suite runs two workers)
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert all(address.startswith("tcp://127.0.0.1:") for address in client.scheduler_info()["workers"])
        with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
            on_cluster = (
                GridSearchCV(AutoencoderTransformer(epochs=3, batch_size=64, random_state=0), GRID, cv=2, n_jobs=-1)
                .fit(X)
                .cv_results_
            )
        workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2  # both worker processes fitted models
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(on_cluster[key], serial[key], rtol=1e-6, err_msg=key)
    assert list(on_cluster["params"]) == list(serial["params"])
