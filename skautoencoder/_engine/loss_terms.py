"""The terms of the per-row training loss beside reconstruction's, one class each.

A term owns its parameters (the estimator's, named in ``parameters``), its
own layers and variables, the columns of data it needs beside each row
(``data_columns``: a neighbour's values, a label), and its loss of each row.
:class:`~skautoencoder._engine.objectives.Objective` runs the networks once
per batch and adds the terms' losses in the order of :data:`LOSS_TERMS`.

Adding a term
-------------
1. A subclass of :class:`LossTerm` here, listed in :data:`LOSS_TERMS`: its
   ``parameters``, :meth:`~LossTerm.from_config` (the term, or None where
   the parameters leave it off) and :meth:`~LossTerm.per_row`.
2. Each parameter in ``AutoencoderTransformer.__init__`` (``_estimator.py``),
   with its docstring entry.
3. Each parameter's constraint in ``_parameters.py``.

The parameters then reach the fit's configuration, make trainers of other
values compile apart, and turn the PCA floor's comparison off (it compares
reconstruction alone); nothing else changes.
"""

from .backend import import_keras, import_tensorflow


class LossTerm:
    """One term of the per-row loss.

    Attributes
    ----------
    parameters : tuple of str
        The estimator's parameters this term reads: they decide which
        compiled trainers can be shared (see ``FitConfig.training_settings``).
    data_columns : int
        Columns of data each training row carries for this term, after the
        row's own values and those of the terms before it.
    """

    parameters = ()
    data_columns = 0
    # Whether the encoder's pass is recorded on a gradient tape for this term.
    needs_input_gradient = False

    @classmethod
    def from_config(cls, config):
        """The term a fit's configuration asks for, or None."""
        raise NotImplementedError

    def build(self, encoder, decoder, seed):
        """Make the term's own layers and variables, for these networks."""

    @property
    def trainable_variables(self):
        """The variables of its own the optimizer trains."""
        return []

    def start_from_seed(self, seed):
        """Give the term's own weights the first values ``seed`` draws."""

    def before_encoding(self, batch):
        """Run what must come before the rows' own pass through the encoder (its random draws, say)."""

    def while_encoding(self, batch):
        """Record, on ``batch.tape``, what the term differentiates (with ``needs_input_gradient``)."""

    def per_row(self, batch):
        """This term's loss of each row of ``batch`` (a :class:`~skautoencoder._engine.objectives.Batch`)."""
        raise NotImplementedError


class KullbackLeibler(LossTerm):
    """The variational term: ``beta`` times the KL divergence of each code's Gaussian to the unit prior.

    Divided by the number of features, like the reconstruction loss, so
    that ``beta`` keeps its meaning at any width.
    """

    parameters = ("variational", "beta")

    def __init__(self, beta):
        self.beta = beta

    @classmethod
    def from_config(cls, config):
        return cls(config.beta) if config.variational else None

    def per_row(self, batch):
        tf = batch.tf
        mean, log_variance = batch.code, batch.log_variance
        kl = -0.5 * tf.reduce_sum(1.0 + log_variance - tf.square(mean) - tf.exp(log_variance), axis=-1)
        return self.beta * kl / tf.cast(tf.shape(batch.rows)[-1], batch.rows.dtype)


class ActivityL1(LossTerm):
    """The sparse autoencoder's term: ``activity_l1`` times the L1 norm of each code."""

    parameters = ("activity_l1",)

    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def from_config(cls, config):
        return cls(config.activity_l1) if config.activity_l1 > 0 else None

    def per_row(self, batch):
        return self.weight * batch.tf.reduce_sum(batch.tf.abs(batch.code), axis=-1)


class Contractive(LossTerm):
    """The contractive term: ``contractive_weight`` times the squared Frobenius norm of the encoder's Jacobian."""

    parameters = ("contractive_weight",)
    # The objective records the encoder's pass on a gradient tape for this term.
    needs_input_gradient = True

    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def from_config(cls, config):
        return cls(config.contractive_weight) if config.contractive_weight > 0 else None

    def while_encoding(self, batch):
        # Rows do not interact, so the gradient of one code column's sum is,
        # row by row, that row's Jacobian row: one pass per code unit, much
        # cheaper than a batch Jacobian for the small codes used here.
        batch.values[self] = [batch.code[:, j] for j in range(batch.code.shape[-1])]

    def per_row(self, batch):
        tf = batch.tf
        gradients = [batch.tape.gradient(column, batch.inputs) for column in batch.values[self]]
        return self.weight * tf.add_n([tf.reduce_sum(tf.square(gradient), axis=-1) for gradient in gradients])


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


