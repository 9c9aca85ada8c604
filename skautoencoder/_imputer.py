"""AutoencoderImputer: missing values filled in by an autoencoder's reconstruction."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import unchanged_on_failure
from ._data_checks import check_numeric_columns
from ._estimator import AutoencoderTransformer
from ._fit_config import checked_hidden_layer_sizes
from ._missing_values import observed_column_means
from ._parameters import PARAMETER_CONSTRAINTS


class AutoencoderImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Imputation of missing values (NaN) by a denoising autoencoder.

    Each column is standardized on its observed entries, and an
    :class:`AutoencoderTransformer` is trained on the standardized rows with
    the missing entries left out of its loss and a share of the observed
    entries hidden from its encoder at every step (``corruption="masking"``),
    so that it learns to predict entries from the others. ``transform``
    replaces each NaN with the decoder's reconstruction, in the column's own
    units; observed entries are returned unchanged.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Size of the code. ``"auto"`` takes the number of features: hiding
        entries, not a narrow code, is what keeps the network from copying
        its input.
    hidden_layer_sizes : "auto" or tuple of int, default=(128,)
        As in :class:`AutoencoderTransformer`.
    corruption_level : float, default=0.5
        Share of the observed entries hidden from the encoder at each
        training step (and, by one fixed draw, in the validation rows that
        early stopping watches).
    epochs : int, default=300
    batch_size : int or "auto", default="auto"
    learning_rate : float or None, default=None
    early_stopping : bool, default=True
    validation_fraction : float, default=0.1
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    autoencoder_ : AutoencoderTransformer
        The fitted network, on standardized columns.
    mean_ : ndarray of shape (n_features,)
        Each column's mean over its observed entries at fit.
    scale_ : ndarray of shape (n_features,)
        Each column's standard deviation over its observed entries at fit
        (1 for a constant column).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen during fit, when they are all strings.

    See Also
    --------
    sklearn.impute.IterativeImputer : Imputation by a regression per column.
    sklearn.impute.KNNImputer : Imputation from the nearest complete rows.

    Notes
    -----
    The defaults were chosen on held-out entries of scikit-learn's diabetes,
    wine, breast cancer and digits tables (``benchmarks/bench_impute.py``;
    the user guide, "Sparse matrices, missing values and labels").

    A column with no observed entry at fit is refused. A row whose every
    entry is missing is filled with the reconstruction of the column means.
    A model fitted on complete rows still imputes: its encoder saw masked
    entries throughout training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_diabetes
    >>> from skautoencoder import AutoencoderImputer
    >>> X = load_diabetes().data
    >>> X_missing = X.copy()
    >>> X_missing[np.random.RandomState(0).rand(*X.shape) < 0.1] = np.nan
    >>> imputer = AutoencoderImputer(epochs=5, random_state=0)
    >>> X_filled = imputer.fit_transform(X_missing)
    >>> bool(np.isnan(X_filled).any())
    False
    """

    _parameter_constraints = {
        "n_components": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": PARAMETER_CONSTRAINTS["hidden_layer_sizes"],
        "corruption_level": [Interval(Real, 0, 1, closed="left")],
        "epochs": PARAMETER_CONSTRAINTS["epochs"],
        "batch_size": PARAMETER_CONSTRAINTS["batch_size"],
        "learning_rate": PARAMETER_CONSTRAINTS["learning_rate"],
        "early_stopping": PARAMETER_CONSTRAINTS["early_stopping"],
        "validation_fraction": PARAMETER_CONSTRAINTS["validation_fraction"],
        "random_state": PARAMETER_CONSTRAINTS["random_state"],
        "verbose": PARAMETER_CONSTRAINTS["verbose"],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        hidden_layer_sizes=(128,),
        corruption_level=0.5,
        epochs=300,
        batch_size="auto",
        learning_rate=None,
        early_stopping=True,
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.corruption_level = corruption_level
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on the observed entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with NaN for the missing entries.
        y : None
            Ignored.

        Returns
        -------
        self : AutoencoderImputer
            If fitting fails, the imputer is left as it was.
        """
        with unchanged_on_failure(self):  # each fit trains a new autoencoder, so attributes say it all
            self._fit(X)
        return self

    def _fit(self, X):
        if not (isinstance(self.hidden_layer_sizes, str) and self.hidden_layer_sizes == "auto"):
            checked_hidden_layer_sizes(self.hidden_layer_sizes, type(self).__name__)
        check_numeric_columns(X)
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        mean = observed_column_means(X, getattr(self, "feature_names_in_", None))
        scale = np.sqrt(observed_column_means(np.square(X - mean)))
        scale[~(scale > 1e-12 * np.maximum(np.abs(mean), 1.0))] = 1.0
        n_components = X.shape[1] if self.n_components == "auto" else self.n_components
        autoencoder = AutoencoderTransformer(
            n_components,
            hidden_layer_sizes=self.hidden_layer_sizes,
            corruption="masking",
            corruption_level=self.corruption_level,
            neighbor_weight=0.0,
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            random_state=self.random_state,
            verbose=self.verbose,
        ).fit((X - mean) / scale)
        if autoencoder.fill_values_ is None:
            # The masking corruption showed the encoder hidden entries as 0,
            # each column's standardized mean, which is what a NaN becomes.
            autoencoder.fill_values_ = np.zeros(X.shape[1])
        self.autoencoder_, self.mean_, self.scale_ = autoencoder, mean, scale

    def transform(self, X):
        """Replace each NaN of ``X`` with the autoencoder's reconstruction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features)
            ``X`` with every NaN filled, in the dtype of ``X`` (float32
            stays float32, else float64).
        """
        check_is_fitted(self)
        check_numeric_columns(X)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        missing = np.isnan(X)
        if not missing.any():
            return X.copy()
        standardized = (X - self.mean_) / self.scale_
        reconstruction = self.autoencoder_.inverse_transform(self.autoencoder_.transform(standardized))
        reconstruction = reconstruction * self.scale_ + self.mean_
        return np.where(missing, reconstruction, X).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
