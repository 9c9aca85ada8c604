"""What training minimizes, per row: reconstruction plus each term's loss.

One :class:`Objective` covers the plain autoencoder and its variants; the
terms beside reconstruction are objects of their own
(:mod:`skautoencoder._engine.loss_terms`):

- denoising: the encoder sees a corrupted row (Gaussian noise, or a share of
  entries set to zero), the loss compares with the clean row; validation
  rows are corrupted by one fixed draw;
- sparse: an L1 penalty on the code;
- contractive: a penalty on the squared Frobenius norm of the encoder's
  Jacobian with respect to its input;
- variational: the encoder gives a mean and a log-variance, the decoder sees
  a sample, and ``beta`` times the KL divergence to the unit Gaussian prior
  is added;
- tied weights: each decoder kernel is the transpose of its mirrored encoder
  kernel; only the encoder kernel is a trained variable;
- neighbourhood-preserving: each row comes with one of its nearest training
  rows (see :mod:`skautoencoder._neighbor_graph`), and a contrastive term pulls
  their codes together and pushes other rows' codes away (see
  :func:`~skautoencoder._engine.loss_terms.neighbor_loss`);
- with missing values: NaN entries are replaced by each column's fill value
  (its observed mean) where the encoder sees them, and count no error in the
  reconstruction loss;
- with labels: a softmax classifier on the code, trained with it, adds its
  cross-entropy for the rows whose label is known (see
  :func:`~skautoencoder._engine.loss_terms.label_loss`).

Random draws are stateless functions of a seed and the step number, so that a
seeded fit is reproducible and the whole epoch still compiles with XLA.
"""

from .backend import import_tensorflow
from .keras_objects import keras_loss_per_row


def _mean_squared_error(tf, x, reconstruction):
    return tf.reduce_mean(tf.square(reconstruction - x), axis=-1)


def _binary_crossentropy(tf, x, reconstruction):
    eps = 1e-7
    p = tf.clip_by_value(reconstruction, eps, 1.0 - eps)
    return -tf.reduce_mean(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p), axis=-1)


# Each maps rows and their reconstructions to one loss per row.
RECONSTRUCTION_LOSSES = {"mse": _mean_squared_error, "binary_crossentropy": _binary_crossentropy}


class Batch:
    """One batch on its way through the networks: what the loss terms read.

    Attributes
    ----------
    tf : module
        TensorFlow.
    rows : tensor
        The rows, NaN kept where they are missing.
    data : dict
        Each term's columns of data (see ``LossTerm.data_columns``).
    step : tensor
        The optimizer's step (-1 for validation rows: one fixed draw).
    training : bool
    inputs : tensor
        What the encoder saw: the rows filled and corrupted.
    code, log_variance : tensor
        The encoder's output (its mean, for a variational model) and, for a
        variational model, its log-variance (else None).
    tape : tf.GradientTape or None
        The encoder's pass, recorded where a term needs input gradients.
    values : dict
        What a term keeps between its calls (a term's own keys).
    data_variance : tf.Variable
        The training rows' mean column variance, set by each fit: the data's
        units, for the terms that weigh themselves in them.
    """

    def __init__(self, objective, rows, data, step, training):
        self.tf = objective._tf
        self._objective = objective
        self.rows, self.data, self.step, self.training = rows, data, step, training
        self.data_variance = objective.data_variance
        self.inputs = self.code = self.log_variance = self.tape = None
        self.values = {}

    def filled(self, x):
        """``x`` with each NaN replaced by its column's fill value."""
        return self._objective._filled(x)

    def corrupted(self, x, stream):
        """``x`` corrupted as the objective corrupts inputs, from its own random ``stream``."""
        return self._objective._corrupt(x, self.step, stream)

    def encode(self, x):
        """The encoder's ``(code, log_variance or None)`` of ``x``."""
        return self._objective._encode(x, self.training)