class Neighborhood(LossTerm):
    """The map's term: :func:`neighbor_loss` of each row's code and its neighbour's.

    Each training row carries one of its nearest training rows (see
    :class:`~skautoencoder._paired_rows.PairedRows`). The term is multiplied
    by ``pca_squared_error``, the mean squared error PCA leaves on the
    training rows (set by each fit), so that a weight means the same against
    the reconstruction error whatever the data's units, and the map never
    outweighs what a linear code cannot explain.
    """

    parameters = ("neighbor_weight",)

    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def from_config(cls, config):
        return cls(config.neighbor_weight) if config.neighbor_weight > 0 else None

    def build(self, encoder, decoder, seed):
        self.data_columns = int(encoder.inputs[0].shape[-1])
        # A variable, so that a pooled trainer serves any data.
        tf = import_tensorflow()
        self.pca_squared_error = tf.Variable(1.0, dtype=tf.float32, trainable=False)

    def before_encoding(self, batch):
        # The neighbours go through the encoder in a call of their own,
        # first: under XLA, Keras's dropout on rows and neighbours
        # concatenated into one batch ran 16 times slower than on each half.
        # With batch normalisation, each call uses its own batch's statistics.
        neighbors = batch.filled(batch.data[self])
        partners = batch.corrupted(neighbors, stream=3) if batch.training else neighbors
        batch.values[self], _ = batch.encode(partners)

    def per_row(self, batch):
        scale = batch.tf.sqrt(batch.data_variance)
        return self.weight * self.pca_squared_error * neighbor_loss(batch.tf, batch.code, batch.values[self], scale)


def label_loss(tf, logits, labels):
    """Per row: the cross-entropy of the row's label, or 0 where it is unknown (-1)."""
    known = labels >= 0
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.where(known, labels, tf.zeros_like(labels)), logits=logits
    )
    return tf.where(known, cross_entropy, tf.zeros_like(cross_entropy))


class Labels(LossTerm):
    """The classification term: a linear softmax classifier of the code, trained with it.

    Each training row carries its label (an integer in ``[0, n_classes)``,
    or -1 if unknown; see :class:`~skautoencoder._data_sources.LabeledRows`).
    The term is ``label_weight`` times :func:`label_loss`, multiplied by the
    data's mean column variance so that the weight means the same whatever
    the data's units.
    """

    parameters = ("n_classes", "label_weight")
    data_columns = 1

    def __init__(self, n_classes, weight):
        self.n_classes = n_classes
        self.weight = weight

    @classmethod
    def from_config(cls, config):
        return cls(config.n_classes, config.label_weight) if config.n_classes else None

    def build(self, encoder, decoder, seed):
        keras = import_keras()
        self.classifier = keras.layers.Dense(
            self.n_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name="label_classifier"
        )
        self.classifier.build((None, int(decoder.inputs[0].shape[-1])))

    @property
    def trainable_variables(self):
        return self.classifier.trainable_variables

    def start_from_seed(self, seed):
        keras = import_keras()
        kernel, bias = self.classifier.kernel, self.classifier.bias
        kernel.assign(keras.initializers.GlorotUniform(seed=seed)(kernel.shape, dtype=kernel.dtype))
        bias.assign(import_tensorflow().zeros(bias.shape, dtype=bias.dtype))

    def per_row(self, batch):
        tf = batch.tf
        labels = tf.cast(batch.data[self][:, 0], tf.int32)
        return self.weight * batch.data_variance * label_loss(tf, self.classifier(batch.code), labels)


# Every term, in the order their losses are added (and their data columns come).
LOSS_TERMS = [KullbackLeibler, ActivityL1, Contractive, Neighborhood, Labels]


def loss_terms(config):
    """The terms ``config`` (a ``FitConfig``) asks for, in the order of :data:`LOSS_TERMS`."""
    return [term for term in (kind.from_config(config) for kind in LOSS_TERMS) if term is not None]


def term_parameters():
    """Every parameter a term reads, each once, in the order of :data:`LOSS_TERMS`."""
    return tuple(dict.fromkeys(name for kind in LOSS_TERMS for name in kind.parameters))
