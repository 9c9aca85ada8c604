"""Checks of the data an autoencoder is given, and the warnings they raise."""

import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ._data_sources import InMemoryRows, SparseRows, StreamedRows, is_sparse, is_streamed
from ._engine.keras_objects import activation_range
from .exceptions import DataScaleWarning


def check_missing_values(estimator, rows, *, new_fit):
    """Refuse, in one sentence, NaN in ``rows`` (a validated row source) that ``estimator`` cannot read.

    A sparse matrix may not hold NaN among its stored values; dense rows in
    memory may hold NaN in a new fit (``new_fit``), or where the fitted
    model learned to read them (its ``fill_values_``). Streamed rows are
    checked block by block as they are read.
    """
    if not rows.holds_nan:
        return
    if isinstance(rows, SparseRows):
        raise ValueError(
            "Sparse X holds NaN among its stored values; missing values are taken in dense X only, so pass "
            "X.toarray() or impute X first."
        )
    if not new_fit and getattr(estimator, "fill_values_", None) is None:
        raise ValueError(
            f"X holds NaN, but this {type(estimator).__name__} was fitted on data without missing values, so "
            "its encoder never learned to read them; fit it anew on data with NaN, or impute X first."
        )


def check_numeric_columns(X):
    """Refuse, naming the column, a table whose columns are not all numbers; and complex numbers.

    scikit-learn's own messages name neither the column of a text value
    (``could not convert string to float: 'f'``) nor that of a date, and
    print a complex array whole. Run before ``validate_data``.

    Raises
    ------
    ValueError
        For a DataFrame column of text, dates, durations or complex numbers,
        or complex numbers in an array.
    """
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # a pandas DataFrame
        for name, dtype in zip(X.columns, X.dtypes):
            kind = getattr(dtype, "kind", "O")
            if kind in "mM":
                what = "dates and times" if kind == "M" else "durations"
                raise ValueError(
                    f"X's column {name!r} holds {what}, not numbers: drop it, or turn it into numbers "
                    "(e.g. seconds since a start) first."
                )
            if kind == "c":
                raise ValueError(f"Complex data not supported: X's column {name!r} holds complex numbers.")
            if kind in "OSUV":  # text, objects, and pandas' category and string dtypes
                _check_text_column(name, X[name])
    elif getattr(getattr(X, "dtype", None), "kind", None) == "c":
        raise ValueError(
            "Complex data not supported: X holds complex numbers; pass their real and imaginary parts "
            "as separate columns."
        )


def _check_text_column(name, column):
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"X's column {name!r} holds {column.iloc[row]!r} (row {row}), not a number: drop the column, or "
            "encode it (e.g. OneHotEncoder in a ColumnTransformer)."
        )


def own_random_state(random_state):
    """A RandomState for ``random_state``, where None draws fresh entropy instead of NumPy's global generator.

    ``check_random_state(None)`` returns the global generator: drawing from
    it would change the random state users rely on.
    """
    return np.random.RandomState() if random_state is None else check_random_state(random_state)


def check_streamed_shape(X):
    """Refuse a streamed array that is not 2-D or has no rows or columns."""
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(f"Expected a 2D array, got an array of shape {shape} instead.")
    if min(shape) < 1:
        raise ValueError(f"Found array with shape {shape}, while at least one sample and one feature are required.")


# Columns whose value ranges differ by more than this factor: the squared
# error, and so the fit, follows the widest columns and ignores the rest.
# Measured: iris 2.5, digits 16, diabetes unscaled 204, wine 2,645, breast
# cancer 140,569; each scaled column set, 1 to 3.3.
_SCALE_RATIO_WARNING = 100

# Frames a warning passes through on its way to the user's line: this
# package's, scikit-learn's (its wrappers of fit, a Pipeline, a search) and
# joblib's (which runs a search's fits), so that a warning of a fit inside
# GridSearchCV points at the search's line rather than at their files.
_PASS_THROUGH = tuple(os.path.dirname(os.path.abspath(path)) + os.sep for path in (__file__, sklearn.__file__))


def _pass_through():
    """:data:`_PASS_THROUGH`, and joblib's folder once scikit-learn has imported it (it runs a search's fits)."""
    joblib = sys.modules.get("joblib")
    if joblib is None or not getattr(joblib, "__file__", None):
        return _PASS_THROUGH
    return (*_PASS_THROUGH, os.path.dirname(os.path.abspath(joblib.__file__)) + os.sep)