class Objective:
    """Per-row training loss of an encoder/decoder pair: reconstruction, then each term's.

    Parameters
    ----------
    encoder, decoder : keras.Model
        For a variational model the encoder has two outputs, the mean and the
        log-variance of the code.
    loss : str or callable
        As the estimator's ``loss``: "mse", "binary_crossentropy", another
        name Keras knows, a Keras loss object or a function.
    terms : list of LossTerm, default=()
        The terms added to reconstruction's loss, in order (see
        :mod:`skautoencoder._engine.loss_terms`); each is built here, on
        these networks.
    corruption : {None, "gaussian", "masking"}, default=None
    corruption_level : float, default=0.0
        Noise standard deviation, or share of entries zeroed.
    variational : bool, default=False
        Whether the encoder gives a mean and a log-variance, and the decoder
        sees a sample of that Gaussian while training.
    seed : int, default=0
    tied_pairs : list of (Dense, Dense), default=()
        Encoder and decoder layers whose kernels are tied (see
        ``mirrored_dense_pairs``).
    missing_values : bool, default=False
        Whether rows may hold NaN: they are replaced by ``fill_values`` (a
        variable each fit sets) before the encoder, and their entries count
        no reconstruction error (the target there is the reconstruction
        itself, with no gradient).
    """

    def __init__(
        self,
        encoder,
        decoder,
        loss,
        *,
        terms=(),
        corruption=None,
        corruption_level=0.0,
        variational=False,
        seed=0,
        tied_pairs=(),
        missing_values=False,
    ):
        self._tf = import_tensorflow()
        self.encoder = encoder
        self.decoder = decoder
        if isinstance(loss, str) and loss in RECONSTRUCTION_LOSSES:
            self._reconstruction_loss = RECONSTRUCTION_LOSSES[loss]
        else:
            self._reconstruction_loss = keras_loss_per_row(loss)
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.variational = variational
        # The training rows' mean column variance, set by each fit: a
        # variable, so that pooled trainers serve any data.
        self.data_variance = self._tf.Variable(1.0, dtype=self._tf.float32, trainable=False)
        # A variable, not a constant of the compiled steps: a pooled trainer
        # (see ``TrainerPool``) serves fits of every seed without retracing.
        self.seed = self._tf.Variable(seed, dtype=self._tf.int32, trainable=False)
        self.tied_kernels = [(e.kernel, d.kernel) for e, d in tied_pairs]
        self.sync_tied_kernels()
        self.missing_values = missing_values
        if missing_values:
            n_features = int(decoder.outputs[0].shape[-1])
            self.fill_values = self._tf.Variable(self._tf.zeros(n_features, dtype=self._tf.float32), trainable=False)
        self._n_features = int(encoder.inputs[0].shape[-1])
        self.terms = list(terms)
        for term in self.terms:
            term.build(encoder, decoder, seed)

    def term(self, kind):
        """The objective's term of class ``kind``, or None."""
        return next((term for term in self.terms if isinstance(term, kind)), None)

    def start_from_seed(self, seed):
        """Draw from now on as a new objective built with ``seed`` would.

        Sets the seed of the objective's random draws and gives the terms'
        own weights (the label classifier's) the first values that seed
        draws. Dropout layers draw from their own state (see
        :meth:`CompiledTrainer.start_from`).
        """
        self.seed.assign(seed)
        for term in self.terms:
            term.start_from_seed(seed)

    @property
    def trainable_variables(self):
        """The variables the optimizer updates (not the tied decoder kernels)."""
        tied = {id(decoder_kernel) for _, decoder_kernel in self.tied_kernels}
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        for term in self.terms:
            variables = variables + term.trainable_variables
        return [v for v in variables if id(v) not in tied]

    def sync_tied_kernels(self):
        """Set each tied decoder kernel to its encoder kernel, transposed."""
        for encoder_kernel, decoder_kernel in self.tied_kernels:
            decoder_kernel.assign(self._tf.transpose(encoder_kernel))

    @property
    def layer_losses(self):
        """Regularization losses the models' own layers added (a list)."""
        return self.encoder.losses + self.decoder.losses

    def _seed(self, step, stream):
        return self._tf.stack([self._tf.cast(step, self._tf.int32), self.seed + stream])

    def _corrupt(self, x, step, stream=1):
        tf = self._tf
        if self.corruption == "gaussian":
            return x + self.corruption_level * tf.random.stateless_normal(
                tf.shape(x), self._seed(step, stream), dtype=x.dtype
            )
        if self.corruption == "masking":
            keep = (
                tf.random.stateless_uniform(tf.shape(x), self._seed(step, stream), dtype=x.dtype)
                >= self.corruption_level
            )
            return x * tf.cast(keep, x.dtype)
        return x

    def _split(self, x):
        """``x`` as the rows (NaN kept) and each term's columns of data."""
        rows, start, data = x[:, : self._n_features], self._n_features, {}
        for term in self.terms:
            if term.data_columns:
                data[term] = x[:, start : start + term.data_columns]
                start += term.data_columns
        return rows, data

    def _filled(self, x):
        """``x`` with each NaN replaced by its column's fill value."""
        if not self.missing_values:
            return x
        return self._tf.where(self._tf.math.is_nan(x), self.fill_values, x)

    def _target(self, x, reconstruction):
        """What the reconstruction is compared with: ``x``, or the reconstruction itself where ``x`` is NaN."""
        if not self.missing_values:
            return x
        tf = self._tf
        return tf.where(tf.math.is_nan(x), tf.stop_gradient(reconstruction), x)

    def _encode(self, x, training):
        outputs = self.encoder(x, training=training)
        if self.variational:
            mean, log_variance = outputs
            return mean, log_variance
        return outputs, None

    def squared_error_per_row(self, x):
        """Mean squared reconstruction error of each row of ``x``, as ``score`` measures it.

        Where the terms' data follow the rows (a neighbour, a label), only
        the rows count. Missing entries count no error.
        """
        x, _ = self._split(x)
        code, _ = self._encode(self._filled(x), training=False)
        reconstruction = self.decoder(code, training=False)
        return _mean_squared_error(self._tf, self._target(x, reconstruction), reconstruction)

    def per_row(self, x, step, training):
        """Loss of each row of ``x`` (a float32 tensor) at this step."""
        tf = self._tf
        batch = Batch(self, *self._split(x), step, training)
        for term in self.terms:
            term.before_encoding(batch)
        # Validation rows are corrupted too, with the same draw at every
        # epoch (step -1), so that early stopping keeps the epoch that best
        # restores corrupted rows, as training asks.
        batch.inputs = self._corrupt(self._filled(batch.rows), step if training else -1)
        watching = [term for term in self.terms if term.needs_input_gradient]
        if watching:
            with tf.GradientTape(persistent=True) as batch.tape:
                batch.tape.watch(batch.inputs)
                batch.code, batch.log_variance = self._encode(batch.inputs, training)
                for term in watching:
                    term.while_encoding(batch)
        else:
            batch.code, batch.log_variance = self._encode(batch.inputs, training)
        decoded_code = batch.code
        if self.variational and training:
            noise = tf.random.stateless_normal(tf.shape(batch.code), self._seed(step, 2), dtype=batch.code.dtype)
            decoded_code = batch.code + tf.exp(0.5 * batch.log_variance) * noise
        reconstruction = self.decoder(decoded_code, training=training)
        loss = self._reconstruction_loss(tf, self._target(batch.rows, reconstruction), reconstruction)
        for term in self.terms:
            loss += term.per_row(batch)
        return loss
