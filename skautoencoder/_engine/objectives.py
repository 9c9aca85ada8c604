"""What training minimizes, per row: reconstruction plus each variant's term.

One :class:`Objective` covers the plain autoencoder and its variants:

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
  :func:`neighbor_loss`);
- with missing values: NaN entries are replaced by each column's fill value
  (its observed mean) where the encoder sees them, and count no error in the
  reconstruction loss;
- with labels: a softmax classifier on the code, trained with it, adds its
  cross-entropy for the rows whose label is known (see :func:`label_loss`).

Random draws are stateless functions of a seed and the step number, so that a
seeded fit is reproducible and the whole epoch still compiles with XLA.
"""

from .backend import import_keras, import_tensorflow
from .keras_objects import keras_loss_per_row


def _mean_squared_error(tf, x, reconstruction):
    return tf.reduce_mean(tf.square(reconstruction - x), axis=-1)


def _binary_crossentropy(tf, x, reconstruction):
    eps = 1e-7
    p = tf.clip_by_value(reconstruction, eps, 1.0 - eps)
    return -tf.reduce_mean(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p), axis=-1)


# Each maps rows and their reconstructions to one loss per row.
RECONSTRUCTION_LOSSES = {"mse": _mean_squared_error, "binary_crossentropy": _binary_crossentropy}

# Other rows of the batch each row's code is contrasted with.
N_NEGATIVES = 16


def neighbor_loss(tf, code, neighbor_code, scale):
    """Per row: the InfoNCE loss of the row's neighbour against other rows, under a Cauchy kernel.

    The similarity of two codes is ``1 / (1 + |a - b|^2 / scale^2)``, as in
    t-SNE. Each row's neighbour is the positive; the neighbours of up to
    :data:`N_NEGATIVES` other rows of the batch (the batch is in random
    order) are the negatives. Minimising it keeps neighbours close and
    spreads the rest, like t-SNE (Damrich et al., "From t-SNE to UMAP with
    contrastive learning", ICLR 2023). It costs ``O(batch * N_NEGATIVES)``
    and is defined for any number of rows: a row with no other row to
    compare with scores zero.
    """
    a, b = code / scale, neighbor_code / scale
    n_rows = tf.shape(a)[0]
    shifts = tf.range(N_NEGATIVES + 1)
    # Column s pairs row i with the neighbour of row i - s (mod the batch):
    # s = 0 is its own neighbour, the others its negatives. One gather
    # instead of a shifted copy per negative keeps the step's graph small.
    partners = tf.math.floormod(tf.range(n_rows)[:, None] - shifts[None, :], n_rows)
    logits = -tf.math.log1p(tf.reduce_sum(tf.square(a[:, None, :] - tf.gather(b, partners)), axis=-1))
    # A shift by a multiple of the batch would compare a row with its own neighbour.
    own_neighbor = tf.logical_and(shifts > 0, tf.math.floormod(shifts, n_rows) == 0)
    logits = tf.where(own_neighbor[None, :], tf.constant(-1e30, logits.dtype), logits)
    return tf.reduce_logsumexp(logits, axis=-1) - logits[:, 0]


def label_loss(tf, logits, labels):
    """Per row: the cross-entropy of the row's label, or 0 where it is unknown (-1)."""
    known = labels >= 0
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.where(known, labels, tf.zeros_like(labels)), logits=logits
    )
    return tf.where(known, cross_entropy, tf.zeros_like(cross_entropy))


