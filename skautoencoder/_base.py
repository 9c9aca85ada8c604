"""What every fitted autoencoder does: encode, decode, score, sample, pickle and save.

:class:`BaseAutoencoder` holds the fitted state's uses, as scikit-learn's
``_BasePCA`` does for ``PCA``; the public estimator adds its parameters and
the fit methods.
"""

import contextlib

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from . import _persistence
from ._data_checks import check_missing_values, check_streamed_shape, own_random_state, validated_rows
from ._data_sources import is_streamed
from ._engine.inference import forward_for, map_rows, squared_error_per_row
from ._engine.snapshot import TrainingSnapshot
from ._missing_values import filled, observed_squared_error_per_row
from ._version import __version__


@contextlib.contextmanager
def unchanged_on_failure(estimator, snapshot=None):
    """Restore ``estimator``'s attributes, and ``snapshot`` (weights, optimizer state), if the block raises.

    Covers ``KeyboardInterrupt`` too: a failed or interrupted fit leaves
    the previous fitted model usable, never a mix of old and new.
    """
    attributes = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(attributes)
        if snapshot is not None:
            snapshot.restore()
        raise


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Transform, inverse transform, scores, sampling, pickling and saving of a fitted autoencoder.

    Subclasses set ``encoder_``, ``decoder_``, ``n_features_in_`` and the
    parameter ``n_components`` when they fit.
    """

    def _unchanged_on_failure(self):
        """Restore attributes, weights and optimizer state if the block raises (see :func:`unchanged_on_failure`)."""
        state = getattr(self, "_training_state", None)
        trainer = state.trainer if state is not None else None
        snapshot = TrainingSnapshot(
            [getattr(self, name) for name in ("encoder_", "decoder_") if hasattr(self, name)],
            trainer.optimizer if trainer is not None else None,
        )
        return unchanged_on_failure(self, snapshot)

    # -- inference ---------------------------------------------------------

    def _forward(self, part):
        """The NumPy forward pass of ``encoder_`` or ``decoder_``, made once per model.

        It copies the model's weights: a model assigned to the attribute is
        picked up, weights changed in place on the current one are not.
        """
        model = self.encoder_ if part == "encoder" else self.decoder_
        cache = getattr(self, "_forward_cache", None)
        if cache is None:
            cache = self._forward_cache = {}
        if part not in cache or cache[part][0] is not model:
            cache[part] = (model, forward_for(model))
        return cache[part][1]

    def _validate_fitted_input(self, X):
        check_is_fitted(self)
        rows = validated_rows(self, X, reset=False)
        check_missing_values(self, rows, new_fit=False)
        return rows.X

    def transform(self, X):
        """Encode rows of ``X`` into codes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            An array in memory, a SciPy sparse matrix or array (made dense
            a chunk of rows at a time), or one read a block at a time: a
            NumPy memmap, an h5py dataset or a Zarr array. A Dask array
            gives a Dask array of codes, computed lazily block by block.
            A model fitted on data with NaN takes NaN in dense rows in
            memory, each seen as ``fill_values_`` gives it.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            In the dtype of ``X`` (float32 stays float32, else float64).
        """
        X = self._validate_fitted_input(X)
        return map_rows(self._encode_rows, X, self._n_features_out)

    def inverse_transform(self, X):
        """Decode codes into rows of the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, from :meth:`transform` or any other point of the code
            space; streamed arrays work as in :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        if is_streamed(X):
            check_streamed_shape(X)
        else:
            X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        n_components = self._n_features_out
        if X.shape[1] != n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but the decoder of {type(self).__name__} "
                f"expects codes of n_components={n_components} features."
            )
        return map_rows(self._decode_rows, X, self.n_features_in_)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            In memory, sparse or streamed, as in :meth:`transform`.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is better; 0 is a perfect reconstruction. For rows with
            NaN, the mean is over the observed entries; a row with none
            scores NaN.
        """
        X = self._validate_fitted_input(X)
        return map_rows(self._negative_error_rows, X, dtype=np.float64)

    def _filled_rows(self, X):
        """``X`` with each NaN as the encoder learned to see it (a copy), or ``X`` itself."""
        fill_values = getattr(self, "fill_values_", None)
        if fill_values is None or not np.isnan(X).any():
            return X
        return filled(X, fill_values)

    def _encode_rows(self, X):
        return self._forward("encoder")(self._filled_rows(X))

    def _decode_rows(self, X):
        return self._forward("decoder")(X)

    def _negative_error_rows(self, X):
        if getattr(self, "fill_values_", None) is not None and np.isnan(X).any():
            reconstruction = self._forward("decoder")(self._encode_rows(X))
            return -observed_squared_error_per_row(X, reconstruction)
        return -squared_error_per_row(self._forward("encoder"), self._forward("decoder"), X)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error over all of ``X``.

        Higher is better, so :class:`~sklearn.model_selection.GridSearchCV`
        can maximize it unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`score_samples`.
        y : None
            Ignored.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples` over the rows: for rows with
            NaN, each row's error is over its observed entries, and a row
            with none is left out.

        Raises
        ------
        ValueError
            If every row of ``X`` is entirely missing.
        """
        scores = np.asarray(self.score_samples(X))  # one number a row, also for a Dask array
        scored = scores[~np.isnan(scores)]
        if not len(scored):
            raise ValueError("Every row of X is entirely missing (NaN): there is no reconstruction error to score.")
        return float(np.mean(scored))

    def sample(self, n_samples=1, random_state=None):
        """Decode codes drawn from the prior of a variational model.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; the global random state is not used.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        if len(self.encoder_.outputs) != 2:
            raise ValueError("sample() draws from the prior of a variational model; fit with variational=True.")
        rng = own_random_state(random_state)
        return self.inverse_transform(rng.standard_normal((n_samples, self._n_features_out)))

    @property
    def _n_features_out(self):
        """The fitted code's width: the decoder's input, whatever ``n_components`` says since the fit."""
        return int(self.decoder_.inputs[0].shape[-1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = tags.input_tags.allow_nan = True
        return tags

    # -- persistence -------------------------------------------------------

    def save(self, path):
        """Save the fitted estimator to ``path``; read it back with :func:`load`.

        The file is a zip archive of the parameters and fitted attributes as
        JSON and the encoder and decoder in Keras's native ``.keras`` format.
        It is written to a temporary file first and then renamed, so an
        existing file is never left half-written. An existing file at
        ``path`` is replaced, as ``pickle.dump`` into a file opened for
        writing would replace it (the command line asks for ``--force``
        instead). What :meth:`set_output` chose is saved too.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write; its folder must exist.

        Raises
        ------
        OSError
            When the system refuses to write, naming ``path`` (a missing
            folder, a folder of that name, no permission, a full disk); an
            existing file is then left as it was.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from skautoencoder import AutoencoderTransformer, load
        >>> X = np.random.RandomState(0).rand(50, 4)
        >>> model = AutoencoderTransformer(2, epochs=2, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.skae")
        >>> model.save(path)
        >>> bool(np.allclose(load(path).transform(X), model.transform(X)))
        True
        """
        check_is_fitted(self)
        _persistence.save_estimator(self, path, __version__)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never alter the live estimator
        state.pop("_forward_cache", None)
        if "callbacks_" in state:
            state["callbacks_"] = None  # they hold live writers and models, e.g. TensorBoard's
        for name, value in state.items():
            if _persistence.is_keras_model(value):
                state[name] = _persistence.model_to_bytes(value)
        return state

    def __setstate__(self, state):
        state = {
            name: _persistence.model_from_bytes(value) if _persistence.holds_model_bytes(name, value) else value
            for name, value in state.items()
        }
        super().__setstate__(state)
