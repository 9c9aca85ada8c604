"""The training loop: whole epochs in one compiled call.

``keras.Model.fit`` pays Python and framework dispatch on every mini-batch,
which dominates the cost of the small networks autoencoders for tabular data
use. Here each epoch is one XLA-compiled TensorFlow function that loops over
all full mini-batches; at most one shorter batch at the end of an epoch runs
as a second compiled call. Keras still supplies the model, the losses and the
optimizer, so every Keras optimizer and layer keeps working.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._backend import import_tensorflow

# Rows per call when a whole data set is only evaluated, not trained on.
EVALUATION_CHUNK_ROWS = 65536

# XLA compilation of an epoch costs about 0.8 s on 2 CPU cores and then saves
# about 0.3 ms per step over a plain TensorFlow graph, so it pays off only for
# fits of more steps than this.
XLA_MIN_STEPS = 2500


def _mean_squared_error(tf, x, reconstruction):
    return tf.reduce_mean(tf.square(reconstruction - x), axis=-1)


def _binary_crossentropy(tf, x, reconstruction):
    eps = 1e-7
    p = tf.clip_by_value(reconstruction, eps, 1.0 - eps)
    return -tf.reduce_mean(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p), axis=-1)


# Each maps rows and their reconstructions to one loss per row.
LOSSES = {"mse": _mean_squared_error, "binary_crossentropy": _binary_crossentropy}


class CompiledTrainer:
    """Compiled training and evaluation steps for one model and optimizer.

    Parameters
    ----------
    autoencoder : keras.Model
        The model trained to reproduce its input.
    optimizer : keras.optimizers.Optimizer
        Built here for the model's trainable variables if it is not yet.
    loss : {"mse", "binary_crossentropy"}
        The reconstruction loss; the model's own regularization losses
        (``model.losses``) are added to it.
    settings : object, default=None
        What the caller built this trainer from, to tell later whether it
        still fits the caller's settings.
    """

    def __init__(self, autoencoder, optimizer, loss, settings=None):
        tf = import_tensorflow()
        self._tf = tf
        self.model = autoencoder
        self.optimizer = optimizer
        self.settings = settings
        self._loss = LOSSES[loss]
        if not optimizer.built:
            optimizer.build(autoencoder.trainable_variables)
        self._epoch_fns = {
            use_xla: tf.function(self._epoch, jit_compile=use_xla) for use_xla in (False, True)
        }
        self._loss_sum_fn = tf.function(self._loss_sum, jit_compile=True)

    def _step(self, data, rows, row_weights):
        tf = self._tf
        x = tf.gather(data, rows)
        with tf.GradientTape() as tape:
            per_row = self._loss(tf, x, self.model(x, training=True))
            loss = tf.reduce_sum(per_row * row_weights) / tf.reduce_sum(row_weights)
            if self.model.losses:
                loss += tf.add_n(self.model.losses)
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return loss * tf.reduce_sum(row_weights)

    def _epoch(self, data, batches, row_weights):
        tf = self._tf
        total = tf.zeros((), dtype=tf.float32)
        for i in tf.range(tf.shape(batches)[0]):
            total += self._step(data, batches[i], row_weights[i])
        return total

    def _loss_sum(self, x):
        return self._tf.reduce_sum(self._loss(self._tf, x, self.model(x, training=False)))

    def train_epoch(self, data, order, batch_size, use_xla=True):
        """Run one epoch of mini-batch steps over ``data[order]``.

        The rows are cut into batches of ``batch_size``; a shorter last batch
        is padded with rows of weight zero, so that every epoch is a single
        call of one compiled function.

        Parameters
        ----------
        data : tf.Tensor of shape (n_samples, n_features), float32
            All rows; ``order`` picks the ones to train on, in order.
        order : ndarray of int32
            Row indices, one mini-batch after another.
        batch_size : int
            Rows per step.
        use_xla : bool, default=True
            Whether to run the epoch as an XLA-compiled function.

        Returns
        -------
        loss : float
            Mean of the per-step losses, weighted by rows per step.
        """
        n_rows = len(order)
        batch_size = min(batch_size, n_rows)
        n_batches = -(-n_rows // batch_size)
        padding = n_batches * batch_size - n_rows
        batches = np.concatenate([order, np.zeros(padding, dtype=np.int32)])
        row_weights = np.ones(n_batches * batch_size, dtype=np.float32)
        row_weights[n_rows:] = 0.0
        total = self._epoch_fns[use_xla](
            data, batches.reshape(n_batches, batch_size), row_weights.reshape(n_batches, batch_size)
        )
        return float(total) / n_rows

    def evaluate(self, data, rows):
        """Return the mean loss over ``data[rows]`` without training."""
        tf = self._tf
        total = 0.0
        for start in range(0, len(rows), EVALUATION_CHUNK_ROWS):
            total += float(self._loss_sum_fn(tf.gather(data, rows[start : start + EVALUATION_CHUNK_ROWS])))
        return total / len(rows)


class TrainingSnapshot:
    """Weights of some models and an optimizer's variables at one moment."""

    def __init__(self, models, optimizer):
        self._weights = [(model, model.get_weights()) for model in models]
        variables = optimizer.variables if optimizer is not None else []
        self._optimizer_values = [(v, np.array(v.numpy())) for v in variables]

    def restore(self):
        """Put the saved values back."""
        for model, weights in self._weights:
            model.set_weights(weights)
        for variable, value in self._optimizer_values:
            variable.assign(value)


