"""The min-max scaling of its input that a model file may hold beside the estimator.

A file written with this scaling (``skautoencoder embed --save-model`` writes
one) loads as a ``Pipeline`` of the ``MinMaxScaler`` and the autoencoder
(see :func:`skautoencoder.load`). The scaler is stored as JSON (its columns'
minima and maxima, and the rows it saw), not pickled, so that loading a file
runs no code from it.
"""

import numpy as np


def scaling_to_json(scaler):
    """A fitted ``MinMaxScaler``'s state as the JSON :func:`input_scaler` reads."""
    return {
        "low": scaler.data_min_.tolist(),
        "high": scaler.data_max_.tolist(),
        "n_samples_seen": int(scaler.n_samples_seen_),
    }


def input_scaler(scaling, feature_names=None):
    """The ``MinMaxScaler`` stored as ``scaling``, bit for bit the one fitted.

    Fitting on the two rows (minima, maxima) gives exactly the minima,
    maxima, scale and offset a fit on the full data gave.
    """
    from sklearn.preprocessing import MinMaxScaler

    bounds = np.array([scaling["low"], scaling["high"]], dtype=np.float64)
    scaler = MinMaxScaler().fit(bounds)
    scaler.n_samples_seen_ = scaling.get("n_samples_seen", 2)
    if feature_names is not None:
        if len(feature_names) != bounds.shape[1]:
            raise ValueError(f"The stored input scaling has {bounds.shape[1]} columns but {len(feature_names)} names.")
        scaler.feature_names_in_ = np.asarray(feature_names, dtype=object)
    return scaler