class Objective:
    """Per-row training loss of an encoder/decoder pair.

    Parameters
    ----------
    encoder, decoder : keras.Model
        For a variational model the encoder has two outputs, the mean and the
        log-variance of the code.
    loss : str or callable
        As the estimator's ``loss``: "mse", "binary_crossentropy", another
        name Keras knows, a Keras loss object or a function.
    corruption : {None, "gaussian", "masking"}, default=None
    corruption_level : float, default=0.0
        Noise standard deviation, or share of entries zeroed.
    activity_l1 : float, default=0.0
    contractive_weight : float, default=0.0
    variational : bool, default=False
    beta : float, default=1.0
    seed : int, default=0
    tied_pairs : list of (Dense, Dense), default=()
        Encoder and decoder layers whose kernels are tied (see
        ``mirrored_dense_pairs``).
    neighbor_weight : float, default=0.0
        Weight of :func:`neighbor_loss`. When positive, each row of ``x``
        is a row followed by its neighbour (twice the width), and the term
        is multiplied by ``pca_squared_error``, the mean squared error PCA
        leaves on the training rows, so that a weight means the same
        against the reconstruction error whatever the data's units, and
        the map never outweighs what a linear code cannot explain.
    missing_values : bool, default=False
        Whether rows may hold NaN: they are replaced by ``fill_values`` (a
        variable each fit sets) before the encoder, and their entries count
        no reconstruction error (the target there is the reconstruction
        itself, with no gradient).
    n_classes : int, default=0
        When positive, each row of ``x`` ends with its label (an integer in
        ``[0, n_classes)``, or -1 if unknown), and a linear softmax
        classifier of the code adds ``label_weight`` times
        :func:`label_loss`, multiplied by ``data_variance`` so that the
        weight means the same whatever the data's units.
    label_weight : float, default=0.0
    """

    def __init__(
        self,
        encoder,
        decoder,
        loss,
        *,
        corruption=None,
        corruption_level=0.0,
        activity_l1=0.0,
        contractive_weight=0.0,
        variational=False,
        beta=1.0,
        seed=0,
        tied_pairs=(),
        neighbor_weight=0.0,
        missing_values=False,
        n_classes=0,
        label_weight=0.0,
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
        self.activity_l1 = activity_l1
        self.contractive_weight = contractive_weight
        self.variational = variational
        self.beta = beta
        self.neighbor_weight = neighbor_weight
        # The training rows' mean column variance (the codes' scale in
        # ``neighbor_loss``) and the squared error PCA leaves on them (the
        # term's unit), set by each fit: variables, so pooled trainers serve
        # any data.
        self.data_variance = self._tf.Variable(1.0, dtype=self._tf.float32, trainable=False)
        self.pca_squared_error = self._tf.Variable(1.0, dtype=self._tf.float32, trainable=False)
        # A variable, not a constant of the compiled steps: a pooled trainer
        # (see ``TrainerPool``) serves fits of every seed without retracing.
        self.seed = self._tf.Variable(seed, dtype=self._tf.int32, trainable=False)
        self.tied_kernels = [(e.kernel, d.kernel) for e, d in tied_pairs]
        self.sync_tied_kernels()
        self.missing_values = missing_values
        if missing_values:
            n_features = int(decoder.outputs[0].shape[-1])
            self.fill_values = self._tf.Variable(self._tf.zeros(n_features, dtype=self._tf.float32), trainable=False)
        self.n_classes = n_classes
        self.label_weight = label_weight
        self.classifier = None
        if n_classes:
            keras = import_keras()
            self.classifier = keras.layers.Dense(
                n_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name="label_classifier"
            )
            self.classifier.build((None, int(decoder.inputs[0].shape[-1])))

    def start_from_seed(self, seed):
        """Draw from now on as a new objective built with ``seed`` would.

        Sets the seed of the objective's random draws and gives the label
        classifier the first weights that seed draws. Dropout layers draw
        from their own state (see :meth:`CompiledTrainer.start_from`).
        """
        self.seed.assign(seed)
        if self.classifier is not None:
            keras = import_keras()
            kernel, bias = self.classifier.kernel, self.classifier.bias
            kernel.assign(keras.initializers.GlorotUniform(seed=seed)(kernel.shape, dtype=kernel.dtype))
            bias.assign(self._tf.zeros(bias.shape, dtype=bias.dtype))

    @property
    def trainable_variables(self):
        """The variables the optimizer updates (not the tied decoder kernels)."""
        tied = {id(decoder_kernel) for _, decoder_kernel in self.tied_kernels}
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        if self.classifier is not None:
            variables = variables + self.classifier.trainable_variables
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
        """``x`` as (rows, neighbours or None, labels or None), each NaN of the rows and neighbours kept."""
        tf = self._tf
        labels = None
        if self.n_classes:
            x, labels = x[:, :-1], tf.cast(x[:, -1], tf.int32)
        neighbors = None
        if self.neighbor_weight > 0:
            n_features = x.shape[-1] // 2
            x, neighbors = x[:, :n_features], x[:, n_features:]
        return x, neighbors, labels

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

        For a neighbourhood objective, ``x`` holds rows followed by their
        neighbours; only the rows count. Missing entries count no error.
        """
        x, _, _ = self._split(x)
        code, _ = self._encode(self._filled(x), training=False)
        reconstruction = self.decoder(code, training=False)
        return _mean_squared_error(self._tf, self._target(x, reconstruction), reconstruction)

    def per_row(self, x, step, training):
        """Loss of each row of ``x`` (a float32 tensor) at this step."""
        tf = self._tf
        neighbor_code = None
        x, neighbors, labels = self._split(x)
        if neighbors is not None:
            neighbors = self._filled(neighbors)
            # The neighbours go through the encoder in a call of their own:
            # under XLA, Keras's dropout on rows and neighbours concatenated
            # into one batch ran 16 times slower than on each half. With
            # batch normalisation, each call uses its own batch's statistics.
            partners = self._corrupt(neighbors, step, stream=3) if training else neighbors
            neighbor_code, _ = self._encode(partners, training)
        target, x = x, self._filled(x)
        # Validation rows are corrupted too, with the same draw at every
        # epoch (step -1), so that early stopping keeps the epoch that best
        # restores corrupted rows, as training asks.
        inputs = self._corrupt(x, step if training else -1)
        if self.contractive_weight > 0:
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(inputs)
                code, log_variance = self._encode(inputs, training)
                columns = [code[:, j] for j in range(code.shape[-1])]
            # Rows do not interact, so the gradient of one code column's sum
            # is, row by row, that row's Jacobian row: one pass per code unit,
            # much cheaper than a batch Jacobian for the small codes used here.
            contraction = tf.add_n(
                [tf.reduce_sum(tf.square(tape.gradient(column, inputs)), axis=-1) for column in columns]
            )
            del tape
        else:
            code, log_variance = self._encode(inputs, training)
            contraction = None
        decoded_code = code
        if self.variational and training:
            noise = tf.random.stateless_normal(tf.shape(code), self._seed(step, 2), dtype=code.dtype)
            decoded_code = code + tf.exp(0.5 * log_variance) * noise
        reconstruction = self.decoder(decoded_code, training=training)
        loss = self._reconstruction_loss(tf, self._target(target, reconstruction), reconstruction)
        if self.variational:
            kl = -0.5 * tf.reduce_sum(1.0 + log_variance - tf.square(code) - tf.exp(log_variance), axis=-1)
            # Per feature, like the reconstruction loss, so beta keeps its meaning.
            loss += self.beta * kl / tf.cast(tf.shape(x)[-1], x.dtype)
        if self.activity_l1 > 0:
            loss += self.activity_l1 * tf.reduce_sum(tf.abs(code), axis=-1)
        if contraction is not None:
            loss += self.contractive_weight * contraction
        if neighbor_code is not None:
            scale = tf.sqrt(self.data_variance)
            loss += self.neighbor_weight * self.pca_squared_error * neighbor_loss(tf, code, neighbor_code, scale)
        if labels is not None:
            loss += self.label_weight * self.data_variance * label_loss(tf, self.classifier(code), labels)
        return loss