@dataclass
class TrainingResult:
    """What one call of :func:`train` observed."""

    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_validation_loss: float = math.inf
    stopped_early: bool = False


class TrainingDiverged(ValueError):
    """The training loss became NaN or infinite."""


def train(
    trainer,
    data,
    train_rows,
    *,
    epochs,
    batch_size,
    shuffle,
    rng,
    validation_rows=None,
    n_iter_no_change=10,
    tol=1e-4,
    progress=None,
):
    """Train for up to ``epochs`` epochs, with early stopping on validation rows.

    With ``validation_rows``, training stops once the validation loss has not
    improved by at least ``tol`` for ``n_iter_no_change`` epochs in a row, and
    the weights of the best validation epoch are restored. Without them, all
    ``epochs`` run.

    Parameters
    ----------
    trainer : CompiledTrainer
    data : tf.Tensor of shape (n_samples, n_features), float32
    train_rows : ndarray of int32
        Rows of ``data`` to train on.
    epochs, batch_size : int
    shuffle : bool
        Whether to visit ``train_rows`` in a new random order each epoch.
    rng : numpy.random.RandomState
        Source of the shuffling order.
    validation_rows : ndarray of int32, default=None
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    progress : TrainingProgress, default=None

    Returns
    -------
    TrainingResult

    Raises
    ------
    TrainingDiverged
        When an epoch's loss is NaN or infinite.
    """
    result = TrainingResult()
    model = trainer.model
    best_weights = None
    epochs_without_improvement = 0
    use_xla = epochs * -(-len(train_rows) // batch_size) >= XLA_MIN_STEPS
    for epoch in range(1, epochs + 1):
        order = rng.permutation(train_rows) if shuffle else train_rows
        loss = trainer.train_epoch(data, order, batch_size, use_xla)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"Training diverged at epoch {epoch}: the loss became {loss}. "
                "Lower learning_rate, or scale the input (e.g. StandardScaler)."
            )
        result.loss_curve.append(loss)
        validation_loss = None
        if validation_rows is not None:
            validation_loss = trainer.evaluate(data, validation_rows)
            result.validation_loss_curve.append(validation_loss)
            if validation_loss < result.best_validation_loss:
                best_weights = model.get_weights()
            if validation_loss < result.best_validation_loss - tol:
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
            result.best_validation_loss = min(result.best_validation_loss, validation_loss)
        if progress is not None:
            progress.update(epoch, loss, validation_loss)
        if validation_rows is not None and epochs_without_improvement >= n_iter_no_change:
            result.stopped_early = True
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return result


def as_training_data(X):
    """Return ``X`` as a float32 tensor, the one copy training works on."""
    tf = import_tensorflow()
    return tf.convert_to_tensor(np.asarray(X, dtype=np.float32))