def warn_at_caller(message, category):
    """``warnings.warn`` pointing at the first line outside this package and fit's wrappers.

    Not Python 3.12's ``warnings.warn(skip_file_prefixes=...)``: tried with
    the same prefixes on Python 3.12.1, it pointed ``fit_transform``'s
    warnings at scikit-learn's ``base.py`` instead of the caller's line
    (``tests/test_reliability.py``), and Python 3.10 and 3.11 lack it.
    """
    frame, level, passed = sys._getframe(1), 2, _pass_through()
    while frame is not None and frame.f_code.co_filename.startswith(passed):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_probability_range(low, high):
    """Refuse values outside [0, 1], between ``low`` and ``high``, for binary cross-entropy."""
    if low < 0 or high > 1:
        raise ValueError(
            "loss='binary_crossentropy' needs every value of X in [0, 1]; got values "
            f"in [{low:g}, {high:g}]. Scale X first (e.g. MinMaxScaler) or use loss='mse'."
        )


def check_float32_range(low, high):
    """Refuse values, between ``low`` and ``high``, that float32 would overflow."""
    largest = max(abs(low), abs(high))
    limit = float(np.finfo(np.float32).max) / 1e3  # room for sums and squares
    if largest > limit:
        raise ValueError(
            f"X holds values up to {largest:.3g}, too large for the float32 network (limit {limit:.3g}). "
            "Scale X first, e.g. with StandardScaler."
        )


def warn_if_unscaled(spans):
    """Warn when the columns' value ranges ``spans`` differ by orders of magnitude."""
    spans = spans[spans > 0]
    if spans.size > 1 and spans.max() / spans.min() > _SCALE_RATIO_WARNING:
        warn_at_caller(
            f"The columns of X span very different ranges (from {spans.min():.3g} to {spans.max():.3g}): "
            "the squared error, and so the fit, follows the widest columns; put a StandardScaler or "
            "MinMaxScaler first.",
            DataScaleWarning,
        )


def warn_if_outside_output_range(output_activation, low, high):
    """Warn when X holds values, in [low, high], the output activation cannot produce."""
    bottom, top = activation_range(output_activation)
    # A bound the activation only nears (softsign's 1) is reached closely enough.
    if low < bottom - 1e-3 * max(1.0, abs(bottom)) or high > top + 1e-3 * max(1.0, abs(top)):
        warn_at_caller(
            f"output_activation={output_activation!r} gives values in [{bottom:.4g}, {top:.4g}], but X holds "
            f"values in [{low:.3g}, {high:.3g}] that the reconstruction can never reach. Scale X into that "
            "range (e.g. MinMaxScaler for 'sigmoid') or use output_activation='linear'.",
            DataScaleWarning,
        )


def warn_if_overcomplete(params, n_features):
    """Warn when the code is wider than X and nothing in ``params`` stops it from copying its input.

    PCA refuses more components than columns. An overcomplete autoencoder
    makes sense with corruption, a sparse code, a contractive or a
    variational term, which keep it from learning the identity.
    """
    n_components = params["n_components"]
    constrained = (
        (params["corruption"] is not None and params["corruption_level"] > 0)
        or params["activity_l1"] > 0
        or params["contractive_weight"] > 0
        or params["variational"]
        or params["encoder"] is not None
    )
    if n_components > n_features and not constrained:
        warn_at_caller(
            f"n_components={n_components} is more than the {n_features} column{'s' if n_features > 1 else ''} of X: "
            "with nothing to stop it "
            "(corruption, activity_l1, contractive_weight or variational=True), the code can copy its input "
            f"and learns nothing PCA({n_features}) would not; pass n_components <= {n_features}, or one of those.",
            UserWarning,
        )


def validated_rows(estimator, X, *, reset):
    """``X`` checked as fit and transform take it, with scikit-learn's ``validate_data``, and the source reading it.

    This is where what the data is gets decided, once. A streamed array (a
    memmap, h5py, Zarr or Dask array) is left as it is, its shape and width
    checked; its values are checked a block at a time as they are read.
    Anything else becomes a float32 or float64 array, or a CSR matrix, that
    may hold NaN; a column of text or complex numbers is refused, naming it.

    Returns
    -------
    InMemoryRows, SparseRows or StreamedRows
        See :mod:`skautoencoder._data_sources`.
    """
    if is_streamed(X):
        check_streamed_shape(X)
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return StreamedRows(X)
    check_numeric_columns(X)
    X = validate_data(
        estimator, X, reset=reset, accept_sparse="csr", dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
    )
    return SparseRows(X) if is_sparse(X) else InMemoryRows(X)
