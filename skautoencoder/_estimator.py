"""AutoencoderTransformer: a Keras autoencoder as a scikit-learn transformer.

The class holds the parameters, their constraints and the fit methods; what
a fitted autoencoder does lives in :class:`~skautoencoder._base.BaseAutoencoder`,
and the fit itself in :func:`~skautoencoder._fitting.fit_autoencoder`.
"""

from sklearn.base import _fit_context

from ._base import BaseAutoencoder
from ._data_checks import own_random_state
from ._fitting import FitResult, fit_autoencoder
from ._parameters import PARAMETER_CONSTRAINTS
from ._training_data import validated_training_data


class AutoencoderTransformer(BaseAutoencoder):
    """Dimensionality reduction with a Keras autoencoder.

    The encoder maps each row to a code of ``n_components`` values, like
    :class:`~sklearn.decomposition.PCA`; the decoder, which mirrors the
    encoder, maps any code back to a row of the input space. Both are dense
    Keras models trained together to reproduce their input.

    Parameters
    ----------
    n_components : int, default=2
        Size of the code (the bottleneck). A code of 2 or 3 values is taken
        as a picture of the data: the ``"auto"`` defaults then make a map
        that keeps neighbours (see ``neighbor_weight``); wider codes get the
        settings that reconstruct best.
    hidden_layer_sizes : "auto" or array-like of int, default="auto"
        Widths of the encoder's hidden layers, input side first. The decoder
        uses them in reverse. ``()`` gives an encoder of one layer. "auto"
        is ``(256, 128, 64)`` when the neighbourhood term is on, else
        ``(256, 128)``.
    activation : "auto", str or callable, default="auto"
        Activation of the hidden layers: any name Keras knows ("relu",
        "tanh", "gelu", "silu"...) or a Keras activation function. "auto" is
        "tanh" when the neighbourhood term is on, else "relu".
    code_activation : str or callable, default="linear"
        Activation of the code layer.
    output_activation : str or callable, default="linear"
        Activation of the reconstruction layer. "linear" suits data on any
        scale (raw or standardised columns); "sigmoid" only data in [0, 1]
        (e.g. after ``MinMaxScaler``) and "tanh" only data in [-1, 1]. A
        bounded output on data outside its range cannot reconstruct it and
        gives a ``DataScaleWarning``.
    loss : str or callable, default="mse"
        Training loss per row: "mse", "binary_crossentropy" (which needs
        ``X`` in [0, 1] and ``output_activation="sigmoid"``), any other
        name Keras knows ("mae", "huber", "log_cosh"...), a Keras loss
        object (``keras.losses.Huber(delta=0.5)``) or a function
        ``loss(x, reconstruction)`` giving one value per row or per entry
        (entries are averaged over the row). ``score`` stays the mean
        squared error, as PCA's comparison needs.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        Any optimizer name Keras knows ("adam", "nadam", "adamw", "sgd"...),
        or an optimizer object, which each fit copies from its
        configuration (the object itself is never built or changed).
    learning_rate : float or None, default=None
        Step size of the optimizer. None keeps the optimizer's own: Keras's
        default for a name (0.001 for "adam", 0.01 for "sgd"), or the
        object's.
    batch_size : "auto" or int, default="auto"
        Rows per gradient step; capped at the number of training rows.
        "auto" is 16 when the neighbourhood term is on, else 32.
    epochs : int, default=300
        Most passes over the training data. Without early stopping, exactly
        this many run.
    shuffle : bool, default=True
        Whether to visit the rows in a new random order each epoch.
    early_stopping : bool, default=True
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their loss has not improved by ``tol`` (relative) for
        ``n_iter_no_change`` epochs, and keep the weights of the best
        epoch, or of the untrained start if no epoch beats it (with
        ``init="pca"``: PCA).
    validation_fraction : "auto" or float, default="auto"
        Share of rows held out for early stopping, in (0, 1). "auto" holds
        out 10% of 1,200 rows or more, and 120 rows, at most 30%, of fewer:
        the rows on which the trained network must beat PCA with
        confidence (see ``init``).
    n_iter_no_change : "auto" or int, default="auto"
        Epochs without improvement before early stopping. "auto" counts
        them in rows: as many epochs as train on 60,000 rows, at least one
        and at most 30 when the neighbourhood term is on, else 20 (so 30
        or 20 for up to 2,000 training rows, one from 60,000).
    tol : float, default=1e-4
        Smallest relative decrease of the validation loss that counts as
        improvement: an epoch improves on the best loss so far, ``best``,
        if its loss is below ``best - tol * abs(best)``, whatever the
        data's units.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted networks instead of new ones.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the shuffling.
        An int gives bitwise identical results on the same machine (with
        the neighbourhood term on, identical to float32 rounding); None
        draws fresh entropy. The global random state of Python, NumPy and
        Keras is neither used nor changed.
    verbose : int, default=0
        0 prints nothing; 1 shows a live progress line (epoch, loss,
        validation loss, time left); 2 prints one line per epoch.
    corruption : {None, "gaussian", "masking"}, default=None
        Denoising: corrupt the training rows the encoder sees (Gaussian noise,
        or a share of entries set to zero) while the loss compares the
        reconstruction with the clean rows. The validation rows early
        stopping watches are corrupted too, by one draw that stays the same
        at every epoch. ``transform`` never corrupts.
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
        so the untrained model is the PCA of every row given to ``fit``
        (validation rows included: the PCA you would compare with), and
        everything then trains end to end. With early stopping, where the
        loss is the squared error alone or holds the neighbourhood term, a
        trained state is kept only if the validation rows show, with 95%
        confidence (a one-sided bound on the mean of their per-row
        differences), that it reconstructs no worse than PCA (with the
        neighbourhood term: within 2% of PCA); otherwise the untrained
        state, PCA, is kept. Other terms (corruption, sparsity, labels...)
        trade reconstruction for what they ask, and choose by their own
        validation loss. It needs a dense network of the estimator's own with linear
        ``code_activation`` and ``output_activation``, no ``variational``
        and no ``pretrain_epochs``; ``tied_weights`` then ties PCA's two
        linear paths. "random": every layer starts from seeded random
        weights. "auto" is "pca" wherever the settings allow it, else
        "random".
    neighbor_weight : "auto" or float, default="auto"
        Neighbourhood-preserving codes, for maps: weight of a contrastive
        term that keeps each training row's code near the codes of its
        ``n_neighbors`` nearest training rows (Euclidean, in input space)
        and away from other rows' codes, t-SNE-like (InfoNCE under a
        Cauchy kernel, on one neighbour per row drawn each epoch and 16
        other rows of its batch). The term is counted in units of the mean
        squared error that PCA with ``n_components`` leaves on the training
        rows, so a weight means the same on any units and the map cannot
        outweigh what a linear code explains. With early stopping, the
        kept epoch is the best, by the combined validation loss, of those
        that reconstruct the validation rows within 2% of PCA's error (a
        PCA start always does); a ``NeighborhoodWarning`` says when that
        was the untrained start, or when no state met the bound (without
        early stopping, checked on the training rows).
        ``transform`` stays the encoder and ``inverse_transform`` the
        decoder. The neighbour graph is exact up to 20,000 training rows
        and approximate above, its recall measured (see
        ``neighbor_graph_``): for an array, faiss's HNSW index of the rows
        in memory. Data read block by block (a memmap, h5py, Zarr, Dask) is
        paired block by block, each block's partners gathered from a
        float32 memmap: the file itself, or a copy written once to the
        temporary directory and removed after the fit; above 20,000 training rows
        its graph is searched there cluster by cluster of a k-means
        partition, in memory that does not grow with the rows beyond the
        graph. With
        early stopping the validation rows' neighbours are found among the
        training rows, and ``partial_fit`` pairs rows within each chunk.
        "auto" is 1.0 for a map (``n_components`` of 2 or 3) of a
        PCA-anchored network (see ``init``: the anchor bounds the term's
        cost), else 0.0, and the map must earn its place: a new fit with
        early stopping on at most 2,000 training rows also trains
        reconstruction alone (0.0, with the settings "auto" gives it) on
        the same training rows, and keeps the map only where its
        validation rows show, with 95% confidence, that it keeps
        neighbours better (a one-sided bound on the mean gain in the share
        of each validation row's 20 nearest training rows that stay its
        nearest in the code); otherwise it keeps reconstruction alone. With
        fewer than 30 validation rows (under 100 rows) it fits reconstruction
        alone once; larger data keeps the map without the second fit.
        ``neighbor_weight_`` and ``map_choice_`` say what the fit resolved.
        Set it to 0.0 for an autoencoder tuned for reconstruction alone at
        any ``n_components``.
    n_neighbors : int, default=15
        Neighbours per training row for ``neighbor_weight``; capped at the
        number of training rows minus one.
    label_weight : float, default=0.0
        Weight of a classification term on the code: with ``label_weight >
        0``, ``fit(X, y)`` trains a linear softmax classifier of the code
        along with the networks, on the rows whose label is known (as in
        :mod:`sklearn.semi_supervised`, -1 marks an unknown label; so do
        None and NaN, as pandas gives a missing one, also among text
        labels in an object array), so
        that codes of one class gather and classes part. The cross-entropy
        is weighed in units of the data's mean column variance, and the
        validation loss of early stopping includes it. At 0, ``y`` is
        ignored, so a ``Pipeline`` that passes ``y`` to every step changes
        nothing unless asked.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks, called as ``model.fit`` calls them when each epoch
        is one compiled call (``steps_per_execution``): at every epoch's
        start and end, with the logs ``loss`` and, with early stopping,
        ``val_loss``. Their ``model`` is the autoencoder as one Keras model
        compiled with the fit's optimizer: ``ModelCheckpoint`` saves it,
        ``LearningRateScheduler`` and ``ReduceLROnPlateau`` set its learning
        rate, ``CSVLogger``, ``TensorBoard`` and ``EarlyStopping`` work, and
        setting ``model.stop_training`` ends the fit. Each ``fit`` calls
        deep copies (so the list you pass never changes, as ``clone``
        expects) and keeps them as ``callbacks_``; ``partial_fit`` goes on
        with the same copies. A NaN or infinite loss always ends the fit
        with an error, the estimator left as it was (``TerminateOnNaN``
        has nothing to add).

    Attributes
    ----------
    encoder_ : keras.Model
        Maps ``(n, n_features_in_)`` rows to ``(n, n_components)`` codes;
        a variational encoder returns ``[mean, log_variance]``.
    decoder_ : keras.Model
        Maps ``(n, n_components)`` codes to ``(n, n_features_in_)`` rows.
        ``transform``, ``inverse_transform`` and the scores compute with a
        NumPy copy of each model's weights, made at first use: a model
        assigned to ``encoder_`` or ``decoder_`` is used from then on, but
        weights changed in place (``set_weights``, training with Keras) are
        not seen until you assign the model again as a new object (e.g.
        ``keras.models.clone_model`` with the new weights) or refit.
    loss_curve_ : list of float
        Training loss of each epoch, those of earlier fits included when
        training goes on (``warm_start``, ``partial_fit``), as in
        scikit-learn's ``MLPRegressor``.
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch with early stopping, one per entry
        of ``loss_curve_``: NaN for the epochs run without validation
        (``partial_fit``, ``early_stopping=False``); None where no epoch
        was validated.
    best_validation_loss_ : float or None
        The kept state's validation loss when the last fit used early
        stopping, else None.
    best_epoch_ : int or None
        The epoch whose weights were kept when the last fit used early
        stopping, counted like ``n_iter_``: 0 for the untrained start, and
        for a fit that went on (``warm_start``) the earlier fits' last
        epoch when no new one was kept. None otherwise (the last epoch).
    n_iter_ : int
        Epochs run, by every fit so far: ``len(loss_curve_)``.
    neighbor_graph_ : dict or None
        How the last fit found its neighbour graph, with the neighbourhood
        term on: ``"method"`` (``"exact"``, or ``"approximate"`` above
        20,000 training rows), ``"search"`` (``"exact"``, ``"hnsw"`` for
        rows in memory, ``"nearest clusters"`` for rows on disk),
        ``"n_neighbors"``, ``"recall"`` (the share
        of the exact neighbours the graph lists, measured on 200 training
        rows; 1.0 when exact) and ``"seconds"``. None without the term.
    pca_floor_ : dict or None
        How the last fit's kept state compares with PCA on its validation
        rows, when a PCA-anchored network or the neighbourhood term trained
        with early stopping: ``"kept"`` (``"trained"``, or ``"start"``, the
        untrained state, PCA itself for a PCA-anchored network, when no
        trained state held the floor or beat it), ``"ratio"`` (the kept
        state's mean squared error on the validation rows over PCA's),
        ``"margin"`` (1.0, or 1.02 with the neighbourhood term),
        ``"held"`` (whether the kept state holds the floor: the upper 95%
        confidence bound of its mean per-row error minus ``margin`` times
        PCA's is at most 0; false only when, with the neighbourhood term
        and a start not anchored at PCA, no state does) and
        ``"validation_rows"``. None otherwise.
    neighbor_weight_ : float
        The neighbourhood term's weight the kept networks trained with:
        ``neighbor_weight``, or what "auto" resolved to (see
        ``neighbor_weight``). Training on (``warm_start``, ``partial_fit``)
        goes on with it.
    map_choice_ : dict or None
        Where "auto" compared the map with reconstruction alone: ``"kept"``
        (``"map"`` or ``"reconstruction"``), the kept fit's
        ``"neighbor_weight"``, ``"hidden_layer_sizes"``, ``"activation"``
        and ``"batch_size"``, ``"neighbor_recall"`` (with ``"map"`` and
        with ``"reconstruction"``: the share of each validation row's 20
        nearest training rows that stay among its 20 nearest in the code,
        averaged over the validation rows), ``"lower_bound"`` (the
        one-sided 95% lower confidence bound of the map's mean per-row
        gain; the map is kept where it is above 0) and
        ``"validation_rows"``; the recalls and the bound are None where too
        few validation rows fitted reconstruction alone at once. None where
        "auto" made no choice.
    fill_values_ : ndarray of shape (n_features,) or None
        What the encoder sees in place of a missing entry (NaN) of each
        column: its mean over the observed entries of the first fit that
        held NaN. None for a model fitted on data without NaN, which
        refuses NaN.
    label_classes_ : ndarray or None
        The known labels of ``y``, sorted, with ``label_weight > 0``;
        else None.
    callbacks_ : list of keras.callbacks.Callback or None
        The copies of ``callbacks`` the last fit called, or None without
        callbacks; their ``model`` shares its layers with ``encoder_`` and
        ``decoder_``. Not kept by pickling or ``save``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
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

    _parameter_constraints = PARAMETER_CONSTRAINTS

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes="auto",
        activation="auto",
        code_activation="linear",
        output_activation="linear",
        loss="mse",
        optimizer="adam",
        learning_rate=None,
        batch_size="auto",
        epochs=300,
        shuffle=True,
        early_stopping=True,
        validation_fraction="auto",
        n_iter_no_change="auto",
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
        neighbor_weight="auto",
        n_neighbors=15,
        label_weight=0.0,
        callbacks=None,
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
        self.neighbor_weight = neighbor_weight
        self.n_neighbors = n_neighbors
        self.label_weight = label_weight
        self.callbacks = callbacks

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Pretraining holds every training row dense and complete, so it
        # refuses sparse X and NaN.
        tags.input_tags.sparse = tags.input_tags.allow_nan = not self.pretrain_epochs
        return tags

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
            rows within each block. Dense rows in memory may hold NaN for
            missing values: the encoder sees each as its column's observed
            mean (``fill_values_``), the loss counts no error there, and
            the PCA start and the neighbour graph use the rows completed
            by a PCA of the observed entries. A column with no observed
            entry is refused; a row with none adds nothing to the loss.
        y : array-like of shape (n_samples,), default=None
            Labels for the classification term, -1 (or None, or NaN) where
            unknown; used
            only with ``label_weight > 0``, else ignored.

        Returns
        -------
        self : AutoencoderTransformer
            The fitted estimator. If fitting fails or is interrupted, the
            estimator is left exactly as it was before the call.
        """
        with self._unchanged_on_failure():
            continuing = self.warm_start and self._is_fitted()
            self._fit(X, y, continuing=continuing, epochs=self.epochs)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, classes=None):
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
            in :meth:`fit`. NaN as in :meth:`fit`; a model whose first
            call saw no NaN refuses them later.
        y : array-like of shape (n_samples,), default=None
            Labels as in :meth:`fit`, among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class ``y`` may hold over all calls, as scikit-learn's
            incremental classifiers take it: given on the first call, a
            later chunk may bring a class the first did not; without it,
            the classes are those of the first call's labels. Later calls
            may repeat it, unchanged. Used only with ``label_weight > 0``.

        Returns
        -------
        self : AutoencoderTransformer
        """
        with self._unchanged_on_failure():
            continuing = self._is_fitted()
            self._fit(X, y, continuing=continuing, epochs=1, incremental=True, classes=classes)
        return self

    def _is_fitted(self):
        return hasattr(self, "encoder_")

    def _fit(self, X, y=None, *, continuing, epochs, incremental=False, classes=None):
        """Validate, configure, fit, and set every fitted attribute in one place."""
        data = validated_training_data(self, X, y, reset=not continuing, classes=classes)
        previous = None
        if continuing:
            previous = FitResult(
                self.encoder_,
                self.decoder_,
                self.loss_curve_,
                self.validation_loss_curve_,
                self.best_validation_loss_,
                getattr(self, "_training_state", None),
                getattr(self, "callbacks_", None),
            )
        result = fit_autoencoder(
            data, rng=self._random_state(), epochs=epochs, previous=previous, incremental=incremental
        )
        self.encoder_, self.decoder_ = result.encoder, result.decoder
        self.loss_curve_ = result.loss_curve
        self.n_iter_ = len(result.loss_curve)
        self.validation_loss_curve_ = result.validation_loss_curve
        self.best_validation_loss_ = result.best_validation_loss
        self.best_epoch_ = result.best_epoch
        self._training_state = result.training_state
        self.callbacks_ = result.callbacks
        self.neighbor_graph_ = result.neighbor_graph
        self.pca_floor_ = result.pca_floor
        self.neighbor_weight_ = result.neighbor_weight
        self.map_choice_ = result.map_choice
        self.fill_values_ = data.fill_values
        self.label_classes_ = data.classes
        self._forward_cache = {}

    def _random_state(self):
        return own_random_state(self.random_state)
