"""The training loop: many mini-batch steps in one compiled call.

``keras.Model.fit`` pays Python and framework dispatch on every mini-batch,
which dominates the cost of the small networks autoencoders for tabular data
use. Here one compiled TensorFlow function (XLA for long fits) loops over a
whole chunk of mini-batches: an epoch is one call for up to ``CHUNK_ROWS``
rows, and a few calls beyond. Each chunk's rows are gathered from the
caller's array just before its call, so training never copies the whole data
set. Keras still supplies the models and the optimizer, so every Keras
optimizer and layer keeps working.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._backend import import_tensorflow

# Rows gathered for one compiled call, in training and in evaluation: bounds
# the memory training adds (16 MB of float32 at 64 features).
CHUNK_ROWS = 65536

# How an epoch runs depends on how many steps the whole fit takes. Tracing a
# TensorFlow graph costs about 0.5 s and then saves a few milliseconds per
# step over running eagerly; XLA compilation costs about 0.8 s more and saves
# about 0.3 ms per step over a plain graph. Each pays off only past its count.
GRAPH_MIN_STEPS = 64
XLA_MIN_STEPS = 2500


def execution_mode(n_steps):
    """"eager", "graph" or "xla": the cheapest way to run ``n_steps`` steps."""
    if n_steps < GRAPH_MIN_STEPS:
        return "eager"
    return "graph" if n_steps < XLA_MIN_STEPS else "xla"


class CompiledTrainer:
    """Compiled training and evaluation steps for one objective and optimizer.

    Parameters
    ----------
    objective : Objective
        The per-row loss and the encoder and decoder it trains.
    optimizer : keras.optimizers.Optimizer
        Built here for the objective's trainable variables if it is not yet.
        Its step counter also numbers the random draws of the objective.
    settings : object, default=None
        What the caller built this trainer from, to tell later whether it
        still fits the caller's settings.
    """

    def __init__(self, objective, optimizer, settings=None):
        tf = import_tensorflow()
        self._tf = tf
        self.objective = objective
        self.optimizer = optimizer
        self.settings = settings
        if not optimizer.built:
            optimizer.build(objective.trainable_variables)
        self._epoch_fns = {
            "eager": self._epoch,
            "graph": tf.function(self._epoch),
            "xla": tf.function(self._epoch, jit_compile=True),
        }
        self._loss_sum_fns = {"eager": self._loss_sum, "graph": tf.function(self._loss_sum)}

    def _step(self, x, row_weights):
        tf = self._tf
        with tf.GradientTape() as tape:
            per_row = self.objective.per_row(x, self.optimizer.iterations, training=True)
            loss = tf.reduce_sum(per_row * row_weights) / tf.reduce_sum(row_weights)
            layer_losses = self.objective.layer_losses
            if layer_losses:
                loss += tf.add_n(layer_losses)
        variables = self.objective.trainable_variables
        tied = self.objective.tied_kernels
        gradients = tape.gradient(loss, variables + [decoder_kernel for _, decoder_kernel in tied])
        gradients, tied_gradients = gradients[: len(variables)], gradients[len(variables) :]
        if tied:
            # A tied kernel W is used as W (encoder) and W^T (decoder): its
            # gradient is the sum of both uses.
            position = {id(v): i for i, v in enumerate(variables)}
            for (encoder_kernel, _), decoder_gradient in zip(tied, tied_gradients):
                i = position[id(encoder_kernel)]
                gradients[i] = gradients[i] + tf.transpose(decoder_gradient)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self.objective.sync_tied_kernels()
        return loss * tf.reduce_sum(row_weights)

    def _epoch(self, batches, row_weights):
        tf = self._tf
        batches, row_weights = tf.convert_to_tensor(batches), tf.convert_to_tensor(row_weights)
        total = tf.zeros((), dtype=tf.float32)
        for i in tf.range(tf.shape(batches)[0]):
            total += self._step(batches[i], row_weights[i])
        return total

    def _loss_sum(self, x):
        x = self._tf.convert_to_tensor(x)
        return self._tf.reduce_sum(self.objective.per_row(x, 0, training=False))

    def train_epoch(self, data, order, batch_size, mode="xla"):
        """Run one epoch of mini-batch steps over ``data[order]``.

        The rows are cut into batches of ``batch_size``; a shorter last batch
        is filled up with rows of weight zero (repeats of its own rows, so
        that batch statistics stay realistic). The batches then go through
        the compiled function in chunks of at most ``CHUNK_ROWS`` rows, all
        of one size but the last (so at most two compiled shapes), each
        gathered from ``data`` as float32 just before its call.

        Parameters
        ----------
        data : ndarray of shape (n_samples, n_features)
            All rows (float32 or float64, a memmap works too); ``order``
            picks the ones to train on, in order.
        order : ndarray of int
            Row indices, one mini-batch after another.
        batch_size : int
            Rows per step.
        mode : {"eager", "graph", "xla"}, default="xla"
            How to run the steps (see :func:`execution_mode`).

        Returns
        -------
        loss : float
            Mean of the per-step losses, weighted by rows per step.
        """
        n_rows = len(order)
        batch_size = min(batch_size, n_rows)
        n_batches = -(-n_rows // batch_size)
        padded_rows = n_batches * batch_size
        # Padding rows repeat real rows of the last batch; weight zero.
        rows = np.concatenate([order, order[n_rows - batch_size : padded_rows - batch_size]])
        rows = rows.reshape(n_batches, batch_size)
        row_weights = np.ones(padded_rows, dtype=np.float32)
        row_weights[n_rows:] = 0.0
        row_weights = row_weights.reshape(n_batches, batch_size)
        batches_per_chunk = max(1, CHUNK_ROWS // batch_size)
        epoch = self._epoch_fns[mode]
        total = 0.0
        for start in range(0, n_batches, batches_per_chunk):
            chunk_rows = rows[start : start + batches_per_chunk]
            x = np.asarray(data[chunk_rows.ravel()], dtype=np.float32).reshape(*chunk_rows.shape, -1)
            total += float(epoch(x, row_weights[start : start + batches_per_chunk]))
        return total / n_rows

    def evaluate(self, data, rows, mode="graph"):
        """Return the mean loss over ``data[rows]`` without training."""
        loss_sum = self._loss_sum_fns["eager" if mode == "eager" else "graph"]
        total = 0.0
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = np.asarray(data[rows[start : start + CHUNK_ROWS]], dtype=np.float32)
            total += float(loss_sum(chunk))
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
    data : ndarray of shape (n_samples, n_features)
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
    models = (trainer.objective.encoder, trainer.objective.decoder)
    best_weights = None
    epochs_without_improvement = 0
    mode = execution_mode(epochs * -(-len(train_rows) // batch_size))
    for epoch in range(1, epochs + 1):
        order = rng.permutation(train_rows) if shuffle else train_rows
        loss = trainer.train_epoch(data, order, batch_size, mode)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"Training diverged at epoch {epoch}: the loss became {loss}. "
                "Lower learning_rate, or scale the input (e.g. StandardScaler)."
            )
        result.loss_curve.append(loss)
        validation_loss = None
        if validation_rows is not None:
            validation_loss = trainer.evaluate(data, validation_rows, mode)
            result.validation_loss_curve.append(validation_loss)
            if validation_loss < result.best_validation_loss:
                best_weights = [model.get_weights() for model in models]
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
        for model, weights in zip(models, best_weights):
            model.set_weights(weights)
    return result


def pretrain_layerwise(encoder, decoder, data, rows, *, loss, epochs, batch_size, shuffle, rng, make_optimizer):
    """Greedy layer-wise pretraining of a dense autoencoder.

    Each encoder Dense layer is trained, with the decoder layer that mirrors
    it, as a shallow autoencoder of the codes the layers before it produce;
    the first pair reconstructs the data itself with the estimator's
    ``loss``, the deeper pairs their hidden codes with squared error.
    Batch normalisation and dropout layers between them run in inference
    mode. Fine-tuning end to end follows, in :func:`train`.

    Parameters
    ----------
    encoder, decoder : keras.Model
        A dense encoder and its mirrored decoder (see ``build_dense_networks``).
    data : ndarray of shape (n_samples, n_features)
    rows : ndarray of int32
        Rows to pretrain on.
    loss : {"mse", "binary_crossentropy"}
    epochs, batch_size : int
        Per layer.
    shuffle : bool
    rng : numpy.random.RandomState
    make_optimizer : callable
        Returns a fresh optimizer for each layer.
    """
    from ._backend import import_keras
    from ._networks import mirrored_dense_pairs
    from ._objectives import Objective

    keras = import_keras()
    pairs = mirrored_dense_pairs(encoder, decoder)
    inputs = np.asarray(data[rows], dtype=np.float32)
    codes = inputs
    for depth, (encoder_layer, decoder_layer) in enumerate(pairs):
        if depth:
            upstream = keras.Model(encoder.input, pairs[depth - 1][0].output)
            codes = np.asarray(upstream.predict_on_batch(inputs))
        width = codes.shape[-1]
        shallow_in = keras.Input(shape=(width,))
        shallow_encoder = keras.Model(shallow_in, encoder_layer(shallow_in))
        code_in = keras.Input(shape=(encoder_layer.units,))
        shallow_decoder = keras.Model(code_in, decoder_layer(code_in))
        objective = Objective(shallow_encoder, shallow_decoder, loss if depth == 0 else "mse")
        trainer = CompiledTrainer(objective, make_optimizer())
        train(
            trainer, codes, np.arange(len(rows), dtype=np.int32),
            epochs=epochs, batch_size=batch_size, shuffle=shuffle, rng=rng,
        )
