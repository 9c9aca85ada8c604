"""AutoencoderTransformer: a Keras autoencoder as a scikit-learn transformer."""

import contextlib
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _persistence
from ._backend import import_tensorflow
from ._datasource import StreamedRows, is_streamed, rows_of, rows_per_block
from ._inference import forward_for, map_rows, squared_error_per_row
from ._anchor import fit_pca_anchor
from ._networks import (
    NetworkSpec,
    build_networks,
    is_anchored,
    make_optimizer,
    mirrored_dense_pairs,
    set_pca_anchor,
    user_model,
)
from ._objectives import Objective
from ._progress import TrainingProgress
from ._training import TRAINER_POOL, CompiledTrainer, TrainingSnapshot, pretrain_layerwise, train

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "elu", "selu", "softplus")
LOSSES = ("mse", "binary_crossentropy")
OPTIMIZERS = ("adam", "rmsprop", "sgd", "adagrad", "adadelta")


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Dimensionality reduction with a Keras autoencoder.

    The encoder maps each row to a code of ``n_components`` values, like
    :class:`~sklearn.decomposition.PCA`; the decoder, which mirrors the
    encoder, maps any code back to a row of the input space. Both are dense
    Keras models trained together to reproduce their input.

    Parameters
    ----------
    n_components : int, default=2
        Size of the code (the bottleneck).
    hidden_layer_sizes : array-like of int, default=(128, 64)
        Widths of the encoder's hidden layers, input side first. The decoder
        uses them in reverse. ``()`` gives an encoder of one layer.
    activation : {"relu", "tanh", "sigmoid", "linear", "elu", "selu", \
            "softplus"}, default="relu"
        Activation of the hidden layers.
    code_activation : same options as ``activation``, default="linear"
        Activation of the code layer.
    output_activation : same options as ``activation``, default="linear"
        Activation of the reconstruction layer. "linear" suits data on any
        scale (raw or standardised columns); "sigmoid" only data in [0, 1]
        (e.g. after ``MinMaxScaler``) and "tanh" only data in [-1, 1]. A
        bounded output on data outside its range cannot reconstruct it and
        gives a ``DataScaleWarning``.
    loss : {"mse", "binary_crossentropy"}, default="mse"
        Training loss. Binary cross-entropy needs ``X`` in [0, 1] and
        ``output_activation="sigmoid"``.
    optimizer : {"adam", "rmsprop", "sgd", "adagrad", "adadelta"}, \
            default="adam"
        Keras optimizer, by name.
    learning_rate : float, default=0.001
        Step size of the optimizer.
    batch_size : int, default=32
        Rows per gradient step; capped at the number of training rows.
    epochs : int, default=300
        Most passes over the training data. Without early stopping, exactly
        this many run.
    shuffle : bool, default=True
        Whether to visit the rows in a new random order each epoch.
    early_stopping : bool, default=True
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and keep the weights of the best epoch, or of the untrained
        start if no epoch beats it (with ``init="pca"``: PCA).
    validation_fraction : float, default=0.1
        Share of rows held out for early stopping, in (0, 1).
    n_iter_no_change : int, default=20
        Epochs without improvement before early stopping.
    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as improvement.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted networks instead of new ones.
    corruption : {None, "gaussian", "masking"}, default=None
        Denoising: corrupt the training rows the encoder sees (Gaussian noise,
        or a share of entries set to zero) while the loss compares the
        reconstruction with the clean rows. ``transform`` never corrupts.
    corruption_level : float, default=0.1
        The noise's standard deviation, or the share of entries zeroed.
    activity_l1 : float, default=0.0
        Sparse: weight of an L1 penalty on the code, per row. Works with
        over-complete codes (``n_components`` above the number of features).
    contractive_weight : float, default=0.0
        Contractive: weight of the squared Frobenius norm of the encoder's
        Jacobian with respect to its input, per row.
    variational : bool, default=False
        Variational: the encoder gives a mean and a log-variance, the decoder
        sees a sample, and ``beta`` times the KL divergence from the unit
        Gaussian is added to the loss. ``transform`` returns the mean and
        :meth:`sample` decodes draws from the prior.
    beta : float, default=1.0
        Weight of the KL term of a variational model.
    image_shape : tuple of int, default=None
        Convolutional: ``(height, width)`` or ``(height, width, channels)``
        of each flat row; one entry may be -1, inferred from the number of
        features as in ``numpy.reshape``. Each entry of ``hidden_layer_sizes`` is then the
        filter count of a Conv2D + MaxPooling2D block, mirrored by
        UpSampling2D + Conv2D blocks. Rows stay flat in and out.
    pretrain_epochs : int, default=0
        Stacked: greedy layer-wise pretraining epochs for each layer pair of
        a dense network before fine-tuning end to end for ``epochs``. It holds
        the training rows in memory, even when ``X`` is read block by block.
    tied_weights : bool, default=False
        Whether each decoder layer's kernel is the transpose of its mirrored
        encoder layer's (dense networks only), halving the weights to learn.
    dropout : float, default=0.0
        Dropout rate after each hidden layer during training.
    batch_normalization : bool, default=False
        Whether to add batch normalisation after each hidden layer.
    encoder : keras.Model or callable, default=None
        Bring your own encoder: a Keras model mapping ``n_features`` to
        ``n_components`` columns (copied in ``fit``, never changed), or a
        function ``encoder(n_features, n_components)`` returning one.
    decoder : keras.Model or callable, default=None
        The same for the decoder, mapping ``n_components`` to ``n_features``
        columns; a function is called as ``decoder(n_components, n_features)``.
    distribution_strategy : "mirrored", tf.distribute.Strategy or None, \
            default=None
        Train on several devices: each mini-batch is split across the
        strategy's devices and their gradients summed, which gives the
        single-device result up to rounding. "mirrored" is
        ``tf.distribute.MirroredStrategy()`` over all local GPUs. Random
        draws of the denoising and variational variants differ per device,
        and batch normalisation uses each device's share of the batch.
        The fitted models are plain single-device models.
    init : {"auto", "pca", "random"}, default="auto"
        How the networks start. "pca": PCA-anchored, the code is PCA's
        projection plus a non-linear correction and the reconstruction
        PCA's reconstruction plus another; the corrections start at zero,
        so the untrained model is the PCA of the training rows, and
        everything then trains end to end (with early stopping, the
        untrained state is kept if no epoch beats it on the validation
        rows). It needs a dense network of the estimator's own with linear
        ``code_activation`` and ``output_activation``, no ``variational``
        and no ``pretrain_epochs``; ``tied_weights`` then ties PCA's two
        linear paths. "random": every layer starts from seeded random
        weights. "auto" is "pca" wherever the settings allow it, else
        "random".
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the shuffling.
        An int gives bitwise identical results on the same machine; None
        draws fresh entropy. The global random state of Python, NumPy and
        Keras is neither used nor changed.
    verbose : int, default=0
        0 prints nothing; 1 shows a live progress line (epoch, loss,
        validation loss, time left); 2 prints one line per epoch.

    Attributes
    ----------
    encoder_ : keras.Model
        Maps ``(n, n_features_in_)`` rows to ``(n, n_components)`` codes;
        a variational encoder returns ``[mean, log_variance]``.
    decoder_ : keras.Model
        Maps ``(n, n_components)`` codes to ``(n, n_features_in_)`` rows.
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch with early stopping, else None.
    best_validation_loss_ : float or None
        Lowest validation loss with early stopping, else None.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when they are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : The linear reduction this one generalizes.
    skautoencoder.reconstruction_scorer : Compare reducers in a grid search.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skautoencoder import AutoencoderTransformer
    >>> X = load_digits().data / 16
    >>> autoencoder = AutoencoderTransformer(n_components=2, epochs=5, random_state=0)
    >>> codes = autoencoder.fit_transform(X)
    >>> codes.shape
    (1797, 2)
    >>> autoencoder.inverse_transform(codes).shape
    (1797, 64)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "code_activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions(set(ACTIVATIONS))],
        "loss": [StrOptions(set(LOSSES))],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "corruption": [StrOptions({"gaussian", "masking"}), None],
        "corruption_level": [Interval(Real, 0, None, closed="left")],
        "activity_l1": [Interval(Real, 0, None, closed="left")],
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
        "variational": ["boolean"],
        "beta": [Interval(Real, 0, None, closed="left")],
        "image_shape": ["array-like", None],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left")],
        "tied_weights": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_normalization": ["boolean"],
        "encoder": [callable, None],
        "decoder": [callable, None],
        "distribution_strategy": [StrOptions({"mirrored"}), HasMethods(["scope", "run"]), None],
        "init": [StrOptions({"auto", "pca", "random"})],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        code_activation="linear",
        output_activation="linear",
        loss="mse",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=32,
        epochs=300,
        shuffle=True,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        corruption=None,
        corruption_level=0.1,
        activity_l1=0.0,
        contractive_weight=0.0,
        variational=False,
        beta=1.0,
        image_shape=None,
        pretrain_epochs=0,
        tied_weights=False,
        dropout=0.0,
        batch_normalization=False,
        encoder=None,
        decoder=None,
        distribution_strategy=None,
        init="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.activity_l1 = activity_l1
        self.contractive_weight = contractive_weight
        self.variational = variational
        self.beta = beta
        self.image_shape = image_shape
        self.pretrain_epochs = pretrain_epochs
        self.tied_weights = tied_weights
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.encoder = encoder
        self.decoder = decoder
        self.distribution_strategy = distribution_strategy
        self.init = init

    # -- fitting -----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train a new autoencoder on ``X`` (or continue, with ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. A NumPy memmap, an h5py dataset, a Zarr array
            or a Dask array is read a block of rows at a time, never whole:
            each epoch visits the blocks in a random order and shuffles the
            rows within each block.
        y : None
            Ignored; present for pipeline compatibility.

        Returns
        -------
        self : AutoencoderTransformer
            The fitted estimator. If fitting fails or is interrupted, the
            estimator is left exactly as it was before the call.
        """
        with self._unchanged_on_failure():
            continuing = self.warm_start and self._is_fitted()
            X = self._validate_training_data(X, reset=not continuing)
            self._train(X, continuing=continuing, epochs=self.epochs)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch on ``X``, continuing from the fitted state.

        Each call is one pass over ``X`` with the same optimizer, so calling
        it on successive chunks of a data set trains like one epoch of
        ``fit``. ``early_stopping`` is ignored here. The first call builds
        the networks; a PCA-anchored network (see ``init``) starts from the
        PCA of that first chunk, so give it a representative one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data, in memory or read block by block as
            in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        self : AutoencoderTransformer
        """
        with self._unchanged_on_failure():
            continuing = self._is_fitted()
            X = self._validate_training_data(X, reset=not continuing)
            self._train(X, continuing=continuing, epochs=1, incremental=True)
        return self

    def _is_fitted(self):
        return hasattr(self, "encoder_")

    def _validate_training_data(self, X, reset):
        if is_streamed(X):
            _check_streamed_shape(X)
            validate_data(self, X, reset=reset, skip_check_array=True)
            # One pass over the blocks checks every value and gives the ranges.
            column_low, column_high = StreamedRows(X).column_ranges()
        else:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
            column_low, column_high = X.min(axis=0), X.max(axis=0)
        low, high = float(column_low.min()), float(column_high.max())
        if self.loss == "binary_crossentropy":
            if self.output_activation != "sigmoid":
                raise ValueError(
                    "loss='binary_crossentropy' needs output_activation='sigmoid'; "
                    f"got output_activation={self.output_activation!r}."
                )
            if low < 0 or high > 1:
                raise ValueError(
                    "loss='binary_crossentropy' needs every value of X in [0, 1]; got values "
                    f"in [{low:g}, {high:g}]. Scale X first (e.g. MinMaxScaler) or use loss='mse'."
                )
        _check_float32_range(low, high)
        _warn_if_unscaled(column_high - column_low)
        if self.decoder is None:
            _warn_if_outside_output_range(self.output_activation, low, high)
        if self.early_stopping and X.shape[0] < 2:
            raise ValueError(
                f"early_stopping=True needs at least 2 samples to hold out validation rows; "
                f"got n_samples={X.shape[0]}."
            )
        return X

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                "The 'hidden_layer_sizes' parameter of AutoencoderTransformer must be a sequence "
                f"of ints >= 1. Got {self.hidden_layer_sizes!r} instead."
            )
        return tuple(int(s) for s in sizes)

    def _network_spec(self, n_features):
        """The networks' shape, after checking that the parameters combine."""
        image_shape = None
        if self.image_shape is not None:
            image_shape = _resolve_image_shape(self.image_shape, n_features)
        if self.corruption == "masking" and self.corruption_level >= 1:
            raise ValueError(
                "corruption='masking' needs corruption_level, the share of entries zeroed, in [0, 1); "
                f"got {self.corruption_level}."
            )
        if self.variational and self.encoder is not None:
            raise ValueError("variational=True builds its own two-headed encoder; it cannot be combined with encoder=.")
        for name, asked in (("pretrain_epochs > 0", self.pretrain_epochs), ("tied_weights=True", self.tied_weights)):
            if asked and (image_shape or self.variational or self.encoder or self.decoder):
                raise ValueError(
                    f"{name} works on the mirrored layers of a dense network; it cannot be combined with "
                    "image_shape, variational=True, encoder= or decoder=."
                )
        return NetworkSpec(
            pca_anchored=self._uses_pca_anchor(image_shape),
            n_components=self.n_components,
            hidden_layer_sizes=self._hidden_layer_sizes(),
            activation=self.activation,
            code_activation=self.code_activation,
            output_activation=self.output_activation,
            image_shape=image_shape,
            variational=self.variational,
            dropout=self.dropout,
            batch_normalization=self.batch_normalization,
        )

    def _uses_pca_anchor(self, image_shape):
        """Whether ``init`` asks for, and the settings allow, a PCA-anchored network."""
        conflicts = [
            name
            for name, conflict in (
                ("image_shape", image_shape is not None),
                ("encoder=", self.encoder is not None),
                ("decoder=", self.decoder is not None),
                ("variational=True", self.variational),
                ("pretrain_epochs > 0", self.pretrain_epochs > 0),
                (f"code_activation={self.code_activation!r}", self.code_activation != "linear"),
                (f"output_activation={self.output_activation!r}", self.output_activation != "linear"),
            )
            if conflict
        ]
        if self.init == "random" or (self.init == "auto" and conflicts):
            return False
        if conflicts:
            raise ValueError(
                "init='pca' starts from PCA's linear code and reconstruction, so it needs a dense network "
                f"of the estimator's own with linear code and output; it cannot be combined with "
                f"{', '.join(conflicts)}. Use init='random', or init='auto', which picks it for these settings."
            )
        return True

    def _build_networks(self, n_features, seed):
        encoder, decoder = build_networks(n_features, self._network_spec(n_features), seed)
        if self.encoder is not None:
            encoder = user_model(self.encoder, n_features, self.n_components, "encoder", seed)
        if self.decoder is not None:
            decoder = user_model(self.decoder, self.n_components, n_features, "decoder", seed + 1)
        return encoder, decoder

    def _objective(self, encoder, decoder, seed):
        return Objective(
            encoder,
            decoder,
            self.loss,
            corruption=self.corruption,
            corruption_level=self.corruption_level,
            activity_l1=self.activity_l1,
            contractive_weight=self.contractive_weight,
            variational=len(encoder.outputs) == 2,
            beta=self.beta,
            seed=seed,
            tied_pairs=mirrored_dense_pairs(encoder, decoder) if self.tied_weights else (),
        )

    def _random_state(self):
        # None draws fresh entropy rather than NumPy's global generator, so
        # that fitting never changes the global random state users rely on.
        if self.random_state is None:
            return np.random.RandomState()
        return check_random_state(self.random_state)

    def _train(self, X, *, continuing, epochs, incremental=False):
        rng = self._random_state()
        network_seed, noise_seed = (int(v) for v in rng.randint(np.iinfo(np.int32).max // 2, size=2))
        source = rows_of(X)
        rows = np.arange(X.shape[0], dtype=np.int32 if X.shape[0] < 2**31 else np.int64)
        validation_rows = None
        if self.early_stopping and not incremental:
            rows, validation_rows = _split_rows(rows, self.validation_fraction, rng)
        if continuing:
            encoder, decoder = self.encoder_, self.decoder_
            trainer = self._trainer_for_continuing(keep_optimizer=incremental, seed=noise_seed)
        else:
            encoder, decoder = self._build_networks(X.shape[1], network_seed)
            if is_anchored(encoder):
                set_pca_anchor(encoder, decoder, fit_pca_anchor(source, rows, self.n_components, network_seed))
            if self.pretrain_epochs:
                # Pretraining holds the training rows, and their codes, in memory.
                inputs = np.concatenate(list(source.chunks(rows, rows_per_block(X.shape[1]))))
                pretrain_layerwise(
                    encoder, decoder, inputs, loss=self.loss, epochs=self.pretrain_epochs,
                    batch_size=self.batch_size, shuffle=self.shuffle, rng=rng,
                    make_optimizer=lambda: make_optimizer(self.optimizer, self.learning_rate),
                )
            trainer = self._trainer_for_new_networks(encoder, decoder, noise_seed)
        progress = TrainingProgress(self.verbose, epochs)
        result = train(
            trainer,
            source,
            rows,
            epochs=epochs,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            rng=rng,
            validation_rows=validation_rows,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            progress=progress,
        )
        progress.close()
        if validation_rows is not None and not result.stopped_early:
            warnings.warn(
                f"Maximum epochs ({epochs}) reached and the validation loss has not "
                "converged yet. Raise epochs, or tol.",
                ConvergenceWarning,
                stacklevel=4,  # the caller of fit
            )
        previous_curve = self.loss_curve_ if continuing else []
        self.loss_curve_ = previous_curve + result.loss_curve
        self.n_iter_ = len(self.loss_curve_)
        self.validation_loss_curve_ = result.validation_loss_curve if validation_rows is not None else None
        self.best_validation_loss_ = result.best_validation_loss if validation_rows is not None else None
        self._forward_cache = {}
        vars(self).pop("_optimizer_state", None)
        vars(self).pop("_trainer", None)
        if trainer.objective.encoder is not encoder:
            # A pooled or distributed trainer trained copies of the models.
            encoder.set_weights(trainer.objective.encoder.get_weights())
            decoder.set_weights(trainer.objective.decoder.get_weights())
            self._optimizer_state = _persistence.optimizer_state(trainer.optimizer)
        else:
            self._trainer = trainer
        self.encoder_, self.decoder_ = encoder, decoder

    def _training_settings(self):
        names = ("loss", "optimizer", "learning_rate", "corruption", "corruption_level",
                 "activity_l1", "contractive_weight", "beta", "tied_weights")
        return tuple(getattr(self, name) for name in names)

    def _new_trainer(self, encoder, decoder, seed):
        optimizer = make_optimizer(self.optimizer, self.learning_rate)
        return CompiledTrainer(self._objective(encoder, decoder, seed), optimizer, settings=self._training_settings())

    def _trainer_for_new_networks(self, encoder, decoder, seed):
        """The trainer for a fresh fit of ``encoder`` and ``decoder``.

        Networks built from the estimator's parameters alone train as copies
        in a compiled trainer kept in ``TRAINER_POOL`` for the next fit of
        the same shape, and with a distribution strategy as copies on its
        devices. User models, dropout (whose random state lives in its
        layers) and pretraining get a trainer of their own.
        """
        if self.distribution_strategy is not None:
            return self._distributed_trainer(encoder, decoder, seed)
        if self.encoder is not None or self.decoder is not None or self.dropout or self.pretrain_epochs:
            return self._new_trainer(encoder, decoder, seed)
        n_features = encoder.input_shape[-1]
        key = (n_features, self._network_spec(n_features), self._training_settings())
        trainer = TRAINER_POOL.trainer(key, lambda: self._new_trainer(*self._build_networks(n_features, 0), seed))
        trainer.start_from(encoder.get_weights(), decoder.get_weights(), seed)
        return trainer

    def _distributed_trainer(self, encoder, decoder, seed):
        """A trainer of copies of ``encoder`` and ``decoder`` on the strategy's devices."""
        strategy = self.distribution_strategy
        if strategy == "mirrored":
            strategy = import_tensorflow().distribute.MirroredStrategy()
        n_features = encoder.input_shape[-1]
        with strategy.scope():
            objective = self._objective(*self._build_networks(n_features, 0), seed)
            optimizer = make_optimizer(self.optimizer, self.learning_rate)
            trainer = CompiledTrainer(objective, optimizer, settings=self._training_settings(), strategy=strategy)
        trainer.start_from(encoder.get_weights(), decoder.get_weights(), seed)
        return trainer

    def _trainer_for_continuing(self, keep_optimizer, seed):
        """The trainer for more epochs on the fitted networks.

        ``partial_fit`` keeps the optimizer and its compiled steps between
        calls; ``fit`` with ``warm_start`` starts a fresh optimizer.
        """
        trainer = getattr(self, "_trainer", None)
        if keep_optimizer and trainer is not None and trainer.settings == self._training_settings():
            return trainer
        if self.distribution_strategy is not None:
            new_trainer = self._distributed_trainer(self.encoder_, self.decoder_, seed)
        else:
            new_trainer = self._new_trainer(self.encoder_, self.decoder_, seed)
        saved_optimizer = getattr(self, "_optimizer_state", None)
        if keep_optimizer and trainer is None and saved_optimizer is not None:
            _persistence.restore_optimizer(new_trainer.optimizer, saved_optimizer)
        return new_trainer

    @contextlib.contextmanager
    def _unchanged_on_failure(self):
        """Restore attributes, weights and optimizer state if the block raises.

        Covers ``KeyboardInterrupt`` too: a failed or interrupted fit leaves
        the previous fitted model usable, never a mix of old and new.
        """
        attributes = dict(vars(self))
        trainer = getattr(self, "_trainer", None)
        snapshot = TrainingSnapshot(
            [getattr(self, name) for name in ("encoder_", "decoder_") if hasattr(self, name)],
            trainer.optimizer if trainer is not None else None,
        )
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(attributes)
            snapshot.restore()
            raise

    # -- inference ---------------------------------------------------------

    def _forward(self, part):
        cache = getattr(self, "_forward_cache", None)
        if cache is None:
            cache = self._forward_cache = {}
        if part not in cache:
            cache[part] = forward_for(self.encoder_ if part == "encoder" else self.decoder_)
        return cache[part]

    def _validate_fitted_input(self, X):
        check_is_fitted(self)
        if is_streamed(X):
            _check_streamed_shape(X)
            validate_data(self, X, reset=False, skip_check_array=True)
            return X
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    def transform(self, X):
        """Encode rows of ``X`` into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            An array in memory, or one read a block at a time: a NumPy
            memmap, an h5py dataset or a Zarr array.  A Dask array gives a
            Dask array of codes, computed lazily block by block.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            In the dtype of ``X`` (float32 stays float32, else float64).
        """
        X = self._validate_fitted_input(X)
        return map_rows(self._encode_rows, X, self.n_components)

    def inverse_transform(self, X):
        """Decode codes into rows of the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, from :meth:`transform` or any other point of the code
            space; streamed arrays work as in :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if is_streamed(X):
            _check_streamed_shape(X)
        else:
            X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if X.shape[1] != self.n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but the decoder of {type(self).__name__} "
                f"expects codes of n_components={self.n_components} features."
            )
        return map_rows(self._decode_rows, X, self.n_features_in_)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            In memory or streamed, as in :meth:`transform`.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is better; 0 is a perfect reconstruction.
        """
        X = self._validate_fitted_input(X)
        return map_rows(self._negative_error_rows, X, dtype=np.float64)

    def _encode_rows(self, X):
        return self._forward("encoder")(X)

    def _decode_rows(self, X):
        return self._forward("decoder")(X)

    def _negative_error_rows(self, X):
        return -squared_error_per_row(self._forward("encoder"), self._forward("decoder"), X)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error over all of ``X``.

        Higher is better, so :class:`~sklearn.model_selection.GridSearchCV`
        can maximize it unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Decode codes drawn from the prior of a variational model.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; the global random state is not used.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if len(self.encoder_.outputs) != 2:
            raise ValueError("sample() draws from the prior of a variational model; fit with variational=True.")
        rng = np.random.RandomState() if random_state is None else check_random_state(random_state)
        return self.inverse_transform(rng.standard_normal((n_samples, self.n_components)))

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- persistence -------------------------------------------------------

    def save(self, path):
        """Save the fitted estimator to ``path``; read it back with :func:`load`.

        The file is a zip archive of the parameters and fitted attributes as
        JSON and the encoder and decoder in Keras's native ``.keras`` format.
        It is written to a temporary file first and then renamed, so an
        existing file is never left half-written.

        Parameters
        ----------
        path : str or os.PathLike
        """
        check_is_fitted(self)
        from . import __version__

        _persistence.save_estimator(self, path, __version__)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never alter the live estimator
        state.pop("_forward_cache", None)
        trainer = state.pop("_trainer", None)
        if trainer is not None:
            state["_optimizer_state"] = _persistence.optimizer_state(trainer.optimizer)
        for name, value in state.items():
            if _persistence.is_keras_model(value):
                state[name] = _persistence.model_to_bytes(value)
        return state

    def __setstate__(self, state):
        state = {
            name: _persistence.model_from_bytes(value) if isinstance(value, _persistence.KerasModelBytes) else value
            for name, value in state.items()
        }
        super().__setstate__(state)


def _check_streamed_shape(X):
    """Refuse a streamed array that is not 2-D or has no rows or columns."""
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(f"Expected a 2D array, got an array of shape {shape} instead.")
    if min(shape) < 1:
        raise ValueError(
            f"Found array with shape {shape}, while at least one sample and one feature are required."
        )


def _resolve_image_shape(image_shape, n_features):
    """``(height, width, channels)`` from the parameter; one entry may be -1."""
    shape = tuple(int(v) for v in image_shape)
    if len(shape) == 2:
        shape += (1,)
    known = math.prod(v for v in shape if v != -1)
    if shape.count(-1) == 1 and known > 0 and n_features % known == 0:
        shape = tuple(n_features // known if v == -1 else v for v in shape)
    if len(shape) != 3 or min(shape) < 1 or math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} must be (height, width) or (height, width, channels) of positive "
            f"ints (one may be -1) whose product is the number of features, {n_features}."
        )
    return shape


class DataScaleWarning(UserWarning):
    """The training data's scale does not suit the model.

    Its columns span very different ranges, or it holds values the bounded
    ``output_activation`` cannot produce.
    """


# Columns whose value ranges differ by more than this factor train poorly.
_SCALE_RATIO_WARNING = 1e4


def _check_float32_range(low, high):
    """Refuse values, between ``low`` and ``high``, that float32 would overflow."""
    largest = max(abs(low), abs(high))
    limit = float(np.finfo(np.float32).max) / 1e3  # room for sums and squares
    if largest > limit:
        raise ValueError(
            f"X holds values up to {largest:.3g}, too large for the float32 network (limit {limit:.3g}). "
            "Scale X first, e.g. with StandardScaler."
        )


def _warn_if_unscaled(spans):
    """Warn when the columns' value ranges ``spans`` differ by orders of magnitude."""
    spans = spans[spans > 0]
    if spans.size > 1 and spans.max() / spans.min() > _SCALE_RATIO_WARNING:
        warnings.warn(
            f"The columns of X span very different ranges (from {spans.min():.3g} to {spans.max():.3g}); "
            "autoencoders train best on scaled data: put a StandardScaler or MinMaxScaler first.",
            DataScaleWarning,
            stacklevel=5,  # helper, _validate_training_data, fit, its _fit_context wrapper, the caller
        )


# What each bounded output activation can produce.
_OUTPUT_RANGES = {
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, math.inf),
    "softplus": (0.0, math.inf),
    "elu": (-1.0, math.inf),
    "selu": (-1.7581, math.inf),
}


def _warn_if_outside_output_range(output_activation, low, high):
    """Warn when X holds values, in [low, high], the output activation cannot produce."""
    if output_activation not in _OUTPUT_RANGES:
        return
    bottom, top = _OUTPUT_RANGES[output_activation]
    if low < bottom or high > top:
        warnings.warn(
            f"output_activation={output_activation!r} gives values in [{bottom:g}, {top:g}], but X holds "
            f"values in [{low:.3g}, {high:.3g}] that the reconstruction can never reach. Scale X into that "
            "range (e.g. MinMaxScaler for 'sigmoid') or use output_activation='linear'.",
            DataScaleWarning,
            stacklevel=5,  # helper, _validate_training_data, fit, its _fit_context wrapper, the caller
        )


def _split_rows(rows, validation_fraction, rng):
    """Split row indices at random into sorted training and validation rows."""
    n_validation = min(max(1, int(round(validation_fraction * len(rows)))), len(rows) - 1)
    shuffled = rng.permutation(rows)
    return np.sort(shuffled[n_validation:]), np.sort(shuffled[:n_validation])
