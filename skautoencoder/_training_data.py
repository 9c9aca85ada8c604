"""The training data a fit is given, checked, and the fit's configuration made from them."""

import numpy as np
from sklearn.utils.validation import validate_data

from ._data_checks import (
    check_float32_range,
    check_probability_range,
    check_streamed_shape,
    warn_at_caller,
    warn_if_outside_output_range,
    warn_if_unscaled,
)
from ._data_sources import StreamedRows, is_sparse, is_streamed
from ._engine.keras_objects import is_binary_crossentropy
from ._fit_config import FitConfig
from ._neighbor_graph import EXACT_MAX_ROWS
from .exceptions import NeighborhoodWarning


def validated_training_data(estimator, X, reset):
    """The validated data and the fit's configuration; warns about the data's scale.

    Parameters
    ----------
    estimator : AutoencoderTransformer
        Its parameters, and its fitted input checks (``n_features_in_``,
        ``feature_names_in_``), which ``reset`` sets anew.
    X : array-like or streamed array
    reset : bool
        Whether this fit starts afresh (as opposed to continuing).

    Returns
    -------
    X : validated array in memory, or the streamed array
    config : FitConfig
        Made from the parameters with each ``"auto"`` resolved for ``X``.

    Raises
    ------
    ValueError
        For data the fit cannot use, naming the problem.
    """
    params = estimator.get_params(deep=False)
    streamed = is_streamed(X)
    if streamed:
        check_streamed_shape(X)
        validate_data(estimator, X, reset=reset, skip_check_array=True)
    else:
        X = validate_data(estimator, X, reset=reset, accept_sparse="csr", dtype=[np.float64, np.float32])
    config = FitConfig.from_params(params, X.shape[1])
    if is_sparse(X):
        config = _checked_for_sparse_rows(config, params, X.shape[0])
        # Each column's minimum and maximum count its implicit zeros.
        column_low, column_high = (np.ravel(extreme(axis=0).toarray()) for extreme in (X.min, X.max))
    elif is_streamed(X):
        # One pass over the blocks checks every value and gives the ranges.
        column_low, column_high = StreamedRows(X).column_ranges()
    else:
        column_low, column_high = X.min(axis=0), X.max(axis=0)
    low, high = float(column_low.min()), float(column_high.max())
    if is_binary_crossentropy(params["loss"]):
        check_probability_range(low, high)
    check_float32_range(low, high)
    warn_if_unscaled(column_high - column_low)
    if params["decoder"] is None:
        warn_if_outside_output_range(params["output_activation"], low, high)
    if params["early_stopping"] and X.shape[0] < 2:
        raise ValueError(
            f"early_stopping=True needs at least 2 samples to hold out validation rows; got n_samples={X.shape[0]}."
        )
    return X, config


def _checked_for_sparse_rows(config, params, n_samples):
    """``config`` for sparse rows: what needs every row dense is refused, or left off if "auto".

    Pretraining holds the training rows in memory, dense. Above
    :data:`EXACT_MAX_ROWS` rows, the neighbourhood term's approximate graph
    would hold a dense copy of them.
    """
    if config.pretrain_epochs:
        raise ValueError(
            "pretrain_epochs > 0 holds every training row in memory, dense; for sparse X pass "
            "pretrain_epochs=0 or X.toarray()."
        )
    if config.neighbor_weight > 0 and n_samples > EXACT_MAX_ROWS:
        advice = "reduce X first (e.g. TruncatedSVD(100)) and map the reduced rows"
        if params["neighbor_weight"] != "auto":
            raise ValueError(
                f"neighbor_weight > 0 on sparse X needs at most {EXACT_MAX_ROWS:,} rows, whose exact neighbour "
                f"graph stays sparse; got {n_samples:,}. Pass neighbor_weight=0, or {advice}."
            )
        warn_at_caller(
            f'neighbor_weight="auto" leaves the neighbourhood term off for sparse X of more than '
            f"{EXACT_MAX_ROWS:,} rows (its graph would hold a dense copy of them): the codes are fitted for "
            f"reconstruction alone. For a map, {advice}.",
            NeighborhoodWarning,
        )
        config = FitConfig.from_params({**params, "neighbor_weight": 0.0}, config.n_features)
    return config
